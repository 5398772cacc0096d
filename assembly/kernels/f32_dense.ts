// f32_dense: y[m][n] = x[m][k] . W[k][n] + b, optionally ReLU. Runs as a 1x1 conv over a 1 x m image
// (see f32_conv_core.ts); weights packed by packDense (src/runtime/packing/f32.ts).
// Reference twin: src/runtime/reference/f32_dense.ts. Tests: test/runtime/kernels.test.ts.
import { convNhwc } from './f32_conv_core';

export function f32_dense(x: usize, w: usize, y: usize, m: i32, k: i32, n: i32, relu: i32): void {
  convNhwc(x, w, y, 0, 1, 1, m, k, n, 1, 1, 1, 1, 0, 0, 1, m, relu != 0, false);
}
