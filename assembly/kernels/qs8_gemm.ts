// qs8_gemm: int8 fully connected, TFLite's reference semantics bit for bit:
//   acc[r][n] = bias[n] + sum_k w[n][k] * (x[r][k] - zIn)      (zIn folded into bias at pack time)
//   y[r][n]   = clamp(MultiplyByQuantizedMultiplier(acc, q[n], shift[n]) + zOut, actMin, actMax)
// |acc| <= 128 * 128 * k fits int32 for k < 131072; sums wrap mod 2^32 exactly like the reference's.
// Tiles of 4 rows x 2 columns, k in steps of 8 (load8x8_s + i32x4.dot_i16x8_s), the first step over the
// weights' zero padding (no column tail); int32 sums go to a static row buffer, then the per-channel
// requant runs 16 channels at a time. One row (batch 1) has a loop of its own, 2 dots per x load: on the seed
// dense layer (k 2028, n 10) the 4-row tile took 2.33-2.35 us for it, the loop 0.90-0.96 (bench/runtime_layers.ts,
// old and new builds run in turn, load 1-2, 2026-11-28).
// Packed (packGemm, src/runtime/packing/qs8.ts): header i32[16]: k, n, nc (n rounded up to 2),
// np (n rounded up to 16), zOut, actMin, actMax, offBias, offRq, offW; bias i32[np]; requant groups;
// w int8 [nc][kp] (kp = k rounded up to 8, each row's kp - k zeros first). Reference: src/runtime/reference/qs8_gemm.ts.
import { RQ_GROUP } from '../lib/requant';
import { requantRow } from './qs8_requantize';

const MR = 4;
const ACC = memory.data(MR * 1024 * 4, 16); // MR rows x up to 1024 channels of int32 sums
const CHUNK = 1024;

@inline function hsum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/**
 * Sums for rows x[0..rows) (rows <= MR) and columns [n0, n1) into ACC[r][n - n0], bias included. A row
 * of w is kp = k rounded up to 8 bytes, its kp - k zeros first: the SIMD build reads each row of x from
 * kp - k bytes before it (the row before's last bytes, or below x: the static data, never before
 * memory's start), bytes that meet the zeros, so k needs no column tail.
 */
function tile(x: usize, w: usize, bias: usize, k: i32, rows: i32, n0: i32, n1: i32): void {
  const kp = (k + 7) & ~7, pad = <usize>(kp - k);
  for (let n = n0; n < n1; n += 2) {
    const w0 = w + <usize>(n * kp), w1 = w0 + <usize>kp;
    let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
    // Rows past `rows` re-read row 0; their sums are never requantized.
    const x1 = x + <usize>select<i32>(k, 0, rows > 1), x2 = x + <usize>select<i32>(2 * k, 0, rows > 2), x3 = x + <usize>select<i32>(3 * k, 0, rows > 3);
    if (ASC_FEATURE_SIMD) {
      let a00 = i32x4.splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      // pointers stepped, not an index plus each row's base: V8 then recomputed the bases' selects inside the loop (0.7-0.8x)
      let p0 = x - pad, p1 = x1 - pad, p2 = x2 - pad, p3 = x3 - pad;
      if (rows == 1) {
        // one row (batch 1): the 4-row loop would do 4x the dots for it
        for (let q = w0; q < w1; q += 8, p0 += 8) {
          const v0 = v128.load8x8_s(p0);
          a00 = i32x4.add(a00, i32x4.dot_i16x8_s(v0, v128.load8x8_s(q)));
          a01 = i32x4.add(a01, i32x4.dot_i16x8_s(v0, v128.load8x8_s(q + <usize>kp)));
        }
      } else {
        for (let q = w0; q < w1; q += 8, p0 += 8, p1 += 8, p2 += 8, p3 += 8) {
          const b0 = v128.load8x8_s(q), b1 = v128.load8x8_s(q + <usize>kp);
          const v0 = v128.load8x8_s(p0), v1 = v128.load8x8_s(p1);
          const v2 = v128.load8x8_s(p2), v3 = v128.load8x8_s(p3);
          a00 = i32x4.add(a00, i32x4.dot_i16x8_s(v0, b0)); a01 = i32x4.add(a01, i32x4.dot_i16x8_s(v0, b1));
          a10 = i32x4.add(a10, i32x4.dot_i16x8_s(v1, b0)); a11 = i32x4.add(a11, i32x4.dot_i16x8_s(v1, b1));
          a20 = i32x4.add(a20, i32x4.dot_i16x8_s(v2, b0)); a21 = i32x4.add(a21, i32x4.dot_i16x8_s(v2, b1));
          a30 = i32x4.add(a30, i32x4.dot_i16x8_s(v3, b0)); a31 = i32x4.add(a31, i32x4.dot_i16x8_s(v3, b1));
        }
      }
      s00 = hsum(a00); s01 = hsum(a01); s10 = hsum(a10); s11 = hsum(a11);
      s20 = hsum(a20); s21 = hsum(a21); s30 = hsum(a30); s31 = hsum(a31);
    } else {
      // (the scalar build skips the zeros)
      for (let kk = 0; kk < k; kk++) {
        const c0 = <i32>load<i8>(w0 + pad + kk), c1 = <i32>load<i8>(w1 + pad + kk);
        let v = <i32>load<i8>(x + kk); s00 += v * c0; s01 += v * c1;
        if (rows > 1) { v = <i32>load<i8>(x1 + kk); s10 += v * c0; s11 += v * c1; }
        if (rows > 2) { v = <i32>load<i8>(x2 + kk); s20 += v * c0; s21 += v * c1; }
        if (rows > 3) { v = <i32>load<i8>(x3 + kk); s30 += v * c0; s31 += v * c1; }
      }
    }
    const b0 = load<i32>(bias + (<usize>n << 2)), b1 = load<i32>(bias + (<usize>n << 2), 4);
    const p = ACC + (<usize>(n - n0) << 2);
    store<i32>(p, s00 + b0); store<i32>(p, s01 + b1, 4);
    store<i32>(p, s10 + b0, CHUNK * 4); store<i32>(p, s11 + b1, CHUNK * 4 + 4);
    store<i32>(p, s20 + b0, CHUNK * 8); store<i32>(p, s21 + b1, CHUNK * 8 + 4);
    store<i32>(p, s30 + b0, CHUNK * 12); store<i32>(p, s31 + b1, CHUNK * 12 + 4);
  }
}

export function qs8_gemm(packed: usize, x: usize, y: usize, m: i32): void {
  const k = load<i32>(packed), n = load<i32>(packed, 4), nc = load<i32>(packed, 8);
  const zOut = load<i32>(packed, 16), lo = load<i32>(packed, 20), hi = load<i32>(packed, 24);
  const bias = packed + load<i32>(packed, 28), rq = packed + load<i32>(packed, 32), w = packed + load<i32>(packed, 36);
  for (let n0 = 0; n0 < nc; n0 += CHUNK) {
    const n1 = min(nc, n0 + CHUNK);
    for (let r = 0; r < m; r += MR) {
      const rows = min(MR, m - r);
      tile(x + <usize>(r * k), w, bias, k, rows, n0, n1);
      for (let i = 0; i < rows; i++) {
        // Channels [n1, n0+16..) of ACC hold stale sums; the requant groups exist (np), their bytes are not stored.
        requantRow(ACC + <usize>(i * CHUNK * 4), y + <usize>((r + i) * n + n0), min(n, n1) - n0, rq + <usize>(n0 >> 2) * RQ_GROUP, zOut, lo, hi);
      }
    }
  }
}
