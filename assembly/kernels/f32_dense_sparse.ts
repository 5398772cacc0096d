// f32_dense_sparse: y[m][n] = x[m][k] . W + b (optionally ReLU) with W's nonzeros stored per output
// column (packDenseSparse). Rows go in blocks of 32: the block is transposed to planes xT[k][32], the
// sparse engine (f32_sparse_core.ts) computes each output column over the block's rows, and the
// [n][32] result is transposed back. Offsets are k * 128 bytes, so the packing fits any batch. With
// flags & 2 (DENSE_IN_MINOR) x already is those planes, [m / 32 rounded up][k][32] (a sparse conv's
// CONV_OUT_MINOR output): no transpose in. flags & 1: ReLU.
// A full block (SIMD) goes KC = 128 taps at a time instead (chunked): the chunk's planes, 16 KB, stay
// in L1 while every channel reads them, the sums wait in [n][32] between chunks, and the packing's
// table bounds each channel's records per chunk. On the seed's 32 x 2028 (CPU-time rounds against the
// unchunked kernel, interleaved, load 5-6, 2026-11-28): 7-9% faster at 80% zeros (x NHWC or batch-minor),
// 8-13% at 50%, 4% slower at 95%. Tried: 64, 192 or 256 taps a chunk (no faster); rows 28..31 four
// channels at a time, or toPlanes 8 columns a step (slower, and 370 or 230 bytes more .wasm).
// A block of one row (batch 1, or the last of 32 n + 1 rows) skips the planes: each channel's records read
// their taps from x itself (direct), where the transpose alone cost more than the products (the seed's
// 2028 x 10 at 80% zeros, batch 1: 3.55 -> 2.0 us; f32_dense 2.2 us; load 6-7, 2026-11-28).
// Scratch (denseSparseScratchBytes): [k][32] f32 + 32 floats, then [n][32] f32.
// Reference twin: src/runtime/reference/f32_dense_sparse.ts. Tests: test/runtime/kernels.test.ts.
import { madd, relu } from '../lib/simd';
import { sparseChannels } from './f32_sparse_core';
import { transpose } from './f32_transpose';

export function f32_dense_sparse(x: usize, w: usize, y: usize, m: i32, k: i32, n: i32, flags: i32, scratch: usize): void {
  const tmp = scratch + ((<usize>(k + 1) << 7) + 15 & ~15);
  for (let m0 = 0; m0 < m; m0 += 32) {
    const rows = min(32, m - m0), at = x + (<usize>(m0 * k) << 2);
    if (rows == 1) {
      // one row (batch 1): its taps straight from x, at + (offset >> 5) (batch-minor: lane 0, at + offset)
      direct(at, flags & 2 ? 0 : 5, w, y + (<usize>(m0 * n) << 2), n, (flags & 1) != 0);
      continue;
    }
    if (ASC_FEATURE_SIMD && rows == 32) {
      chunked(at, (flags & 2) == 0, k, w, n, scratch, tmp);
      if (flags & 1) for (let v = tmp, e = tmp + (<usize>n << 7); v < e; v += 16) v128.store(v, relu(v128.load(v)));
    } else {
      if (!(flags & 2)) transpose(at, <usize>k << 2, scratch, 128, rows, k);
      sparseChannels(flags & 2 ? at : scratch, w, tmp, 128, n, rows, (flags & 1) != 0);
    }
    transpose(tmp, 128, y + (<usize>(m0 * n) << 2), <usize>n << 2, n, rows);
  }
}

/**
 * A full block of 32 rows (srcRow bytes apart) to planes [k][32]: what transpose does, with the stores at
 * constant offsets from one pointer (the planes' rows are 128 bytes): 4% faster on the seed's 32 x 2028.
 * Without it (transpose instead, 2026-11-28 18:07, old/new in one process, CPU time, load 5.5): 368 B
 * less .wasm, but NHWC x took 1.02x / 1.08x / 1.12x the time at 50% / 80% / 95% zeros.
 */
