// f32_maxpool2d: y[n][oh][ow][c] = max of x over each poolH x poolW window (NHWC, padding 'valid'),
// 4 channels per f32x4.pmax. Params: 10 i32 (writePool2dParams, src/runtime/packing/f32_params.ts):
//   0 n   1 h   2 w   3 c   4 poolH   5 poolW   6 strideH   7 strideW   8 outH   9 outW
// Reference twin: src/runtime/reference/f32_maxpool2d.ts. Tests: test/runtime/kernels.test.ts.
import { loadLanes, storeLanes } from '../lib/simd';
import { param } from './f32_conv_params';

/** Max over one window for channels [c, c + n) of one output pixel; `x` is the window's first pixel. */
@inline function windowMax(y: usize, x: usize, n: i32, ph: i32, pw: i32, row: usize, pix: usize): void {
  if (ASC_FEATURE_SIMD) {
    let m = loadLanes(x, n);
    for (let i = 0; i < ph; i++) {
      let q = x + <usize>i * row;
      for (const e = q + <usize>pw * pix; q < e; q += pix) m = f32x4.pmax(m, loadLanes(q, n));
    }
    storeLanes(y, m, n);
  } else {
    for (let l = 0; l < n; l++) {
      const xl = x + (<usize>l << 2);
      let m = load<f32>(xl);
      for (let i = 0; i < ph; i++) {
        let q = xl + <usize>i * row;
        for (const e = q + <usize>pw * pix; q < e; q += pix) m = max(m, load<f32>(q));
      }
      store<f32>(y + (<usize>l << 2), m);
    }
  }
}

export function f32_maxpool2d(p: usize, x: usize, y: usize): void {
  const n = param(p, 0), h = param(p, 1), wd = param(p, 2), c = param(p, 3);
  const ph = param(p, 4), pw = param(p, 5), sh = param(p, 6), sw = param(p, 7), oh = param(p, 8), ow = param(p, 9);
  const pix = <usize>c << 2, row = <usize>wd * pix;
  for (let b = 0; b < n; b++) {
    for (let py = 0; py < oh; py++) {
      const xr = x + <usize>((b * h + py * sh) * wd) * pix;
      for (let px = 0; px < ow; px++) {
        const xp = xr + <usize>(px * sw) * pix;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) windowMax(y + (<usize>ch << 2), xp + (<usize>ch << 2), 4, ph, pw, row, pix);
        if (ch < c) windowMax(y + (<usize>ch << 2), xp + (<usize>ch << 2), c - ch, ph, pw, row, pix);
        y += pix;
      }
    }
  }
}
