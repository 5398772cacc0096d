// Reference twin of assembly/kernels/qs8_maxpool2d.ts, TFLite's reference int8 MaxPool: the max of the
// raw int8 values over the window's in-image taps, clamped to [actMin, actMax]. NHWC.
import { type Pool2dGeometry, axis, checkPool } from './qs8_types.js';

export function qs8_maxpool2d(
  x: Int8Array, n: number, h: number, w: number, c: number, pool: Pool2dGeometry, actMin = -128, actMax = 127,
): { y: Int8Array; outH: number; outW: number } {
  checkPool(pool, h, w);
  const ay = axis(h, pool.poolH, pool.strideH, pool.padding), ax = axis(w, pool.poolW, pool.strideW, pool.padding);
  const y = new Int8Array(n * ay.out * ax.out * c);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ay.out; oy++) {
      for (let ox = 0; ox < ax.out; ox++) {
        for (let ch = 0; ch < c; ch++, o++) {
          let m = -128;
          for (let ky = 0; ky < pool.poolH; ky++) {
            const iy = oy * pool.strideH - ay.pad + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < pool.poolW; kx++) {
              const ix = ox * pool.strideW - ax.pad + kx;
              if (ix >= 0 && ix < w) m = Math.max(m, x[((b * h + iy) * w + ix) * c + ch]);
            }
          }
          y[o] = Math.min(Math.max(m, actMin), actMax);
        }
      }
    }
  }
  return { y, outH: ay.out, outW: ax.out };
}
