// Byte zips, zero-extensions and a 16 x 16 byte transpose shared by the qs8 kernels that make SIMD lanes of rows (qs8_spmm: batch
// rows; qs8_conv2d_nhwc: output pixels), and transpose16x, the same with every byte xor 0x80 (qs8_spmm's x as u8).
// SIMD builds only.

/** Interleaves the bytes of the low (zl8) or high (zh8) halves of a and b: [a0 b0 a1 b1 ..]. */
@inline export function zl8(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23); }
@inline export function zh8(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31); }
/**
 * The low (zxl) or high (zxh) 8 bytes of u8 lanes zero-extended to 16 bits (z: a zero vector): the low
 * half is one extend (pmovzxbw, and 16 B less than a shuffle); the high half stays a zip with z, as
 * V8 rebuilds a zero register for each extend_high_u (qs8_spmm 4-7% slower, 2026-11-28).
 */
@inline export function zxl(v: v128): v128 { return i16x8.extend_low_i8x16_u(v); }
@inline export function zxh(v: v128, z: v128): v128 { return zh8(v, z); }
@inline function zl16(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23); }
@inline function zh16(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31); }
@inline function zl32(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23); }
@inline function zh32(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31); }
@inline function zl64(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23); }
@inline function zh64(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31); }

/**
 * dst[c * 16 + r] = src[r * stride + c] for 16 columns c and 16 rows r: 16 bytes of each of 16 rows
 * become 16 vectors of one column each. All 16 rows are read: a caller with fewer points the rest at
 * bytes it may read (stale scratch, rows it has done) and reads nothing of their lanes.
 */
@inline export function transpose16(src: usize, stride: usize, dst: usize): void {
  transpose16x(src, stride, dst, 0);
}

/**
 * transpose16 with the rows' bytes xor flip (qs8_spmm's x and the sparse conv's patches: 0x80, int8 v
 * as the u8 v + 128). The xors sit behind a branch, so transpose16's callers (flip 0) run none. With
 * cols (at least 16), every column of the rows: groups of 16, the last one overlapping the one before
 * (no column tail), in one call (qs8_spmm: a call per group cost it 9% at the seed's 32 x 2028).
 */
export function transpose16x(src: usize, stride: usize, dst: usize, flip: i32, cols: i32 = 16): void {
  for (let c0 = 0; c0 < cols; c0 += 16) {
    const c = min(c0, cols - 16);
    tile(src + <usize>c, stride, dst + (<usize>c << 4), flip);
  }
}

@inline function tile(src: usize, stride: usize, dst: usize, flip: i32): void {
  // two halves of 8 rows: their 16-bit units of columns 0-3, 4-7, 8-11, 12-15 as [r0..3 | r4..7] 32-bit units
  for (let h = 0; h < 2; h++) {
    const r = h << 3;
    // one pointer stepped down the rows (a compare and multiply per row cost qs8_spmm 3%)
    let a = src + <usize>r * stride;
    let r0 = v128.load(a); a += stride; let r1 = v128.load(a); a += stride; let r2 = v128.load(a); a += stride; let r3 = v128.load(a); a += stride;
    let r4 = v128.load(a); a += stride; let r5 = v128.load(a); a += stride; let r6 = v128.load(a); a += stride; let r7 = v128.load(a);
    if (flip) {
      const f = i8x16.splat(<i8>flip);
      r0 = v128.xor(r0, f); r1 = v128.xor(r1, f); r2 = v128.xor(r2, f); r3 = v128.xor(r3, f);
      r4 = v128.xor(r4, f); r5 = v128.xor(r5, f); r6 = v128.xor(r6, f); r7 = v128.xor(r7, f);
    }
    const a0 = zl8(r0, r1), a1 = zh8(r0, r1), a2 = zl8(r2, r3), a3 = zh8(r2, r3);
    const b0 = zl8(r4, r5), b1 = zh8(r4, r5), b2 = zl8(r6, r7), b3 = zh8(r6, r7);
    const p0 = zl16(a0, a2), p1 = zh16(a0, a2), p2 = zl16(a1, a3), p3 = zh16(a1, a3);
    const q0 = zl16(b0, b2), q1 = zh16(b0, b2), q2 = zl16(b1, b3), q3 = zh16(b1, b3);
    // rows r..r+7 of columns c: 8 bytes, at dst + 16c + r
    const d = dst + <usize>r;
    half(zl32(p0, q0), zh32(p0, q0), d); half(zl32(p1, q1), zh32(p1, q1), d + 64);
    half(zl32(p2, q2), zh32(p2, q2), d + 128); half(zl32(p3, q3), zh32(p3, q3), d + 192);
  }
}

/** Columns 4g..4g+1 (a) and 4g+2..4g+3 (b), 8 rows each, to their 8-byte halves of dst's column vectors. */
@inline function half(a: v128, b: v128, d: usize): void {
  v128.store64_lane(d, a, 0); v128.store64_lane(d, a, 1, 16); v128.store64_lane(d, b, 0, 32); v128.store64_lane(d, b, 1, 48);
}
