// qs8_spmm: int8 fully connected with pruned weights: each output channel visits only its nonzero
// weights, taken two at a time. Same math and bit-exact results as qs8_gemm (zIn folded into bias).
// SIMD lanes are 16 rows of the batch: a block of 16 rows of x [m][k] is first transposed into
// scratch as xt[k][16] (the last 16 columns once more, overlapping, so no scalar tail), each byte
// xor 0x80: x as the u8 x + 128 (the bias takes the 128 * sum(w) this adds back out). One nonzero
// pair (ka, kb) is then two 16-byte loads, interleaved into [x0ka x0kb x1ka x1kb ..] and
// zero-extended (zxl, zxh: an extend and a zip with a zero vector each), for i32x4.dot_i16x8_s against
// the splat [wa wb]: 6 shuffles and extends a pair where signed bytes took 8 (the high half's sign-extension is
// two instructions).
// Each channel's 16 requantized results are a row of a 16 x 16 tile that is transposed into y's rows
// every 16 channels (16 vector stores, not 256 bytes).
// The loop is bound by the vector ports: 14 vector ops a pair (4 shuffles, 2 extends, 4 dots, 4 adds), and the
// transpose (48 shuffles, 16 8-byte high-half stores, 16 xors per 16 columns) is about a third of
// the time at the seed dense layer's 80% zeros (harness, m = 32, k = 2028, n = 10, 2026-11-28).
// Tried and dropped: two blocks per pass sharing each pair's offsets and weights (no faster, 245 more
// bytes); two pairs per loop turn (no faster); the weight word first in a pair or stored as a full
// 16-byte splat (no faster); the transposed halves in planes written by full 16-byte stores (the
// transpose 15% faster, but four loads a pair instead of two: no faster overall); x widened to 16
// bits in the transpose (64 KB of scratch; its pair loop alone ran slower); extend_high_u for the
// high halves' zero-extension too (see zxh).
// Packed header, i32 (packSpmm, src/runtime/packing/qs8.ts): 0 k  1 n  2 zOut  3 actMin  4 actMax
// 5 offBias  6 offRq  7 offStart  8 offPairs; bias i32[np] (zIn and the + 128 folded in); requant
// groups; start i32[n+1] (pair ranges per channel); pairs {i32 ka*16, i32 kb*16, i32 wa | wb << 16}
// (an odd last weight pairs with wb = 0). Scratch, when m > 1: k * 16 bytes, then k * 16 more for x's
// rows when m < 16 (copied out to 16 readable rows).
// Reference: src/runtime/reference/qs8_spmm.ts.
import { RQ_GROUP, clampOut, requant, requant16, rqP2l, rqQ, rqRight, storeBytes } from '../lib/requant';
import { transpose16, transpose16x, zh8, zl8, zxh, zxl } from './qs8_transpose';

/**
 * One channel's 16 results per row of the tile, then the tile transposed: [16 channels][16 rows], [16 rows][16 channels].
 * TILE has 48 bytes more: channel c's 64 bytes of sums go at 16 * c before requant16 packs them into its 16.
 */
const TILE = memory.data(256 + 48, 16);
const TILE_T = memory.data(256, 16);
const ZERO = memory.data(16, 16);

export function qs8_spmm(p: usize, x: usize, y: usize, m: i32, scratch: usize): void {
  const k = load<i32>(p), n = load<i32>(p, 4), zOut = load<i32>(p, 8), lo = load<i32>(p, 12), hi = load<i32>(p, 16);
  const bias = p + load<i32>(p, 20), rq = p + load<i32>(p, 24), start = p + load<i32>(p, 28), pairs = p + load<i32>(p, 32);
  // one row (batch 1), or k < 16: the scalar loop (a 16-row block of padding, or no whole 16 columns)
  if (ASC_FEATURE_SIMD && m > 1 && k >= 16) {
    // zero from memory: as a v128.const V8 rebuilds it at every use
    const xt = scratch, z = v128.load(ZERO);
    for (let b = 0; b < m; b += 16) {
      // blocks of 16 rows, the last one overlapping the one before (its rows are stored twice, the same
      // bytes); with fewer than 16 rows, x is copied to scratch, whose rows past m are lanes never stored
      const r0 = max(min(b, m - 16), 0), rows = min(16, m), xs = scratch + <usize>(k << 4);
      if (m < 16) memory.copy(xs, x, <usize>(m * k));
      // all k columns, the last 16 once more (overlapping the group before): no scalar tail
      transpose16x(m < 16 ? xs : x + <usize>(r0 * k), <usize>k, xt, 0x80, k);
      for (let c0 = 0; c0 < n; c0 += 16) {
        const c1 = min(n, c0 + 16);
        for (let c = c0; c < c1; c++) {
          let a0 = v128.load32_splat(bias + (<usize>c << 2)), a1 = a0, a2 = a0, a3 = a0;
          const e1 = pairs + <usize>load<i32>(start + (<usize>c << 2), 4) * 12;
          let e = pairs + <usize>load<i32>(start + (<usize>c << 2)) * 12;
          for (; e < e1; e += 12) {
            const w = v128.load32_splat(e, 8), va = v128.load(xt + load<i32>(e)), vb = v128.load(xt + load<i32>(e, 4));
            const l = zl8(va, vb), h = zh8(va, vb);
            a0 = i32x4.add(a0, i32x4.dot_i16x8_s(zxl(l), w));
            a1 = i32x4.add(a1, i32x4.dot_i16x8_s(zxh(l, z), w));
            a2 = i32x4.add(a2, i32x4.dot_i16x8_s(zxl(h), w));
            a3 = i32x4.add(a3, i32x4.dot_i16x8_s(zxh(h, z), w));
          }
          const t = TILE + (<usize>(c - c0) << 4);
          v128.store(t, a0); v128.store(t, a1, 16); v128.store(t, a2, 32); v128.store(t, a3, 48);
          requant16(t, rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2), zOut, lo, hi, t);
        }
        transpose16(TILE, 16, TILE_T);
        for (let r = 0; r < rows; r++) storeBytes(y + <usize>((r0 + r) * n + c0), v128.load(TILE_T + (<usize>r << 4)), c1 - c0);
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
          acc += (<i32>load<u8>(xr + (<usize>load<i32>(e) >> 4)) ^ 128) * ((wab << 16) >> 16)
            + (<i32>load<u8>(xr + (<usize>load<i32>(e, 4) >> 4)) ^ 128) * (wab >> 16);
        }
        store<i8>(y + <usize>(r * n + c), <i8>clampOut(requant(acc, rqQ(rq, c), rqP2l(rq, c), rqRight(rq, c)), zOut, lo, hi));
      }
    }
  }
}
