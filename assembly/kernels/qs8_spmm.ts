// qs8_spmm: int8 fully connected with pruned weights: each output channel visits only its nonzero
// weights, taken two at a time. Same math and bit-exact results as qs8_gemm (zIn folded into bias).
// SIMD lanes are 16 rows of the batch: x [m][k] is first transposed into scratch as blocks
// xt[m/16][k][16], so one nonzero pair (ka, kb) is two 16-byte loads, interleaved into
// [x0ka x0kb x1ka x1kb ..] for i32x4.dot_i16x8_s against the splat [wa wb]; two blocks (32 rows)
// share each pair's offsets and weights.
// Packed header, i32 (packSpmm, src/runtime/packing/qs8.ts): 0 k  1 n  2 zOut  3 actMin  4 actMax
// 5 offBias  6 offRq  7 offStart  8 offPairs; bias i32[np]; requant groups; start i32[n+1] (pair
// ranges per channel); pairs {i32 ka*16, i32 kb*16, i32 wa | wb << 16} (an odd last weight pairs with
// wb = 0). Scratch: ceil(m/16) * k * 16 bytes. Reference: src/runtime/reference/qs8_spmm.ts.
import { RQ_GROUP, clampOut, requant, requant16, rqP2l, rqQ, rqRight } from '../lib/requant';

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

/** Stores columns 4g..4g+3 given those of rows 0-3 (p), 4-7 (q), 8-11 (r), 12-15 (s) as 32-bit units. */
@inline function quad(p: v128, q: v128, r: v128, s: v128, dst: usize): void {
  const c0 = zl32(p, q), c1 = zh32(p, q), c2 = zl32(r, s), c3 = zh32(r, s);
  v128.store(dst, zl64(c0, c2)); v128.store(dst, zh64(c0, c2), 16); v128.store(dst, zl64(c1, c3), 32); v128.store(dst, zh64(c1, c3), 48);
}

/** xt[kk][r] = x[r][kk] for 16 columns and rows < `rows` (zeros beyond): 4 rounds of zips, 64 shuffles. */
@inline function transpose16(x: usize, k: i32, rows: i32, dst: usize): void {
  let r0 = row(x, k, 0, rows), r1 = row(x, k, 1, rows), r2 = row(x, k, 2, rows), r3 = row(x, k, 3, rows);
  let a0 = zl8(r0, r1), a1 = zh8(r0, r1), a2 = zl8(r2, r3), a3 = zh8(r2, r3);
  const b0 = zl16(a0, a2), b1 = zh16(a0, a2), b2 = zl16(a1, a3), b3 = zh16(a1, a3);
  r0 = row(x, k, 4, rows); r1 = row(x, k, 5, rows); r2 = row(x, k, 6, rows); r3 = row(x, k, 7, rows);
  a0 = zl8(r0, r1); a1 = zh8(r0, r1); a2 = zl8(r2, r3); a3 = zh8(r2, r3);
  const b4 = zl16(a0, a2), b5 = zh16(a0, a2), b6 = zl16(a1, a3), b7 = zh16(a1, a3);
  r0 = row(x, k, 8, rows); r1 = row(x, k, 9, rows); r2 = row(x, k, 10, rows); r3 = row(x, k, 11, rows);
  a0 = zl8(r0, r1); a1 = zh8(r0, r1); a2 = zl8(r2, r3); a3 = zh8(r2, r3);
  const b8 = zl16(a0, a2), b9 = zh16(a0, a2), b10 = zl16(a1, a3), b11 = zh16(a1, a3);
  r0 = row(x, k, 12, rows); r1 = row(x, k, 13, rows); r2 = row(x, k, 14, rows); r3 = row(x, k, 15, rows);
  a0 = zl8(r0, r1); a1 = zh8(r0, r1); a2 = zl8(r2, r3); a3 = zh8(r2, r3);
  const b12 = zl16(a0, a2), b13 = zh16(a0, a2), b14 = zl16(a1, a3), b15 = zh16(a1, a3);
  quad(b0, b4, b8, b12, dst);
  quad(b1, b5, b9, b13, dst + 64);
  quad(b2, b6, b10, b14, dst + 128);
  quad(b3, b7, b11, b15, dst + 192);
}

/** Requantizes channel c of 16 rows (4 x i32x4) and stores the `rows` valid ones at y (row stride n). */
function store16(a0: v128, a1: v128, a2: v128, a3: v128, rq: usize, c: i32, z: v128, vlo: v128, vhi: v128, y: usize, n: i32, rows: i32): void {
  v128.store(TMP, requant16(a0, a1, a2, a3, rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2), z, vlo, vhi));
  for (let r = 0; r < rows; r++) store<i8>(y + <usize>(r * n + c), load<i8>(TMP + r));
}

export function qs8_spmm(p: usize, x: usize, y: usize, m: i32, scratch: usize): void {
  const k = load<i32>(p), n = load<i32>(p, 4), zOut = load<i32>(p, 8), lo = load<i32>(p, 12), hi = load<i32>(p, 16);
  const bias = p + load<i32>(p, 20), rq = p + load<i32>(p, 24), start = p + load<i32>(p, 28), pairs = p + load<i32>(p, 32);
  if (ASC_FEATURE_SIMD) {
    const z = i16x8.splat(<i16>zOut), vlo = i8x16.splat(<i8>lo), vhi = i8x16.splat(<i8>hi);
    const k16 = k & ~15, block = <usize>(k * 16);
    for (let r0 = 0; r0 < m; r0 += 16) {
      const rows = min(16, m - r0), xb = x + <usize>(r0 * k), xt = scratch + <usize>(r0 >> 4) * block;
      for (let kk = 0; kk < k16; kk += 16) transpose16(xb + kk, k, rows, xt + (<usize>kk << 4));
      for (let kk = k16; kk < k; kk++) {
        for (let r = 0; r < 16; r++) store<i8>(xt + <usize>(kk * 16 + r), r < rows ? load<i8>(xb + <usize>(r * k + kk)) : 0);
      }
    }
    // Two blocks of 16 rows per pass share each pair's offsets and weights.
    for (let r0 = 0; r0 < m; r0 += 32) {
      const xt = scratch + <usize>(r0 >> 4) * block, two = m - r0 > 16;
      for (let c = 0; c < n; c++) {
        let a0 = v128.load32_splat(bias + (<usize>c << 2)), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        const i1 = load<i32>(start + (<usize>c << 2), 4);
        for (let i = load<i32>(start + (<usize>c << 2)); i < i1; i++) {
          const e = pairs + <usize>i * 12, oa = xt + load<i32>(e), ob = xt + load<i32>(e, 4), w = v128.load32_splat(e, 8);
          let va = v128.load(oa), vb = v128.load(ob), l = zl8(va, vb), h = zh8(va, vb);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(l), w));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(l), w));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(h), w));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(h), w));
          if (two) {
            va = v128.load(oa + block); vb = v128.load(ob + block); l = zl8(va, vb); h = zh8(va, vb);
            b0 = i32x4.add(b0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(l), w));
            b1 = i32x4.add(b1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(l), w));
            b2 = i32x4.add(b2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(h), w));
            b3 = i32x4.add(b3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(h), w));
          }
        }
        store16(a0, a1, a2, a3, rq, c, z, vlo, vhi, y + <usize>(r0 * n), n, min(16, m - r0));
        if (two) store16(b0, b1, b2, b3, rq, c, z, vlo, vhi, y + <usize>((r0 + 16) * n), n, min(16, m - r0 - 16));
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
