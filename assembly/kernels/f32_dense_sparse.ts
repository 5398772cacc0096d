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
    if (!(flags & 2)) {
      if (ASC_FEATURE_SIMD && rows == 32) toPlanes(at, <usize>k << 2, scratch, k);
      else transpose(at, <usize>k << 2, scratch, 128, rows, k);
    }
    sparseChannels(flags & 2 ? at : scratch, w, tmp, 128, n, rows, (flags & 1) != 0);
    transpose(tmp, 128, y + (<usize>(m0 * n) << 2), <usize>n << 2, n, rows);
  }
}

/**
 * A full block of 32 rows (srcRow bytes apart) to planes [k][32]: what transpose does, with the stores at
 * constant offsets from one pointer (the planes' rows are 128 bytes): 4% faster on the seed's 32 x 2028.
 */
function toPlanes(src: usize, srcRow: usize, dst: usize, k: i32): void {
  const r2 = srcRow << 1, r3 = r2 + srcRow, r4 = srcRow << 2, k4 = k & ~3;
  for (let j = 0; j < k4; j += 4, src += 16, dst += 512) {
    let s = src, d = dst;
    for (let i = 0; i < 8; i++, s += r4, d += 16) {
      const a = v128.load(s), b = v128.load(s + srcRow), c = v128.load(s + r2), e = v128.load(s + r3);
      const t0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(c, e, 0, 4, 1, 5), t3 = v128.shuffle<f32>(c, e, 2, 6, 3, 7);
      v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 128);
      v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 256);
      v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 384);
    }
  }
  if (k4 < k) transpose(src, srcRow, dst, 128, 32, k - k4);
}
