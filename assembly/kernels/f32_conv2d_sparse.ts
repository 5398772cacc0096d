// f32_conv2d_sparse: the conv of f32_conv2d_nhwc (same params block) with pruned weights stored as
// per-output-channel nonzero lists, so skipped zeros cost nothing (engine: f32_sparse_core.ts).
// f32_conv2d_relu_maxpool2d_sparse: maxpool2x2/2(relu(conv)) the same way, never writing the conv.
// x is NHWC; y is NHWC or, with CONV_OUT_MINOR, batch-minor for f32_dense_sparse: [n / 32 rounded up][oh][ow][cout][32 samples].
//
// The input goes to zero-padded planes split into rq row phases and cq column phases (fillPlanes): rq x cq
// = strideH x strideW for the conv, 2strideH x 2strideW for the pooled conv, whose four conv outputs per
// pooled pixel (conv row 2py + i, column 2px + j) are four "sub-images". Either way output (or pooled
// pixel) (r, c) of a channel reads float r*wq + c + (its tap's offset), so a channel's image is one run
// of rows*wq outputs (cols real per row, the rest ignored), computed in strips and written out per row.
// The pooled conv's records hold 4 offsets (sub-images 00 01 10 11): one nonzero feeds 4 sub-images x 8
// pooled pixels with 8 loads and 8 multiply-adds, and the pool is a lane-wise max.
// Weights: packConv2dSparse / packConv2dReluMaxpoolSparse. Scratch (conv2dSparseScratchBytes):
//   planes [cin][rq][cq][hq][wq] + wq + 32 floats, then [cout][rows*wq rounded up to 28, then to 8] (batch-minor:
//   MINOR_GROUP = 16 of them, image b in slot b % 16, written out 16 lanes at a time).
// Reference twins: src/runtime/reference/f32_conv2d_sparse.ts, f32_conv2d_relu_maxpool2d_sparse.ts.
import { madd, relu } from '../lib/simd';
import { CONV_OUT_MINOR, CONV_RELU, param } from './f32_conv_params';
import { MINOR_GROUP, fillPlanes, sparseChannels, writeImage, writeMinor } from './f32_sparse_core';

/**
 * 8 pooled outputs of one channel (records: 4 offsets, weight; b: the bias splat), in two passes over
 * the records: sub-images 00 01, their max kept, then 10 11. One pass with all 8 accumulators held 17
 * registers once V8 hoisted the loads, and the spilled accumulator's store-load sat on its add chain:
 * the two passes ran the pooled conv about 6% faster.
 */
function poolStrip(out: usize, at: usize, t0: usize, end: usize, b: v128): void {
  let a0 = b, a1 = b, b0 = b, b1 = b;
  for (let t = t0; t < end; t += 20) {
    const q0 = at + <usize>load<u32>(t), q1 = at + <usize>load<u32>(t, 4), v = v128.load32_splat(t, 16);
    a0 = madd(a0, v128.load(q0), v); a1 = madd(a1, v128.load(q0, 16), v);
    b0 = madd(b0, v128.load(q1), v); b1 = madd(b1, v128.load(q1, 16), v);
  }
  const m0 = f32x4.pmax(a0, b0), m1 = f32x4.pmax(a1, b1);
  a0 = b; a1 = b; b0 = b; b1 = b;
  for (let t = t0; t < end; t += 20) {
    const q2 = at + <usize>load<u32>(t, 8), q3 = at + <usize>load<u32>(t, 12), v = v128.load32_splat(t, 16);
    a0 = madd(a0, v128.load(q2), v); a1 = madd(a1, v128.load(q2, 16), v);
    b0 = madd(b0, v128.load(q3), v); b1 = madd(b1, v128.load(q3, 16), v);
  }
  // relu(max(max(00, 01), max(10, 11))), as in one pass
  v128.store(out, relu(f32x4.pmax(m0, f32x4.pmax(a0, b0))));
  v128.store(out, relu(f32x4.pmax(m1, f32x4.pmax(a1, b1))), 16);
}

function poolScalar(out: usize, at: usize, t: usize, end: usize, bias: f32): void {
  let a = bias, b = bias, c = bias, d = bias;
  for (; t < end; t += 20) {
    const v = load<f32>(t, 16);
    a += v * load<f32>(at + <usize>load<u32>(t)); b += v * load<f32>(at + <usize>load<u32>(t, 4));
    c += v * load<f32>(at + <usize>load<u32>(t, 8)); d += v * load<f32>(at + <usize>load<u32>(t, 12));
  }
  store<f32>(out, max(max(max(a, b), max(c, d)), 0));
}

