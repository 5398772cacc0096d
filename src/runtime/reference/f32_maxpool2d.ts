// Reference twin of the WASM kernel f32_maxpool2d (assembly/kernels/f32_maxpool2d.ts): NHWC max pooling;
// 'same' padding's pads are not values, so taps outside the image are skipped (TF's MaxPool).
import type { Pool2dGeometry } from '../packing/f32_params.js';

/** y[n][py][px][c] = max over the in-image taps of the poolH x poolW window at (py*strideH - padTop, px*strideW - padLeft). */
export function f32_maxpool2d(x: ArrayLike<number>, y: Float32Array, g: Pool2dGeometry): void {
  const { n, h, w, c, poolH, poolW, strideH, strideW, padTop, padLeft, outH, outW } = g;
  for (let b = 0; b < n; b++) {
    for (let py = 0; py < outH; py++) {
      for (let px = 0; px < outW; px++) {
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          for (let i = 0; i < poolH; i++) {
            const iy = py * strideH - padTop + i;
            for (let j = 0; j < poolW; j++) {
              const ix = px * strideW - padLeft + j;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) m = Math.max(m, x[((b * h + iy) * w + ix) * c + ch]);
            }
          }
          y[((b * outH + py) * outW + px) * c + ch] = m;
        }
      }
    }
  }
}
