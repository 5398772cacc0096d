// qs8_spmm: int8 fully connected with pruned weights: each output channel visits only its nonzero
// weights, taken two at a time. Same math and bit-exact results as qs8_gemm (zIn folded into bias).
// SIMD lanes are 16 rows of the batch: a block of 16 rows of x [m][k] is first transposed into
// scratch as xt[k][16] bytes, x + 128 (x ^ 0x80, so u8: a zero-extension is one instruction, a
// sign-extension of the high half two; the bias holds the -128 * sum(w) that this adds). One nonzero
// pair (ka, kb) is then two 16-byte loads, interleaved into [x0ka x0kb x1ka x1kb ..] and zero-extended
// for i32x4.dot_i16x8_s against the splat [wa wb]; pairs go two per loop turn. Each channel's 16
// int8 results go to a 16 x 16 tile, transposed into the rows of y every 16 channels. (Two blocks per
// pass sharing each pair's offsets and weights ran no faster, in 245 more bytes.)
// Packed header, i32 (packSpmm, src/runtime/packing/qs8.ts): 0 k  1 n  2 zOut  3 actMin  4 actMax
// 5 offBias  6 offRq  7 offStart  8 offPairs; bias i32[np] (zIn and the +128 folded in); requant
// groups; start i32[n+1] (pair ranges per channel); pairs {i32 ka*16, i32 kb*16, i32 wa | wb << 16}
// (an odd last weight pairs with wb = 0). Scratch: k * 16 bytes for m > 1.
// Reference: src/runtime/reference/qs8_spmm.ts.
import { RQ_GROUP, clampOut, requant, requant16, rqP2l, rqQ, rqRight, storeBytes } from '../lib/requant';
import { zh8, zl8 } from './qs8_transpose';

/** One channel's 16 results per row of the tile, then the tile transposed: [16 channels][16 rows], [16 rows][16 channels]. */
const TILE = memory.data(256, 16);
const TILE_T = memory.data(256, 16);

@inline function zl16(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23); }
@inline function zh16(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31); }
@inline function zl32(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23); }
@inline function zh32(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31); }

/** Row r of src (16 bytes) xor flip, or flip alone past `rows` (rows that are never stored). */
@inline function row(src: usize, stride: usize, r: i32, rows: i32, flip: v128): v128 {
  return r < rows ? v128.xor(v128.load(src + <usize>r * stride), flip) : flip;
}

/** Columns 4g..4g+1 (a) and 4g+2..4g+3 (b), 8 rows each, to their 8-byte halves of dst's column vectors. */
@inline function half(a: v128, b: v128, d: usize): void {
  v128.store64_lane(d, a, 0); v128.store64_lane(d, a, 1, 16); v128.store64_lane(d, b, 0, 32); v128.store64_lane(d, b, 1, 48);
}

/**
 * dst[c * 16 + r] = src[r * stride + c] ^ flip for 16 columns c and rows r < rows (flip for the rest):
 * qs8_transpose.ts's transpose16 with the xor, which the input needs and the output tile does not.
 */
function transpose(src: usize, stride: usize, rows: i32, dst: usize, flip: v128): void {
  for (let h = 0; h < 2; h++) {
    const r = h << 3;
    const r0 = row(src, stride, r, rows, flip), r1 = row(src, stride, r + 1, rows, flip), r2 = row(src, stride, r + 2, rows, flip), r3 = row(src, stride, r + 3, rows, flip);
    const r4 = row(src, stride, r + 4, rows, flip), r5 = row(src, stride, r + 5, rows, flip), r6 = row(src, stride, r + 6, rows, flip), r7 = row(src, stride, r + 7, rows, flip);
    const a0 = zl8(r0, r1), a1 = zh8(r0, r1), a2 = zl8(r2, r3), a3 = zh8(r2, r3);
    const b0 = zl8(r4, r5), b1 = zh8(r4, r5), b2 = zl8(r6, r7), b3 = zh8(r6, r7);
    const p0 = zl16(a0, a2), p1 = zh16(a0, a2), p2 = zl16(a1, a3), p3 = zh16(a1, a3);
    const q0 = zl16(b0, b2), q1 = zh16(b0, b2), q2 = zl16(b1, b3), q3 = zh16(b1, b3);
    const d = dst + <usize>r;
    half(zl32(p0, q0), zh32(p0, q0), d); half(zl32(p1, q1), zh32(p1, q1), d + 64);
    half(zl32(p2, q2), zh32(p2, q2), d + 128); half(zl32(p3, q3), zh32(p3, q3), d + 192);
  }
}

export function qs8_spmm(p: usize, x: usize, y: usize, m: i32, scratch: usize): void {
  const k = load<i32>(p), n = load<i32>(p, 4), zOut = load<i32>(p, 8), lo = load<i32>(p, 12), hi = load<i32>(p, 16);
  const bias = p + load<i32>(p, 20), rq = p + load<i32>(p, 24), start = p + load<i32>(p, 28), pairs = p + load<i32>(p, 32);
  // one row (batch 1) or k < 16: the scalar loop, cheaper than transposing a 16-row block of padding
  if (ASC_FEATURE_SIMD && m > 1 && k >= 16) {
    const flip = i8x16.splat(-128), xt = scratch;
    for (let r0 = 0; r0 < m; r0 += 16) {
      const rows = min(16, m - r0), xb = x + <usize>(r0 * k);
      // the last 16 columns once more, overlapping the previous group: no scalar tail
      for (let kk = 0; kk < k; kk += 16) {
        const c = min(kk, k - 16);
        transpose(xb + c, <usize>k, rows, xt + (<usize>c << 4), flip);
      }
      for (let c0 = 0; c0 < n; c0 += 16) {
        const c1 = min(n, c0 + 16);
        for (let c = c0; c < c1; c++) {
          let a0 = v128.load32_splat(bias + (<usize>c << 2)), a1 = a0, a2 = a0, a3 = a0;
          const e1 = pairs + <usize>load<i32>(start + (<usize>c << 2), 4) * 12;
          let e = pairs + <usize>load<i32>(start + (<usize>c << 2)) * 12;
          // NOTE: two pairs a turn: the loop's own cost (V8's stack check, the bound) was a tenth of the time
          for (; e < e1; e += 24) {
            let w = v128.load32_splat(e, 8), va = v128.load(xt + load<i32>(e)), vb = v128.load(xt + load<i32>(e, 4));
            let l = zl8(va, vb), h = zh8(va, vb);
            a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), w));
            a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), w));
            a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(h), w));
            a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(h), w));
            if (e + 12 == e1) break;
            w = v128.load32_splat(e, 20); va = v128.load(xt + load<i32>(e, 12)); vb = v128.load(xt + load<i32>(e, 16));
            l = zl8(va, vb); h = zh8(va, vb);
            a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), w));
            a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), w));
            a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(h), w));
            a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(h), w));
          }
          const t = TILE + (<usize>(c - c0) << 4);
          v128.store(t, a0); v128.store(t, a1, 16); v128.store(t, a2, 32); v128.store(t, a3, 48);
          requant16(t, rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2), zOut, lo, hi, t);
        }
        transpose(TILE, 16, c1 - c0, TILE_T, i8x16.splat(0));
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
