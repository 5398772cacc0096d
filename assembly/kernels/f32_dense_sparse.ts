// f32_dense_sparse: y[m][n] = x[m][k] . W + b (optionally ReLU) with W's nonzeros stored per output
// column (packDenseSparse). Rows go in blocks of 32: the block is transposed to planes xT[k][32], the
// sparse engine (f32_sparse_core.ts) computes each output column over the block's rows, and the
// [n][32] result is transposed back. Offsets are k * 128 bytes, so the packing fits any batch. With
// flags & 2 (DENSE_IN_MINOR) x already is those planes, [m / 32 rounded up][k][32] (a sparse conv's
// CONV_OUT_MINOR output): no transpose in. flags & 1: ReLU.
// Scratch (denseSparseScratchBytes): [k][32] f32 + 32 floats, then [n][32] f32.
// Reference twin: src/runtime/reference/f32_dense_sparse.ts. Tests: test/runtime/kernels.test.ts.
import { sparseChannels } from './f32_sparse_core';
import { transpose } from './f32_transpose';

export function f32_dense_sparse(x: usize, w: usize, y: usize, m: i32, k: i32, n: i32, flags: i32, scratch: usize): void {
  const tmp = scratch + ((<usize>(k + 1) << 7) + 15 & ~15);
  for (let m0 = 0; m0 < m; m0 += 32) {
    const rows = min(32, m - m0), at = x + (<usize>(m0 * k) << 2);
    if (!(flags & 2)) transpose(at, <usize>k << 2, scratch, 128, rows, k);
    sparseChannels(flags & 2 ? at : scratch, w, tmp, 128, n, rows, (flags & 1) != 0);
    transpose(tmp, 128, y + (<usize>(m0 * n) << 2), <usize>n << 2, n, rows);
  }
}
