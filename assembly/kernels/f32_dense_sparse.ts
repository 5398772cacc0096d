// f32_dense_sparse: y[m][n] = x[m][k] . W + b (optionally ReLU) with W's nonzeros stored per output
// column (packDenseSparse). Rows go in blocks of 32: the block is transposed to planes xT[k][32], each
// output column runs the sparse engine (f32_sparse_core.ts) over the block as a 1 x 32 image, and
// the [n][32] result is transposed back. Offsets are k * 128 bytes, so the packing fits any batch.
// Scratch (denseSparseScratchBytes): [k][32] f32 + SLACK, then [n][32] f32.
// Reference twin: src/runtime/reference/f32_dense_sparse.ts. Tests: test/runtime/kernels.test.ts.
import { SLACK, sparseImage } from './f32_sparse_core';
import { transpose } from './f32_transpose';

/** Rows per block; the byte stride of one xT plane is BLOCK * 4 (packDenseSparse uses the same). */
const BLOCK: i32 = 32;

export function f32_dense_sparse(x: usize, w: usize, y: usize, m: i32, k: i32, n: i32, relu: i32, scratch: usize): void {
  const tmp = scratch + ((<usize>(k * BLOCK + SLACK) << 2) + 15 & ~15);
  for (let m0 = 0; m0 < m; m0 += BLOCK) {
    const rows = min(BLOCK, m - m0);
    transpose(x + (<usize>(m0 * k) << 2), <usize>k << 2, scratch, <usize>BLOCK << 2, rows, k);
    sparseImage(scratch, 0, w, tmp, n, 1, rows, relu != 0);
    transpose(tmp, <usize>rows << 2, y + (<usize>(m0 * n) << 2), <usize>n << 2, n, rows);
  }
}
