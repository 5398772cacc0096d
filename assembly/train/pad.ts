// Zero padding for 'same' convolutions: the conv kernels only handle 'valid' geometry, so the host
// copies x into a padded scratch image first, and copies the gradient back out of one afterwards.
//   x [batch, inH, inW, c]  <->  xp [batch, ph, pw, c],  xp[n, i + top, j + left] = x[n, i, j]
// ph/pw cover exactly the rows/columns the conv reads, so they may also crop unused ones.
import { BATCH, IN_H, IN_W, IN_C, OUT_H, OUT_W, PAD_T, PAD_L } from './params';

/** xp = x placed at (top, left) in a zeroed [ph, pw] image (OUT_H/OUT_W hold ph/pw). */
export function pad_nhwc(x: usize, xp: usize, pp: usize): void {
  const batch = load<i32>(pp, BATCH), inH = load<i32>(pp, IN_H), inW = load<i32>(pp, IN_W), c = load<i32>(pp, IN_C);
  const ph = load<i32>(pp, OUT_H), pw = load<i32>(pp, OUT_W), top = load<i32>(pp, PAD_T), left = load<i32>(pp, PAD_L);
  const pix = <usize>c << 2;
  const j0 = min(left, pw);
  const j1 = max(j0, min(pw, inW + left)); // padded columns [j0, j1) come from x
  let dst = xp;
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < ph; i++) {
      const iy = i - top;
      if (iy < 0 || iy >= inH) {
        memory.fill(dst, 0, <usize>pw * pix);
      } else {
        memory.fill(dst, 0, <usize>j0 * pix);
        if (j1 > j0) memory.copy(dst + <usize>j0 * pix, x + <usize>((n * inH + iy) * inW + j0 - left) * pix, <usize>(j1 - j0) * pix);
        memory.fill(dst + <usize>j1 * pix, 0, <usize>(pw - j1) * pix);
      }
      dst += <usize>pw * pix;
    }
  }
}

/** dx = the [inH, inW] window at (top, left) of dxp; cells outside dxp get 0. */
export function unpad_nhwc(dxp: usize, dx: usize, pp: usize): void {
  const batch = load<i32>(pp, BATCH), inH = load<i32>(pp, IN_H), inW = load<i32>(pp, IN_W), c = load<i32>(pp, IN_C);
  const ph = load<i32>(pp, OUT_H), pw = load<i32>(pp, OUT_W), top = load<i32>(pp, PAD_T), left = load<i32>(pp, PAD_L);
  const pix = <usize>c << 2;
  const cols = max(0, min(inW, pw - left)); // x columns that exist in dxp
  let dst = dx;
  for (let n = 0; n < batch; n++) {
    for (let iy = 0; iy < inH; iy++) {
      const i = iy + top;
      if (i >= ph) {
        memory.fill(dst, 0, <usize>inW * pix);
      } else {
        if (cols > 0) memory.copy(dst, dxp + <usize>((n * ph + i) * pw + left) * pix, <usize>cols * pix);
        memory.fill(dst + <usize>cols * pix, 0, <usize>(inW - cols) * pix);
      }
      dst += <usize>inW * pix;
    }
  }
}
