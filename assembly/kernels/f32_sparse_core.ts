// The sparse f32 engine behind f32_conv2d_sparse, f32_conv2d_relu_maxpool2d_sparse and f32_dense_sparse
// (XNNPACK SpMM-style): the input is copied into zero-padded CHW planes, and each output channel walks
// its own list of nonzero weights, multiplying each into a strip of 28 consecutive outputs (7 f32x4
// accumulators; 4 at a time for short tails), so zero weights cost nothing and each nonzero costs one
// load + one multiply-add per 4 outputs. Strips store whole vectors: output buffers have room for them.
// Packed weights (src/runtime/packing/f32.ts):
//   [bias: cout f32][count: cout i32][records: (offset u32, weight f32) for channel 0's nonzeros, then 1's...]
// offset = byte offset of the weight's tap in the planes, relative to the output's origin.
// Reference twins: src/runtime/reference/f32_conv2d_sparse.ts, f32_dense_sparse.ts.
// Measured and not kept (2026-11-28, old/new in one process, CPU time): the unfused conv's NHWC
// write-out as 4x4 transposes per 4-channel group took it from 1.99x to 2.21x its dense twin at 80%
// (write-out 37 -> 26.5 of ~81 us; compute ~45 us, so even no write-out at all gave 2.46x), for +452 B
// of .wasm; no model runs the unfused sparse conv (the seed model's conv is fused with its pool).
import { madd, relu } from '../lib/simd';
import { transpose } from './f32_transpose';

// NOTE: 7 accumulators, not 8: V8 hoists the loads above the multiplies, and 8 + 8 + 1 registers spill
// (an accumulator then round-trips through the stack every nonzero: 1.5x slower).
function strip7(out: usize, at: usize, t: usize, end: usize, bias: f32, doRelu: bool): void {
  const b = f32x4.splat(bias);
  let a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b;
  for (; t < end; t += 8) {
    const q = at + <usize>load<u32>(t);
    const v = v128.load32_splat(t, 4);
    a0 = madd(a0, v128.load(q), v); a1 = madd(a1, v128.load(q, 16), v);
    a2 = madd(a2, v128.load(q, 32), v); a3 = madd(a3, v128.load(q, 48), v);
    a4 = madd(a4, v128.load(q, 64), v); a5 = madd(a5, v128.load(q, 80), v);
    a6 = madd(a6, v128.load(q, 96), v);
  }
  if (doRelu) {
    a0 = relu(a0); a1 = relu(a1); a2 = relu(a2); a3 = relu(a3);
    a4 = relu(a4); a5 = relu(a5); a6 = relu(a6);
  }
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out, a4, 64); v128.store(out, a5, 80); v128.store(out, a6, 96);
}

/** One record's madd at t onto a (planes at). */
@inline function step(a: v128, at: usize, t: usize): v128 {
  return madd(a, v128.load(at + <usize>load<u32>(t)), v128.load32_splat(t, 4));
}

/**
 * 4 outputs of two channels (lists [ta, ea) and [tb, eb)): two add chains, where one was the limit on
 * long lists. Each channel still sums in list order, as strip7 does: a row's result must not depend on
 * which strip (so which batch) it lands in. b is stored first, so with ob = oa an empty b is overwritten.
 */
function strip1x2(oa: usize, ob: usize, at: usize, ta: usize, ea: usize, tb: usize, eb: usize, biasA: f32, biasB: f32, doRelu: bool): void {
  let a = f32x4.splat(biasA), b = f32x4.splat(biasB);
  // one counter for both lists: a second compare per record was 10-16% of batch-1 f32_dense_sparse's time
  const len = min(ea - ta, eb - tb);
  for (let i: usize = 0; i < len; i += 8) { a = step(a, at, ta + i); b = step(b, at, tb + i); }
  for (let p = ta + len; p < ea; p += 8) a = step(a, at, p);
  for (let p = tb + len; p < eb; p += 8) b = step(b, at, p);
  // NOTE: the list left in one loop (choosing it by selects) is 10 B less .wasm here and in tail2, but
  // gzip codes the second of two like loops almost free and not the selects: +14 B gz (2026-11-28).
  v128.store(ob, doRelu ? relu(b) : b);
  v128.store(oa, doRelu ? relu(a) : a);
}

/**
 * out[c][0 .. count) for every channel c (rows `pitch` bytes apart, with room for count rounded up to
 * 28): bias + sum over c's records of weight * planes[o + offset / 4], in list order. SIMD: strips of
 * 28 while more than 16 outputs are left, then 4 at a time for two channels at once.
 */
