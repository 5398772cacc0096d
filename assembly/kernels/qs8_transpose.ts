// Byte zips and a 16 x 16 byte transpose shared by the qs8 kernels that make SIMD lanes of rows (qs8_spmm: batch
// rows; qs8_conv2d_nhwc: output pixels). SIMD builds only.

/** Interleaves the bytes of the low (zl8) or high (zh8) halves of a and b: [a0 b0 a1 b1 ..]. */
@inline export function zl8(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23); }
@inline export function zh8(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31); }
@inline function zl16(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23); }
@inline function zh16(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31); }
@inline function zl32(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23); }
@inline function zh32(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31); }
@inline function zl64(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23); }
@inline function zh64(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31); }

@inline function row(src: usize, stride: usize, r: i32, rows: i32): v128 {
  return r < rows ? v128.load(src + <usize>r * stride) : i8x16.splat(0);
}

/** Columns 4g..4g+3 from those of rows 0-3 (a), 4-7 (b), 8-11 (c), 12-15 (d) as 32-bit units. */
@inline function quad(a: v128, b: v128, c: v128, d: v128, dst: usize): void {
  const c0 = zl32(a, b), c1 = zh32(a, b), c2 = zl32(c, d), c3 = zh32(c, d);
  v128.store(dst, zl64(c0, c2)); v128.store(dst, zh64(c0, c2), 16); v128.store(dst, zl64(c1, c3), 32); v128.store(dst, zh64(c1, c3), 48);
}

const T = memory.data(256, 16);

/**
 * dst[c * 16 + r] = src[r * stride + c] for 16 columns c and rows r < rows (zeros for the rest):
 * 16 bytes of each of 16 rows become 16 vectors of one column each.
 */
export function transpose16(src: usize, stride: usize, rows: i32, dst: usize): void {
  // rows r..r+3 zipped twice: their 16-bit units of columns 0-3, 4-7, 8-11, 12-15 at T + 16r
  for (let r = 0; r < 16; r += 4) {
    const r0 = row(src, stride, r, rows), r1 = row(src, stride, r + 1, rows), r2 = row(src, stride, r + 2, rows), r3 = row(src, stride, r + 3, rows);
    const a0 = zl8(r0, r1), a1 = zh8(r0, r1), a2 = zl8(r2, r3), a3 = zh8(r2, r3), t = T + (<usize>r << 4);
    v128.store(t, zl16(a0, a2)); v128.store(t, zh16(a0, a2), 16); v128.store(t, zl16(a1, a3), 32); v128.store(t, zh16(a1, a3), 48);
  }
  for (let g = 0; g < 64; g += 16) quad(v128.load(T + g), v128.load(T + 64 + g), v128.load(T + 128 + g), v128.load(T + 192 + g), dst + (<usize>g << 2));
}
