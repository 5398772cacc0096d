// f32_maxpool2d: y[n][oh][ow][c] = max of x over each poolH x poolW window (NHWC; 'same' padding's
// pads are skipped, as TF does), 4 channels per f32x4.pmax. Params: 12 i32 (writePool2dParams,
// src/runtime/packing/f32_params.ts):
//   0 n   1 h   2 w   3 c   4 poolH   5 poolW   6 strideH   7 strideW   8 outH   9 outW   10 padTop   11 padLeft
// Reference twin: src/runtime/reference/f32_maxpool2d.ts. Tests: test/runtime/kernels.test.ts.
import { storeLanes } from '../lib/simd';
import { param } from './f32_conv_params';

export function f32_maxpool2d(p: usize, x: usize, y: usize): void {
  const n = param(p, 0), h = param(p, 1), wd = param(p, 2), c = param(p, 3);
  const ph = param(p, 4), pw = param(p, 5), sh = param(p, 6), sw = param(p, 7), oh = param(p, 8), ow = param(p, 9);
  const pt = param(p, 10), pl = param(p, 11);
  const pix = <usize>c << 2, row = <usize>wd * pix;
  for (let b = 0; b < n; b++) {
    for (let py = 0; py < oh; py++) {
      // the window clipped to the image: 'same' pads at most k - 1 in all, so one row and column stay
      const y0 = py * sh - pt, i0 = max(y0, 0), rows = min(y0 + ph, h) - i0;
      const xr = x + <usize>((b * h + i0) * wd) * pix;
      for (let px = 0; px < ow; px++, y += pix) {
        const x0 = px * sw - pl, j0 = max(x0, 0), cols = <usize>(min(x0 + pw, wd) - j0) * pix;
        const xp = xr + <usize>j0 * pix;
        // SIMD: 4 channels at a time; a last group of 1-3 reads the next pixel's channels (or the
        // arena's slack) into lanes it never stores.
        for (let ch = 0; ch < c; ch += ASC_FEATURE_SIMD ? 4 : 1) {
          const q0 = xp + (<usize>ch << 2);
          if (ASC_FEATURE_SIMD) {
            let m = v128.load(q0);
            for (let i = 0; i < rows; i++) {
              let q = q0 + <usize>i * row;
              for (const e = q + cols; q < e; q += pix) m = f32x4.pmax(m, v128.load(q));
            }
            storeLanes(y + (<usize>ch << 2), m, c - ch);
          } else {
            let m = load<f32>(q0);
            for (let i = 0; i < rows; i++) {
              let q = q0 + <usize>i * row;
              for (const e = q + cols; q < e; q += pix) m = max(m, load<f32>(q));
            }
            store<f32>(y + (<usize>ch << 2), m);
          }
        }
      }
    }
  }
}