function toPlanes(src: usize, srcRow: usize, dst: usize, k: i32): void {
  const r2 = srcRow << 1, r3 = r2 + srcRow, r4 = srcRow << 2, k4 = k & ~3;
  for (let j = 0; j < k4; j += 4, src += 16, dst += 512) {
    let s = src, d = dst;
    for (let i = 0; i < 8; i++, s += r4, d += 16) {
      const a = v128.load(s), b = v128.load(s + srcRow), c = v128.load(s + r2), e = v128.load(s + r3);
      const t0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(c, e, 0, 4, 1, 5), t3 = v128.shuffle<f32>(c, e, 2, 6, 3, 7);
      v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 128);
      v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 256);
      v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 384);
    }
  }
  if (k4 < k) transpose(src, srcRow, dst, 128, 32, k - k4);
}

/** Taps per chunk of a full block (DENSE_SPARSE_CHUNK, src/runtime/packing/f32.ts): [KC][32] f32, 16 KB of planes. */
const KC = 128;

/**
 * A full block of 32 rows, KC taps at a time: the chunk's planes (x itself, or its NHWC rows transposed
 * into scratch) stay in L1 while every channel reads them. Channel c's 32 sums, at tmp + 128 c, start
 * at its bias and take its records in list order, rows 0..27 by rows28 and 28..31 by tail2. The packing's
 * table after the records, [chunks + 1][n] record indices, bounds each channel's records per chunk.
 */
function chunked(x: usize, nhwc: bool, k: i32, w: usize, n: i32, planes: usize, tmp: usize): void {
  const counts = w + (<usize>n << 2), first = counts + (<usize>n << 2);
  let total = 0;
  for (let c = 0; c < n; c++) {
    const b = v128.load32_splat(w + (<usize>c << 2)), o = tmp + (<usize>c << 7);
    for (let i: usize = 0; i < 128; i += 16) v128.store(o + i, b);
    total += load<i32>(counts + (<usize>c << 2));
  }
  let row = first + (<usize>total << 3);
  for (let k0 = 0; k0 < k; k0 += KC, row += <usize>n << 2) {
    let at = x;
    if (nhwc) {
      toPlanes(x + (<usize>k0 << 2), <usize>k << 2, planes, min(KC, k - k0));
      at = planes - (<usize>k0 << 7);
    }
    for (let c = 0; c < n; c++) {
      const i = row + (<usize>c << 2);
      rows28(tmp + (<usize>c << 7), at, first + (<usize>load<i32>(i) << 3), first + (<usize>load<i32>(i + (<usize>n << 2)) << 3));
    }
    for (let c = 0; c < n; c += 2) tail2(tmp + 112, at + 112, first, row, c, n);
  }
}

/** Rows 0..27 of one channel: records [p, e) onto its sums at acc. */
function rows28(acc: usize, at: usize, p: usize, e: usize): void {
  let a0 = v128.load(acc), a1 = v128.load(acc, 16), a2 = v128.load(acc, 32), a3 = v128.load(acc, 48);
  let a4 = v128.load(acc, 64), a5 = v128.load(acc, 80), a6 = v128.load(acc, 96);
  for (; p < e; p += 8) {
    const q = at + <usize>load<u32>(p), v = v128.load32_splat(p, 4);
    a0 = madd(a0, v128.load(q), v); a1 = madd(a1, v128.load(q, 16), v);
    a2 = madd(a2, v128.load(q, 32), v); a3 = madd(a3, v128.load(q, 48), v);
    a4 = madd(a4, v128.load(q, 64), v); a5 = madd(a5, v128.load(q, 80), v);
    a6 = madd(a6, v128.load(q, 96), v);
  }
  v128.store(acc, a0); v128.store(acc, a1, 16); v128.store(acc, a2, 32); v128.store(acc, a3, 48);
  v128.store(acc, a4, 64); v128.store(acc, a5, 80); v128.store(acc, a6, 96);
}