export function sparseChannels(planes: usize, w: usize, out: usize, pitch: usize, cout: i32, count: i32, doRelu: bool): void {
  const counts = w + (<usize>cout << 2), first = counts + (<usize>cout << 2);
  let tail = 0;
  if (ASC_FEATURE_SIMD) while (count - tail > 16) tail += 28;
  let t = first;
  for (let c = 0; c < cout; c++) {
    const end = t + (<usize>load<i32>(counts + (<usize>c << 2)) << 3);
    const bias = load<f32>(w + (<usize>c << 2)), oc = out + <usize>c * pitch;
    if (ASC_FEATURE_SIMD) {
      if (t == end) {
        // no nonzero weights (13% of the channels of a 3x3x1 conv at 80% zeros): the bias alone. Without
        // this path: 63 B less .wasm (21 B gz), the unfused conv 1.03-1.07x the time at 50-95% (2026-11-28)
        const b = f32x4.splat(bias), v = doRelu ? relu(b) : b;
        for (let o = 0; o < tail; o += 4) v128.store(oc + (<usize>o << 2), v);
      } else {
        for (let o = 0; o < tail; o += 28) strip7(oc + (<usize>o << 2), planes + (<usize>o << 2), t, end, bias, doRelu);
      }
    } else {
      for (let o = 0; o < count; o++) {
        const at = planes + (<usize>o << 2);
        let a = bias;
        for (let p = t; p < end; p += 8) a += load<f32>(p, 4) * load<f32>(at + <usize>load<u32>(p));
        store<f32>(oc + (<usize>o << 2), doRelu ? max(a, 0) : a);
      }
    }
    t = end;
  }
  if (!ASC_FEATURE_SIMD) return;
  for (let o = tail; o < count; o += 4) {
    const at = planes + (<usize>o << 2);
    t = first;
    for (let c = 0; c < cout; c += 2) {
      const pair = c + 1 < cout, ea = t + (<usize>load<i32>(counts + (<usize>c << 2)) << 3);
      const eb = pair ? ea + (<usize>load<i32>(counts + (<usize>c << 2), 4) << 3) : ea;
      const oa = out + <usize>c * pitch + (<usize>o << 2);
      strip1x2(oa, pair ? oa + pitch : oa, at, t, ea, ea, eb, load<f32>(w + (<usize>c << 2)), pair ? load<f32>(w + (<usize>c << 2), 4) : 0, doRelu);
      t = eb;
    }
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
    // 4 more (without: 80 B less .wasm, the pooled sparse conv 1.02-1.03x the time; an overlapping last
    // 8-step instead: 44 B less, 1.01-1.015x; 2026-11-28)
    if (i + 4 <= count) {
      const a = v128.load(src + (<usize>i << 2)), t = v128.shuffle<f32>(a, a, 0, 2, 1, 3);
      v128.store64_lane(even + (<usize>i << 1), t, 0);
      v128.store64_lane(odd + (<usize>i << 1), t, 1);
      i += 4;
    }
  }
  for (; i < count; i++) store<f32>((i & 1 ? odd : even) + (<usize>(i >> 1) << 2), load<f32>(src + (<usize>i << 2)));
}

/**
 * Copies NHWC image `img` into planes [cin][rq row phases][cq column phases][hq][wq] (zero padding
 * already in place): padded pixel (R, C) goes to row phase R % rq, column phase C % cq, at row R / rq,
 * column C / cq, so outputs strideH rows or strideW columns apart read consecutive floats.
 */
export function fillPlanes(planes: usize, img: usize, h: i32, wd: i32, cin: i32, hq: i32, wq: i32, rq: i32, cq: i32, pt: i32, pl: i32): void {
  const phase = <usize>(hq * wq) << 2, chan = <usize>(rq * cq) * phase;
  const rows = min(h, rq * hq - pt), lim = min(wd, cq * wq - pl);
  // Rows step through the row phases (rp) and, every rq rows, down one plane row (ri): no division per row.
  if (cin == 1 && cq == 2) {
    // The pooled conv's usual case (one channel, stride 1, two column phases): split even and odd columns.
    const e = <usize>(pl & 1) * phase + (<usize>(pl >> 1) << 2), o = <usize>((pl + 1) & 1) * phase + (<usize>((pl + 1) >> 1) << 2);
    for (let iy = 0, rp = pt % rq, ri = pt / rq; iy < rows; iy++) {
      const row = planes + <usize>(rp * cq) * phase + (<usize>(ri * wq) << 2);
      deinterleave(row + e, row + o, img + (<usize>(iy * wd) << 2), lim);
      if (++rp == rq) { rp = 0; ri++; }
    }
    return;
  }
  for (let q = 0; q < cq; q++) {
    const ix0 = (q - pl % cq + cq) % cq;
    if (ix0 >= lim) continue;
    const count = (lim - ix0 + cq - 1) / cq, col = <usize>((ix0 + pl) / cq) << 2;
    for (let iy = 0, rp = pt % rq, ri = pt / rq; iy < rows; iy++) {
      // NOTE: one channel (a contiguous row, with one phase) goes through transpose as a plain memory.copy.
      transpose(img + (<usize>((iy * wd + ix0) * cin) << 2), <usize>(cq * cin) << 2, planes + <usize>(rp * cq + q) * phase + (<usize>(ri * wq) << 2) + col, chan, count, cin);
      if (++rp == rq) { rp = 0; ri++; }
    }
  }
}

/** Images per batch-minor write-out (writeMinor): 16 lanes, a whole 64-byte line of each output per pass. */
export const MINOR_GROUP = 16;

/**
 * MINOR_GROUP images' [cout][rows x wq] results (`slot` bytes apart) to lanes 0..15 from y of a batch-minor
 * output: pixel p's channel c at y + (p * cout + c) * 128 + 4 * image. Rows but the last write whole 4-pixel
 * groups (as writeImage).
 */
export function writeMinor(tmp: usize, slot: usize, pitch: usize, wq: i32, y: usize, cout: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const full = r + 1 < rows ? (cols + 3) & ~3 : cols;
    for (let c = 0; c < cout; c++) transpose(tmp + <usize>c * pitch + (<usize>(r * wq) << 2), slot, y + (<usize>(r * cols * cout + c) << 7), <usize>cout << 7, MINOR_GROUP, full);
  }
}

/** The [cout][rows x wq] result (channel rows `pitch` bytes apart) to one image of y, [rows][cols][cout]. */
export function writeImage(tmp: usize, pitch: usize, wq: i32, y: usize, cout: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    // All rows but the last write whole 4-pixel groups: the extra pixels land on the next row's
    // first ones, which that row then overwrites (cheaper than transposing the last 1-3 one by one).
    transpose(tmp + (<usize>(r * wq) << 2), pitch, y + (<usize>(r * cols * cout) << 2), <usize>cout << 2, cout, r + 1 < rows ? (cols + 3) & ~3 : cols);
  }
}
