// The sparse f32 engine behind f32_conv2d_sparse and f32_dense_sparse (XNNPACK SpMM-style): the input
// is copied into zero-padded CHW planes, and each output channel walks its own list of nonzero weights,
// multiplying each into a strip of up to 32 consecutive output pixels of one row (8 f32x4 accumulators),
// so zero weights cost nothing and each nonzero costs one load + one multiply-add per 4 pixels.
// Packed weights (packConv2dSparse / packDenseSparse, src/runtime/packing/f32.ts):
//   [bias: cout f32][count: cout i32][pairs: (offset u32, weight f32) for channel 0's nonzeros, then 1's...]
// offset = byte offset of the weight's tap in the planes, relative to the output pixel's origin.
// Reference twins: src/runtime/reference/f32_conv2d_sparse.ts, f32_dense_sparse.ts.
import { madd, relu, storeLanes } from '../lib/simd';

/** Floats a strip may read past the last plane (its idle lanes); scratch sizes include it. */
export const SLACK: i32 = 32;

/** out[0 .. valid) (valid <= 32) = bias + sum over pairs of weight * row[offset / 4 + lane]. */
function strip8(out: usize, row: usize, pairs: usize, end: usize, bias: f32, valid: i32, doRelu: bool): void {
  const b = f32x4.splat(bias);
  let a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
  for (let p = pairs; p < end; p += 8) {
    const q = row + <usize>load<u32>(p);
    const v = v128.load32_splat(p, 4);
    a0 = madd(a0, v128.load(q), v); a1 = madd(a1, v128.load(q, 16), v);
    a2 = madd(a2, v128.load(q, 32), v); a3 = madd(a3, v128.load(q, 48), v);
    a4 = madd(a4, v128.load(q, 64), v); a5 = madd(a5, v128.load(q, 80), v);
    a6 = madd(a6, v128.load(q, 96), v); a7 = madd(a7, v128.load(q, 112), v);
  }
  if (doRelu) {
    a0 = relu(a0); a1 = relu(a1); a2 = relu(a2); a3 = relu(a3);
    a4 = relu(a4); a5 = relu(a5); a6 = relu(a6); a7 = relu(a7);
  }
  storeLanes(out, a0, valid); if (valid <= 4) return;
  storeLanes(out + 16, a1, valid - 4); if (valid <= 8) return;
  storeLanes(out + 32, a2, valid - 8); if (valid <= 12) return;
  storeLanes(out + 48, a3, valid - 12); if (valid <= 16) return;
  storeLanes(out + 64, a4, valid - 16); if (valid <= 20) return;
  storeLanes(out + 80, a5, valid - 20); if (valid <= 24) return;
  storeLanes(out + 96, a6, valid - 24); if (valid <= 28) return;
  storeLanes(out + 112, a7, valid - 28);
}

/** strip8 for at most 4 pixels. */
function strip1(out: usize, row: usize, pairs: usize, end: usize, bias: f32, valid: i32, doRelu: bool): void {
  let a = f32x4.splat(bias);
  for (let p = pairs; p < end; p += 8) a = madd(a, v128.load(row + <usize>load<u32>(p)), v128.load32_splat(p, 4));
  storeLanes(out, doRelu ? relu(a) : a, valid);
}

function stripScalar(out: usize, row: usize, pairs: usize, end: usize, bias: f32, valid: i32, doRelu: bool): void {
  for (let j = 0; j < valid; j++) {
    const r = row + (<usize>j << 2);
    let a = bias;
    for (let p = pairs; p < end; p += 8) a += load<f32>(p, 4) * load<f32>(r + <usize>load<u32>(p));
    store<f32>(out + (<usize>j << 2), doRelu ? max(a, 0) : a);
  }
}

/**
 * One image: out[c][oy][ox] (NCHW) for every channel, from planes already filled. Output pixel (oy, ox)
 * has its origin at planes + (oy * rowStep + ox) * 4 bytes, rowStep = strideH * plane width.
 */
export function sparseImage(planes: usize, rowStep: i32, w: usize, out: usize, cout: i32, oh: i32, ow: i32, doRelu: bool): void {
  const counts = w + (<usize>cout << 2);
  let pairs = counts + (<usize>cout << 2);
  for (let c = 0; c < cout; c++) {
    const end = pairs + (<usize>load<i32>(counts + (<usize>c << 2)) << 3);
    const bias = load<f32>(w + (<usize>c << 2));
    for (let oy = 0; oy < oh; oy++) {
      const row = planes + (<usize>(oy * rowStep) << 2);
      const dst = out + (<usize>((c * oh + oy) * ow) << 2);
      if (ASC_FEATURE_SIMD) {
        let ox = 0;
        for (; ow - ox >= 32; ox += 32) strip8(dst + (<usize>ox << 2), row + (<usize>ox << 2), pairs, end, bias, 32, doRelu);
        const left = ow - ox;
        if (left > 16) strip8(dst + (<usize>ox << 2), row + (<usize>ox << 2), pairs, end, bias, left, doRelu);
        else for (; ox < ow; ox += 4) strip1(dst + (<usize>ox << 2), row + (<usize>ox << 2), pairs, end, bias, min(4, ow - ox), doRelu);
      } else {
        stripScalar(dst, row, pairs, end, bias, ow, doRelu);
      }
    }
    pairs = end;
  }
}
