// Reference twins of assembly/kernels/qs8_conv2d_nhwc.ts, TFLite's reference int8 CONV_2D
// (reference/integer_ops/conv.h): for each output (b, oy, ox, c)
//   acc = bias[c] + sum over in-image taps of w[ky][kx][ci][c] * (x - zIn)   (out-of-image taps skipped)
//   y   = clamp(MultiplyByQuantizedMultiplier(acc, q[c], shift[c]) + zOut, actMin, actMax)
// Weights in Keras' Conv2D layout [kh][kw][cin][cout]. The fused variant is literally conv then maxpool.
import { qs8_maxpool2d } from './qs8_maxpool2d.js';
import { requantize } from './qs8_requantize.js';
import { type Conv2dGeometry, type Pool2dGeometry, type Qs8Requant, axis, checkConv } from './qs8_types.js';

export function qs8_conv2d_nhwc(
  x: Int8Array, n: number, g: Conv2dGeometry, w: Int8Array, bias: Int32Array, zIn: number, rq: Qs8Requant,
): { y: Int8Array; outH: number; outW: number } {
  checkConv(g);
  const ay = axis(g.h, g.kh, g.strideH, g.padding), ax = axis(g.w, g.kw, g.strideW, g.padding);
  const y = new Int8Array(n * ay.out * ax.out * g.cout);
  const acc = new Int32Array(g.cout);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ay.out; oy++) {
      for (let ox = 0; ox < ax.out; ox++) {
        acc.fill(0);
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.strideH - ay.pad + ky;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.strideW - ax.pad + kx;
            if (ix < 0 || ix >= g.w) continue;
            for (let ci = 0; ci < g.cin; ci++) {
              const v = x[((b * g.h + iy) * g.w + ix) * g.cin + ci] - zIn;
              const row = ((ky * g.kw + kx) * g.cin + ci) * g.cout;
              for (let c = 0; c < g.cout; c++) acc[c] += w[row + c] * v; // wraps mod 2^32 like int32
            }
          }
        }
        for (let c = 0; c < g.cout; c++, o++) y[o] = requantize((acc[c] + bias[c]) | 0, rq, c);
      }
    }
  }
  return { y, outH: ay.out, outW: ax.out };
}

/** Conv then maxpool (the pool's clamp is the conv's: int8 maxpool passes quantization through). */
export function qs8_conv2d_maxpool2d(
  x: Int8Array, n: number, g: Conv2dGeometry, pool: Pool2dGeometry, w: Int8Array, bias: Int32Array, zIn: number, rq: Qs8Requant,
): { y: Int8Array; outH: number; outW: number } {
  const conv = qs8_conv2d_nhwc(x, n, g, w, bias, zIn, rq);
  return qs8_maxpool2d(conv.y, n, conv.outH, conv.outW, g.cout, pool);
}
