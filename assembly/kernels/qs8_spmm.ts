// qs8_spmm: int8 fully connected with pruned weights: each output channel visits only its nonzero
// weights, taken two at a time. Same math and bit-exact results as qs8_gemm (zIn folded into bias).
// SIMD lanes are 16 rows of the batch: x [m][k] is first transposed into scratch as blocks
// xt[m/16][k][16], so one nonzero pair (ka, kb) is two 16-byte loads, interleaved into
// [x0ka x0kb x1ka x1kb ..] for i32x4.dot_i16x8_s against the splat [wa wb].
// Packed header, i32 (packSpmm, src/runtime/packing/qs8.ts): 0 k  1 n  2 zOut  3 actMin  4 actMax
// 5 offBias  6 offRq  7 offStart  8 offPairs; bias i32[np]; requant groups; start i32[n+1] (pair
// ranges per channel); pairs {i32 ka*16, i32 kb*16, i32 wa | wb << 16} (an odd last weight pairs with
// wb = 0). Scratch: ceil(m/16) * k * 16 bytes. Reference: src/runtime/reference/qs8_spmm.ts.
import { RQ_GROUP, clampOut, packBytes, requant, requantSplat, rqP2l, rqQ, rqRight } from '../lib/requant';

const TMP = memory.data(16, 16);

@inline function zl8(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23); }
@inline function zh8(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31); }
@inline function zl16(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23); }
@inline function zh16(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31); }
@inline function zl32(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23); }
@inline function zh32(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31); }
@inline function zl64(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23); }
@inline function zh64(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31); }

@inline function row(x: usize, k: i32, r: i32, rows: i32): v128 {
  return r < rows ? v128.load(x + <usize>(r * k)) : i8x16.splat(0);
}

/** Halfway through a transpose: at 64g + 16i, columns 4g..4g+3 of rows 4i..4i+3 (rows-minor). */
const T = memory.data(256, 16);

/** xt[kk][r] = x[r][kk] for 16 columns and rows < `rows` (zeros beyond): 4 rounds of zips. */
@inline function transpose16(x: usize, k: i32, rows: i32, dst: usize): void {
  for (let i = 0; i < 4; i++) {
    const r0 = row(x, k, 4 * i, rows), r1 = row(x, k, 4 * i + 1, rows), r2 = row(x, k, 4 * i + 2, rows), r3 = row(x, k, 4 * i + 3, rows);
    const a0 = zl8(r0, r1), a1 = zh8(r0, r1), a2 = zl8(r2, r3), a3 = zh8(r2, r3);
    const t = T + (<usize>i << 4);
    v128.store(t, zl16(a0, a2)); v128.store(t, zh16(a0, a2), 64); v128.store(t, zl16(a1, a3), 128); v128.store(t, zh16(a1, a3), 192);
  }
  for (let g = 0; g < 4; g++) {
    const t = T + (<usize>g << 6), d = dst + (<usize>g << 6);
    const lo0 = zl32(v128.load(t), v128.load(t, 16)), hi0 = zh32(v128.load(t), v128.load(t, 16));
    const lo1 = zl32(v128.load(t, 32), v128.load(t, 48)), hi1 = zh32(v128.load(t, 32), v128.load(t, 48));
    v128.store(d, zl64(lo0, lo1)); v128.store(d, zh64(lo0, lo1), 16); v128.store(d, zl64(hi0, hi1), 32); v128.store(d, zh64(hi0, hi1), 48);
  }
}

export function qs8_spmm(p: usize, x: usize, y: usize, m: i32, scratch: usize): void {
  const k = load<i32>(p), n = load<i32>(p, 4), zOut = load<i32>(p, 8), lo = load<i32>(p, 12), hi = load<i32>(p, 16);
  const bias = p + load<i32>(p, 20), rq = p + load<i32>(p, 24), start = p + load<i32>(p, 28), pairs = p + load<i32>(p, 32);
  if (ASC_FEATURE_SIMD) {
    const z = i16x8.splat(<i16>zOut), vlo = i8x16.splat(<i8>lo), vhi = i8x16.splat(<i8>hi);
    const k16 = k & ~15;
    for (let r0 = 0; r0 < m; r0 += 16) {
      const rows = min(16, m - r0), xb = x + <usize>(r0 * k);
      for (let kk = 0; kk < k16; kk += 16) transpose16(xb + kk, k, rows, scratch + (<usize>kk << 4));
      for (let kk = k16; kk < k; kk++) {
        for (let r = 0; r < 16; r++) store<i8>(scratch + <usize>(kk * 16 + r), r < rows ? load<i8>(xb + <usize>(r * k + kk)) : 0);
      }
      for (let c = 0; c < n; c++) {
        let a0 = v128.load32_splat(bias + (<usize>c << 2)), a1 = a0, a2 = a0, a3 = a0;
        const i1 = load<i32>(start + (<usize>c << 2), 4);
        for (let i = load<i32>(start + (<usize>c << 2)); i < i1; i++) {
          const e = pairs + <usize>i * 12;
          const va = v128.load(scratch + load<i32>(e)), vb = v128.load(scratch + load<i32>(e, 4)), w = v128.load32_splat(e, 8);
          const l = zl8(va, vb), h = zh8(va, vb);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(l), w));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(l), w));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(h), w));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(h), w));
        }
        const g = rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2);
        const q = v128.load32_splat(g), p2l = v128.load32_splat(g, 16), right = load<i32>(g, 80);
        const mask = v128.load32_splat(g, 32), half = v128.load32_splat(g, 48);
        v128.store(TMP, packBytes(
          requantSplat(a0, q, p2l, right, mask, half), requantSplat(a1, q, p2l, right, mask, half),
          requantSplat(a2, q, p2l, right, mask, half), requantSplat(a3, q, p2l, right, mask, half), z, vlo, vhi));
        for (let r = 0; r < rows; r++) store<i8>(y + <usize>((r0 + r) * n + c), load<i8>(TMP + r));
      }
    }
  } else {
    for (let r = 0; r < m; r++) {
      const xr = x + <usize>(r * k);
      for (let c = 0; c < n; c++) {
        let acc = load<i32>(bias + (<usize>c << 2));
        const i1 = load<i32>(start + (<usize>c << 2), 4);
        for (let i = load<i32>(start + (<usize>c << 2)); i < i1; i++) {
          const e = pairs + <usize>i * 12, wab = load<i32>(e, 8);
          acc += <i32>load<i8>(xr + (<usize>load<i32>(e) >> 4)) * ((wab << 16) >> 16)
            + <i32>load<i8>(xr + (<usize>load<i32>(e, 4) >> 4)) * (wab >> 16);
        }
        store<i8>(y + <usize>(r * n + c), <i8>clampOut(requant(acc, rqQ(rq, c), rqP2l(rq, c), rqRight(rq, c)), zOut, lo, hi));
      }
    }
  }
}
