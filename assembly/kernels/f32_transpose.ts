// dst[j][i] = src[i][j] for a rows x cols f32 block with byte row strides: the layout change between
// NHWC pixels and CHW planes used by the sparse kernels. 4x4 blocks go through f32x4 shuffles.
// Tested through f32_conv2d_sparse / f32_dense_sparse (test/runtime/kernels.test.ts).

/** dst rows 0..3 from src columns 0..3: 4x4 blocks down the rows (pointer steps), then the rows left one at a time. */
@inline function group(s: usize, srcRow: usize, d: usize, dstRow: usize, rows: i32): void {
  const s4 = srcRow << 2, d2 = dstRow << 1, d3 = d2 + dstRow;
  let i = 0;
  for (; i + 4 <= rows; i += 4, s += s4, d += 16) {
    const r0 = v128.load(s), r1 = v128.load(s + srcRow), r2 = v128.load(s + (srcRow << 1)), r3 = v128.load(s + srcRow + (srcRow << 1));
    const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
    const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
    v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
    v128.store(d + dstRow, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
    v128.store(d + d2, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
    v128.store(d + d3, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
  }
  for (; i < rows; i++, s += srcRow, d += 4) {
    const r = v128.load(s);
    v128.store32_lane(d, r, 0);
    v128.store32_lane(d + dstRow, r, 1);
    v128.store32_lane(d + d2, r, 2);
    v128.store32_lane(d + d3, r, 3);
  }
}

// NOTE: columns outermost: each group of 4 destination rows is written start to end while the
// source lines it reads (4 floats per row) stay in L1; rows-outermost rewrote every destination line
// rows/4 times and cost 2x for the dense-sparse input (32 x 2028).
export function transpose(src: usize, srcRow: usize, dst: usize, dstRow: usize, rows: i32, cols: i32): void {
  if (cols == 1 && srcRow == 4) { memory.copy(dst, src, <usize>rows << 2); return; }
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= cols; j += 4) group(src + (<usize>j << 2), srcRow, dst + <usize>j * dstRow, dstRow, rows);
  }
  for (; j < cols; j++) {
    const s = src + (<usize>j << 2), d = dst + <usize>j * dstRow;
    for (let i = 0; i < rows; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + <usize>i * srcRow));
  }
}
