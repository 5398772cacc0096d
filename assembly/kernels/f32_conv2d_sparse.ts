// f32_conv2d_sparse: the conv of f32_conv2d_nhwc (same params block) with pruned weights stored as
// per-output-channel nonzero lists, so skipped zeros cost nothing (engine: f32_sparse_core.ts).
// x is NHWC or, with CONV_IN_NCHW, [n][cin][h][w]; y is NHWC or, with CONV_OUT_NCHW, [n][cout][oh][ow]
// (NCHW output skips a transpose: the engine computes channel planes).
// Scratch (conv2dSparseScratchBytes): the padded input planes of one image, split by column phase
// when strideW > 1 so a row of outputs reads consecutive floats:
//   [cin][strideW phases][hp rows][wq = ceil(wp / strideW)] f32, + SLACK floats, then (NHWC out) [cout][ow].
// Weights: packConv2dSparse. Reference twin: src/runtime/reference/f32_conv2d_sparse.ts.
import { CONV_IN_NCHW, CONV_OUT_NCHW, CONV_RELU, param } from './f32_conv_params';
import { SLACK, fillPlanes, sparseImage } from './f32_sparse_core';
import { transpose } from './f32_transpose';

export function f32_conv2d_sparse(p: usize, x: usize, w: usize, y: usize, scratch: usize): void {
  const n = param(p, 0), h = param(p, 1), wd = param(p, 2), cin = param(p, 3), cout = param(p, 4);
  const kh = param(p, 5), kw = param(p, 6), sh = param(p, 7), sw = param(p, 8);
  const pt = param(p, 9), pl = param(p, 10), oh = param(p, 11), ow = param(p, 12), flags = param(p, 13);
  const hp = (oh - 1) * sh + kh, wp = (ow - 1) * sw + kw, wq = (wp + sw - 1) / sw;
  const planesBytes = <usize>(cin * sw * hp * wq + SLACK) << 2;
  const fill = pt > 0 || pl > 0 || hp > h || wp > wd;
  const outNchw = (flags & CONV_OUT_NCHW) != 0, doRelu = (flags & CONV_RELU) != 0;
  const tmp = scratch + ((planesBytes + 15) & ~15);
  const imgIn = <usize>(h * wd * cin) << 2, imgOut = <usize>(oh * ow * cout) << 2;
  for (let b = 0; b < n; b++) {
    if (fill) memory.fill(scratch, 0, planesBytes);
    fillPlanes(scratch, x + <usize>b * imgIn, (flags & CONV_IN_NCHW) != 0, h, wd, cin, hp, wq, 1, sw, pt, pl);
    if (outNchw) {
      sparseImage(scratch, sh * wq, w, y + <usize>b * imgOut, cout, oh, ow, doRelu);
    } else {
      // NHWC: one output row at a time through [cout][ow], so the transpose stays in L1.
      for (let oy = 0; oy < oh; oy++) {
        sparseImage(scratch + (<usize>(oy * sh * wq) << 2), 0, w, tmp, cout, 1, ow, doRelu);
        transpose(tmp, <usize>ow << 2, y + <usize>b * imgOut + (<usize>(oy * ow * cout) << 2), <usize>cout << 2, cout, ow);
      }
    }
  }
}
