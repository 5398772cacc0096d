// The sparse f32 engine behind f32_conv2d_sparse and f32_dense_sparse (XNNPACK SpMM-style): the input
// is copied into zero-padded CHW planes, and each output channel walks its own list of nonzero weights,
// multiplying each into a strip of up to 28 consecutive output pixels of one row (7 f32x4 accumulators;
// narrower strips of 16 and 4 for row ends),
// so zero weights cost nothing and each nonzero costs one load + one multiply-add per 4 pixels.
// Packed weights (packConv2dSparse / packDenseSparse, src/runtime/packing/f32.ts):
//   [bias: cout f32][count: cout i32][pairs: (offset u32, weight f32) for channel 0's nonzeros, then 1's...]
// offset = byte offset of the weight's tap in the planes, relative to the output pixel's origin.
// Reference twins: src/runtime/reference/f32_conv2d_sparse.ts, f32_dense_sparse.ts.
import { madd, relu, storeLanes } from '../lib/simd';
import { transpose } from './f32_transpose';

/** Floats a strip may read past the last plane (its idle lanes, at most 27); scratch sizes include it. */
export const SLACK: i32 = 32;

/** out[0 .. valid) (valid <= 28) = bias + sum over pairs of weight * row[offset / 4 + lane]. */
// NOTE: 7 accumulators, not 8: V8 hoists the 7 loads above the multiplies, and 8 + 8 + 1 registers spill.
function strip7(out: usize, row: usize, pairs: usize, end: usize, bias: f32, valid: i32, doRelu: bool): void {
  const b = f32x4.splat(bias);
  let a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b;
  for (let p = pairs; p < end; p += 8) {
    const q = row + <usize>load<u32>(p);
    const v = v128.load32_splat(p, 4);
    a0 = madd(a0, v128.load(q), v); a1 = madd(a1, v128.load(q, 16), v);
    a2 = madd(a2, v128.load(q, 32), v); a3 = madd(a3, v128.load(q, 48), v);
    a4 = madd(a4, v128.load(q, 64), v); a5 = madd(a5, v128.load(q, 80), v);
    a6 = madd(a6, v128.load(q, 96), v);
  }
  if (doRelu) {
    a0 = relu(a0); a1 = relu(a1); a2 = relu(a2); a3 = relu(a3);
    a4 = relu(a4); a5 = relu(a5); a6 = relu(a6);
  }
  storeLanes(out, a0, valid); if (valid <= 4) return;
  storeLanes(out + 16, a1, valid - 4); if (valid <= 8) return;
  storeLanes(out + 32, a2, valid - 8); if (valid <= 12) return;
  storeLanes(out + 48, a3, valid - 12); if (valid <= 16) return;
  storeLanes(out + 64, a4, valid - 16); if (valid <= 20) return;
  storeLanes(out + 80, a5, valid - 20); if (valid <= 24) return;
  storeLanes(out + 96, a6, valid - 24);
}

/** strip7 for at most 16 pixels. */
function strip4(out: usize, row: usize, pairs: usize, end: usize, bias: f32, valid: i32, doRelu: bool): void {
  const b = f32x4.splat(bias);
  let a0 = b, a1 = b, a2 = b, a3 = b;
  for (let p = pairs; p < end; p += 8) {
    const q = row + <usize>load<u32>(p);
    const v = v128.load32_splat(p, 4);
    a0 = madd(a0, v128.load(q), v); a1 = madd(a1, v128.load(q, 16), v);
    a2 = madd(a2, v128.load(q, 32), v); a3 = madd(a3, v128.load(q, 48), v);
  }
  if (doRelu) { a0 = relu(a0); a1 = relu(a1); a2 = relu(a2); a3 = relu(a3); }
  storeLanes(out, a0, valid); if (valid <= 4) return;
  storeLanes(out + 16, a1, valid - 4); if (valid <= 8) return;
  storeLanes(out + 32, a2, valid - 8); if (valid <= 12) return;
  storeLanes(out + 48, a3, valid - 12);
}

