// f32_maxpool2d: y[n][oh][ow][c] = max of x over each poolH x poolW window (NHWC, padding 'valid'),
// 4 channels per f32x4.pmax. Params: 10 i32 (writePool2dParams, src/runtime/packing/f32_params.ts):
//   0 n   1 h   2 w   3 c   4 poolH   5 poolW   6 strideH   7 strideW   8 outH   9 outW
// Reference twin: src/runtime/reference/f32_maxpool2d.ts. Tests: test/runtime/kernels.test.ts.
import { storeLanes } from '../lib/simd';
import { param } from './f32_conv_params';

export function f32_maxpool2d(p: usize, x: usize, y: usize): void {
  const n = param(p, 0), h = param(p, 1), wd = param(p, 2), c = param(p, 3);
  const ph = param(p, 4), pw = param(p, 5), sh = param(p, 6), sw = param(p, 7), oh = param(p, 8), ow = param(p, 9);
  const pix = <usize>c << 2, row = <usize>wd * pix;
  for (let b = 0; b < n; b++) {
    for (let py = 0; py < oh; py++) {
      const xr = x + <usize>((b * h + py * sh) * wd) * pix;
      for (let px = 0; px < ow; px++, y += pix) {
        const xp = xr + <usize>(px * sw) * pix;
        // SIMD: 4 channels at a time; a last group of 1-3 reads the next pixel's channels (or the
        // arena's slack) into lanes it never stores.
        for (let ch = 0; ch < c; ch += ASC_FEATURE_SIMD ? 4 : 1) {
          const x0 = xp + (<usize>ch << 2);
          if (ASC_FEATURE_SIMD) {
            let m = v128.load(x0);
            for (let i = 0; i < ph; i++) {
              let q = x0 + <usize>i * row;
              for (const e = q + <usize>pw * pix; q < e; q += pix) m = f32x4.pmax(m, v128.load(q));
            }
            storeLanes(y + (<usize>ch << 2), m, c - ch);
          } else {
            let m = load<f32>(x0);
            for (let i = 0; i < ph; i++) {
              let q = x0 + <usize>i * row;
              for (const e = q + <usize>pw * pix; q < e; q += pix) m = max(m, load<f32>(q));
            }
            store<f32>(y + (<usize>ch << 2), m);
          }
        }
      }
    }
  }
}