function run(p: usize, x: usize, w: usize, y: usize, scratch: usize, pool: bool): void {
  const n = param(p, 0), h = param(p, 1), wd = param(p, 2), cin = param(p, 3), cout = param(p, 4);
  const kh = param(p, 5), kw = param(p, 6), sh = param(p, 7), sw = param(p, 8);
  const pt = param(p, 9), pl = param(p, 10), oh = param(p, 11), ow = param(p, 12), flags = param(p, 13);
  const rq = pool ? 2 * sh : sh, cq = pool ? 2 * sw : sw;
  const hp = (oh - 1) * sh + kh, wp = (ow - 1) * sw + kw, hq = (hp + rq - 1) / rq, wq = (wp + cq - 1) / cq;
  const rows = pool ? oh >> 1 : oh, cols = pool ? ow >> 1 : ow, count = rows * wq;
  const planesBytes = <usize>(cin * rq * cq * hq * wq) << 2;
  const fill = pt > 0 || pl > 0 || hp > h || wp > wd;
  // a channel's row: strips of 28 (sparseChannels) or of 8 (the pooled strips) must both fit
  const pitch = <usize>(((count + 27) / 28 * 28 + 7) & ~7) << 2;
  const tmp = scratch + ((planesBytes + (<usize>(wq + 32) << 2) + 15) & ~15);
  const imgIn = <usize>(h * wd * cin) << 2, imgOut = <usize>(rows * cols * cout) << 2;
  const minor = (flags & CONV_OUT_MINOR) != 0, slot = <usize>cout * pitch;
  // One phase, no padding, one channel, rows of the plane's width: an image already is its planes. The conv reads
  // it in place, but for the batch's last image: strips (whole 28- or 4-float runs) read fewer than 28 + kw
  // floats past an image, which must stay inside x (in the next image).
  const inPlace = !pool && sh == 1 && sw == 1 && !fill && wq == wd && cin == 1 && h * wd >= 28 + kw;
  for (let b = 0; b < n; b++) {
    const res = minor ? tmp + <usize>(b & (MINOR_GROUP - 1)) * slot : tmp;
    const img = x + <usize>b * imgIn, planes = inPlace && b + 1 < n ? img : scratch;
    if (fill) memory.fill(scratch, 0, planesBytes);
    if (planes == scratch) fillPlanes(scratch, img, h, wd, cin, hq, wq, rq, cq, pt, pl);
    if (pool) {
      const counts = w + (<usize>cout << 2);
      let t = counts + (<usize>cout << 2);
      for (let c = 0; c < cout; c++) {
        const end = t + <usize>load<i32>(counts + (<usize>c << 2)) * 20;
        const bias = load<f32>(w + (<usize>c << 2)), out = res + <usize>c * pitch;
        if (ASC_FEATURE_SIMD) {
          // no nonzero weights (13% of the channels at 80% zeros, 3x3x1): every output is relu(bias)
          // (poolStrip over no records instead: 54 B less .wasm, 1.02-1.04x the time at 50-80% zeros, 1.34x at 95%)
          const vb = f32x4.splat(bias), e = relu(vb);
          if (t == end) for (let o = 0; o < count; o += 4) v128.store(out + (<usize>o << 2), e);
          else for (let o = 0; o < count; o += 8) poolStrip(out + (<usize>o << 2), scratch + (<usize>o << 2), t, end, vb);
        } else {
          for (let o = 0; o < count; o++) poolScalar(out + (<usize>o << 2), scratch + (<usize>o << 2), t, end, bias);
        }
        t = end;
      }
    } else {
      sparseChannels(planes, w, res, pitch, cout, count, (flags & CONV_RELU) != 0);
    }
    // batch-minor: every 16 images, or the last 1-15 (the group's other lanes get stale slots: lanes past n, read by no sample)
    if (!minor) writeImage(tmp, pitch, wq, y + <usize>b * imgOut, cout, rows, cols);
    else if ((b & (MINOR_GROUP - 1)) == MINOR_GROUP - 1 || b == n - 1) writeMinor(tmp, slot, pitch, wq, y + <usize>(b >> 5) * (imgOut << 5) + (<usize>(b & (32 - MINOR_GROUP)) << 2), cout, rows, cols);
  }
}

export function f32_conv2d_sparse(p: usize, x: usize, w: usize, y: usize, scratch: usize): void {
  run(p, x, w, y, scratch, false);
}

export function f32_conv2d_relu_maxpool2d_sparse(p: usize, x: usize, w: usize, y: usize, scratch: usize): void {
  run(p, x, w, y, scratch, true);
}