/** strip7 for at most 4 pixels (two sums over alternate nonzeros: one add chain was the limit). */
function strip1(out: usize, row: usize, pairs: usize, end: usize, bias: f32, valid: i32, doRelu: bool): void {
  let a = f32x4.splat(bias), b = f32x4.splat(0);
  let p = pairs;
  for (; p + 8 < end; p += 16) {
    a = madd(a, v128.load(row + <usize>load<u32>(p)), v128.load32_splat(p, 4));
    b = madd(b, v128.load(row + <usize>load<u32>(p, 8)), v128.load32_splat(p, 12));
  }
  if (p < end) a = madd(a, v128.load(row + <usize>load<u32>(p)), v128.load32_splat(p, 4));
  a = f32x4.add(a, b);
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
        for (; ow - ox >= 28; ox += 28) strip7(dst + (<usize>ox << 2), row + (<usize>ox << 2), pairs, end, bias, 28, doRelu);
        // The rest of the row in the narrowest strip that holds it (one-vector strips only for <= 8 pixels).
        const left = ow - ox, d = dst + (<usize>ox << 2), r = row + (<usize>ox << 2);
        if (left > 16) strip7(d, r, pairs, end, bias, left, doRelu);
        else if (left > 8) strip4(d, r, pairs, end, bias, left, doRelu);
        else for (; ox < ow; ox += 4) strip1(dst + (<usize>ox << 2), row + (<usize>ox << 2), pairs, end, bias, min(4, ow - ox), doRelu);
      } else {
        stripScalar(dst, row, pairs, end, bias, ow, doRelu);
      }
    }
    pairs = end;
  }
}

/** dst[i] = src[i * step] for i < count (step in floats); a plain SIMD copy when step is 1. */
@inline function copyStrided(dst: usize, src: usize, count: i32, step: i32): void {
  let i = 0;
  if (step == 1) {
    if (ASC_FEATURE_SIMD) for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
    for (; i < count; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
  } else {
    for (; i < count; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>(i * step) << 2)));
  }
}

/** Splits src[0 .. count) into even[i] = src[2i] and odd[i] = src[2i + 1]. */
function deinterleave(even: usize, odd: usize, src: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 8 <= count; i += 8) {
      const a = v128.load(src + (<usize>i << 2)), b = v128.load(src + (<usize>i << 2), 16);
      v128.store(even + (<usize>i << 1), v128.shuffle<f32>(a, b, 0, 2, 4, 6));
      v128.store(odd + (<usize>i << 1), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
    }
  }
  for (; i < count; i++) store<f32>((i & 1 ? odd : even) + (<usize>(i >> 1) << 2), load<f32>(src + (<usize>i << 2)));
}

/**
 * Copies image `img` (NHWC, or NCHW) into planes [cin][rq row phases][cq column phases][hq][wq] (zero
 * padding already in place): padded pixel (R, C) goes to row phase R % rq, column phase C % cq, at row
 * R / rq, column C / cq, so outputs strideH rows or strideW columns apart read consecutive floats.
 */
export function fillPlanes(planes: usize, img: usize, nchw: bool, h: i32, wd: i32, cin: i32, hq: i32, wq: i32, rq: i32, cq: i32, pt: i32, pl: i32): void {
  const phase = <usize>(hq * wq) << 2, chan = <usize>(rq * cq) * phase;
  const rows = min(h, rq * hq - pt), lim = min(wd, cq * wq - pl);
  // NOTE: a channel's row is contiguous in NCHW and in single-channel NHWC; copy it without a transpose.
  const planar = nchw || cin == 1;
  for (let iy = 0; iy < rows; iy++) {
    const r = iy + pt;
    const row = planes + <usize>(r % rq * cq) * phase + (<usize>(r / rq * wq) << 2);
    if (planar && cq == 2) {
      // The fused pool's usual case (conv stride 1, two column phases): split even and odd columns.
      const even = row + <usize>(pl & 1) * phase + (<usize>(pl >> 1) << 2);
      const odd = row + <usize>((pl + 1) & 1) * phase + (<usize>((pl + 1) >> 1) << 2);
      for (let ci = 0; ci < cin; ci++) deinterleave(even + <usize>ci * chan, odd + <usize>ci * chan, img + (<usize>((ci * h + iy) * wd) << 2), lim);
      continue;
    }
    for (let q = 0; q < cq; q++) {
      const ix0 = (q - pl % cq + cq) % cq;
      if (ix0 >= lim) continue;
      const count = (lim - ix0 + cq - 1) / cq;
      const dst = row + <usize>q * phase + (<usize>((ix0 + pl) / cq) << 2);
      if (planar) {
        for (let ci = 0; ci < cin; ci++) copyStrided(dst + <usize>ci * chan, img + (<usize>((ci * h + iy) * wd + ix0) << 2), count, cq);
      } else {
        transpose(img + (<usize>((iy * wd + ix0) * cin) << 2), <usize>(cq * cin) << 2, dst, chan, count, cin);
      }
    }
  }
}