/** One record's madd at p onto a (planes at). */
@inline function step(a: v128, at: usize, p: usize): v128 {
  return madd(a, v128.load(at + <usize>load<u32>(p)), v128.load32_splat(p, 4));
}

/**
 * Rows 28..31 of channels c0 and c0 + 1 (or c0 twice), this chunk's records (table row `row`, the next
 * row their ends): two add chains, where one channel alone waits on each add.
 */
function tail2(acc: usize, at: usize, first: usize, row: usize, c0: i32, n: i32): void {
  const c1 = min(c0 + 1, n - 1), i0 = row + (<usize>c0 << 2), i1 = row + (<usize>c1 << 2), next = <usize>n << 2;
  const s0 = first + (<usize>load<i32>(i0) << 3), s1 = first + (<usize>load<i32>(i1) << 3);
  const e0 = first + (<usize>load<i32>(i0 + next) << 3), e1 = first + (<usize>load<i32>(i1 + next) << 3);
  const o0 = acc + (<usize>c0 << 7), o1 = acc + (<usize>c1 << 7);
  let a0 = v128.load(o0), a1 = v128.load(o1);
  const len = min(e0 - s0, e1 - s1);
  for (let i: usize = 0; i < len; i += 8) { a0 = step(a0, at, s0 + i); a1 = step(a1, at, s1 + i); }
  for (let p = s0 + len; p < e0; p += 8) a0 = step(a0, at, p);
  for (let p = s1 + len; p < e1; p += 8) a1 = step(a1, at, p);
  // c1 first: a repeated channel's slot gets its one result again
  v128.store(o1, a1); v128.store(o0, a0);
}

/** ReLU when doRelu, as the other paths of the build compute it: f32x4.pmax(a, 0) keeps -0, the scalar max makes it +0. */
@inline function pos(a: f32, doRelu: bool): f32 {
  if (!doRelu) return a;
  return ASC_FEATURE_SIMD ? (a < 0 ? 0 : a) : max(a, 0);
}

/** a + the records [p, e)' weight times tap, in list order (direct's lists past the shorter). */
function rest(a: f32, xr: usize, shift: u32, p: usize, e: usize): f32 {
  for (; p < e; p += 8) a += load<f32>(p, 4) * load<f32>(xr + (<usize>load<u32>(p) >> shift));
  return a;
}

/**
 * One row: y[c] = bias + its records' weight * x (tap at xr + (offset >> shift)), in list order, as
 * every other path sums them (a row's result does not depend on its batch); two channels at a time,
 * two add chains where one alone waits on each add.
 */
function direct(xr: usize, shift: u32, w: usize, y: usize, n: i32, doRelu: bool): void {
  let counts = w + (<usize>n << 2), t = counts + (<usize>n << 2);
  for (let c = 0; c < n; c += 2, y += 8, w += 8, counts += 8) {
    const pair = c + 1 < n, e0 = t + (<usize>load<i32>(counts) << 3), e1 = pair ? e0 + (<usize>load<i32>(counts, 4) << 3) : e0;
    let a0 = load<f32>(w), a1 = load<f32>(w, 4);
    const len = min(e0 - t, e1 - e0);
    for (let i: usize = 0; i < len; i += 8) {
      a0 += load<f32>(t + i, 4) * load<f32>(xr + (<usize>load<u32>(t + i) >> shift));
      a1 += load<f32>(e0 + i, 4) * load<f32>(xr + (<usize>load<u32>(e0 + i) >> shift));
    }
    store<f32>(y, pos(rest(a0, xr, shift, t + len, e0), doRelu));
    if (pair) store<f32>(y, pos(rest(a1, xr, shift, e0 + len, e1), doRelu), 4);
    t = e1;
  }
}
