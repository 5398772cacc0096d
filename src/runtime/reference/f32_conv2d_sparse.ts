// Reference twin of the WASM kernel f32_conv2d_sparse: the direct convolution of reference/f32_conv2d_nhwc.ts
// (zero weights contribute nothing); x and y NHWC.
import type { Conv2dGeometry } from '../packing/f32_params.js';

/** y = conv(x, kernel) + bias (ReLU if g.relu), NHWC (for outLayout 'minor' too: the kernel table reads the kernel's back). */
export function f32_conv2d_sparse(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number>, y: Float32Array, g: Conv2dGeometry): void {
  const { n, h, w, cin, cout, kh, kw, strideH, strideW, padTop, padLeft, outH, outW, relu } = g;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let co = 0; co < cout; co++) {
          let s = bias[co];
          for (let r = 0; r < kh; r++) {
            const iy = oy * strideH + r - padTop;
            if (iy < 0 || iy >= h) continue;
            for (let q = 0; q < kw; q++) {
              const ix = ox * strideW + q - padLeft;
              if (ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < cin; ci++) s += x[((b * h + iy) * w + ix) * cin + ci] * kernel[((r * kw + q) * cin + ci) * cout + co];
            }
          }
          y[((b * outH + oy) * outW + ox) * cout + co] = relu ? Math.max(0, s) : s;
        }
      }
    }
  }
}
