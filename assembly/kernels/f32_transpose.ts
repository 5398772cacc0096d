// dst[j][i] = src[i][j] for a rows x cols f32 block with byte row strides: the layout change between
// NHWC pixels and CHW planes used by the sparse kernels. 4x4 blocks go through f32x4 shuffles.
// Tested through f32_conv2d_sparse / f32_dense_sparse (test/runtime/kernels.test.ts).

// NOTE: columns outermost: each group of 4 destination rows is written start to end while the
// source lines it reads (4 floats per row) stay in L1; rows-outermost rewrote every destination line
// rows/4 times and cost 2x for the dense-sparse input (32 x 2028).
// NOTE: a last group of 1-3 columns still goes through 4x4 blocks, storing only its rows (it reads up
// to 3 floats past a source row: every caller's source has room, the arena keeps 64 bytes of slack).
export function transpose(src: usize, srcRow: usize, dst: usize, dstRow: usize, rows: i32, cols: i32): void {
  if (cols == 1 && srcRow == 4) { memory.copy(dst, src, <usize>rows << 2); return; }
  if (ASC_FEATURE_SIMD) {
    for (let j = 0; j < cols; j += 4) {
      const s = src + (<usize>j << 2), d = dst + <usize>j * dstRow, n = cols - j;
      let i = 0;
      for (; i + 4 <= rows; i += 4) {
        const si = s + <usize>i * srcRow, di = d + (<usize>i << 2);
        const r0 = v128.load(si), r1 = v128.load(si + srcRow), r2 = v128.load(si + 2 * srcRow), r3 = v128.load(si + 3 * srcRow);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        v128.store(di, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        if (n > 1) v128.store(di + dstRow, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        if (n > 2) v128.store(di + 2 * dstRow, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        if (n > 3) v128.store(di + 3 * dstRow, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
      }
      for (; i < rows; i++) {
        const r = v128.load(s + <usize>i * srcRow), di = d + (<usize>i << 2);
        v128.store32_lane(di, r, 0);
        if (n > 1) v128.store32_lane(di + dstRow, r, 1);
        if (n > 2) v128.store32_lane(di + 2 * dstRow, r, 2);
        if (n > 3) v128.store32_lane(di + 3 * dstRow, r, 3);
      }
    }
  } else {
    for (let j = 0; j < cols; j++) {
      const s = src + (<usize>j << 2), d = dst + <usize>j * dstRow;
      for (let i = 0; i < rows; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + <usize>i * srcRow));
    }
  }
}
