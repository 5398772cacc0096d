// qs8_spmm: int8 fully connected with pruned weights: each output channel visits only its nonzero
// weights, taken two at a time. Same math and bit-exact results as qs8_gemm (zIn folded into bias).
// SIMD lanes are 16 rows of the batch: x [m][k] is first transposed into scratch as blocks
// xt[m/16][k][16], so one nonzero pair (ka, kb) is two 16-byte loads, interleaved into
// [x0ka x0kb x1ka x1kb ..] for i32x4.dot_i16x8_s against the splat [wa wb]. (Two blocks per pass
// sharing each pair's offsets and weights ran no faster, in 245 more bytes.)
// Packed header, i32 (packSpmm, src/runtime/packing/qs8.ts): 0 k  1 n  2 zOut  3 actMin  4 actMax
// 5 offBias  6 offRq  7 offStart  8 offPairs; bias i32[np]; requant groups; start i32[n+1] (pair
// ranges per channel); pairs {i32 ka*16, i32 kb*16, i32 wa | wb << 16} (an odd last weight pairs with
// wb = 0). Scratch: ceil(m/16) * k * 16 bytes. Reference: src/runtime/reference/qs8_spmm.ts.
import { RQ_GROUP, clampOut, requant, requant16, rqP2l, rqQ, rqRight } from '../lib/requant';
import { transpose16, zh8, zl8 } from './qs8_transpose';

const TMP = memory.data(64, 16);

/** Requantizes channel c of 16 rows (4 x i32x4) and stores the `rows` valid ones at y (row stride n). */
function store16(a0: v128, a1: v128, a2: v128, a3: v128, rq: usize, c: i32, zOut: i32, lo: i32, hi: i32, y: usize, n: i32, rows: i32): void {
  v128.store(TMP, a0); v128.store(TMP, a1, 16); v128.store(TMP, a2, 32); v128.store(TMP, a3, 48);
  requant16(TMP, rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2), zOut, lo, hi, TMP);
  for (let r = 0; r < rows; r++) store<i8>(y + <usize>(r * n + c), load<i8>(TMP + r));
}

export function qs8_spmm(p: usize, x: usize, y: usize, m: i32, scratch: usize): void {
  const k = load<i32>(p), n = load<i32>(p, 4), zOut = load<i32>(p, 8), lo = load<i32>(p, 12), hi = load<i32>(p, 16);
  const bias = p + load<i32>(p, 20), rq = p + load<i32>(p, 24), start = p + load<i32>(p, 28), pairs = p + load<i32>(p, 32);
  // one row (batch 1): the scalar loop, cheaper than transposing a 16-row block of padding
  if (ASC_FEATURE_SIMD && m > 1) {
    const k16 = k & ~15, block = <usize>(k * 16);
    for (let r0 = 0; r0 < m; r0 += 16) {
      const rows = min(16, m - r0), xb = x + <usize>(r0 * k), xt = scratch + <usize>(r0 >> 4) * block;
      for (let kk = 0; kk < k16; kk += 16) transpose16(xb + kk, <usize>k, rows, xt + (<usize>kk << 4));
      for (let kk = k16; kk < k; kk++) {
        for (let r = 0; r < 16; r++) store<i8>(xt + <usize>(kk * 16 + r), r < rows ? load<i8>(xb + <usize>(r * k + kk)) : 0);
      }
    }
    for (let r0 = 0; r0 < m; r0 += 16) {
      const xt = scratch + <usize>(r0 >> 4) * block;
      for (let c = 0; c < n; c++) {
        let a0 = v128.load32_splat(bias + (<usize>c << 2)), a1 = a0, a2 = a0, a3 = a0;
        const i1 = load<i32>(start + (<usize>c << 2), 4);
        for (let i = load<i32>(start + (<usize>c << 2)); i < i1; i++) {
          const e = pairs + <usize>i * 12, w = v128.load32_splat(e, 8);
          const va = v128.load(xt + load<i32>(e)), vb = v128.load(xt + load<i32>(e, 4)), l = zl8(va, vb), h = zh8(va, vb);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(l), w));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(l), w));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(h), w));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(h), w));
        }
        store16(a0, a1, a2, a3, rq, c, zOut, lo, hi, y + <usize>(r0 * n), n, min(16, m - r0));
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
