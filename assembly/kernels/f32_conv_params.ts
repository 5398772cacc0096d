// The conv params block: 14 little-endian i32 written by writeConv2dParams (src/runtime/packing/f32.ts).
//   0 n   1 h   2 w   3 cin   4 cout   5 kh   6 kw   7 strideH   8 strideW
//   9 padTop   10 padLeft   11 outH   12 outW   13 flags (CONV_RELU | CONV_OUT_MINOR)
export const CONV_RELU: i32 = 1;
/** Sparse conv only: y is batch-minor, [n / 32 rounded up][oh][ow][cout][32 samples], what f32_dense_sparse reads with flags & 2. */
export const CONV_OUT_MINOR: i32 = 2;

@inline export function param(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}
