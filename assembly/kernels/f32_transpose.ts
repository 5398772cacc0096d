// dst[j][i] = src[i][j] for a rows x cols f32 block with byte row strides: the layout change between
// NHWC pixels and CHW planes used by the sparse kernels. 4x4 blocks go through f32x4 shuffles.
// Tested through f32_conv2d_sparse / f32_dense_sparse (test/runtime/kernels.test.ts).

export function transpose(src: usize, srcRow: usize, dst: usize, dstRow: usize, rows: i32, cols: i32): void {
  if (cols == 1 && srcRow == 4) { memory.copy(dst, src, <usize>rows << 2); return; }
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= rows; i += 4) {
      const s = src + <usize>i * srcRow, d = dst + (<usize>i << 2);
      let j = 0;
      for (; j + 4 <= cols; j += 4) {
        const sj = s + (<usize>j << 2), dj = d + <usize>j * dstRow;
        const r0 = v128.load(sj), r1 = v128.load(sj + srcRow), r2 = v128.load(sj + 2 * srcRow), r3 = v128.load(sj + 3 * srcRow);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        v128.store(dj, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(dj + dstRow, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        v128.store(dj + 2 * dstRow, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        v128.store(dj + 3 * dstRow, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
      }
      for (; j < cols; j++) {
        const sj = s + (<usize>j << 2), dj = d + <usize>j * dstRow;
        store<f32>(dj, load<f32>(sj)); store<f32>(dj, load<f32>(sj + srcRow), 4);
        store<f32>(dj, load<f32>(sj + 2 * srcRow), 8); store<f32>(dj, load<f32>(sj + 3 * srcRow), 12);
      }
    }
  }
  for (; i < rows; i++) {
    const s = src + <usize>i * srcRow, d = dst + (<usize>i << 2);
    for (let j = 0; j < cols; j++) store<f32>(d + <usize>j * dstRow, load<f32>(s + (<usize>j << 2)));
  }
}
