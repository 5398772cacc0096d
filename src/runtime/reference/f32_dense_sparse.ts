// Reference twin of the WASM kernel f32_dense_sparse: a zero weight contributes nothing, so the spec
// is the dense product of the Keras kernel with its zeros (reference/f32_dense.ts).
import { f32_dense } from './f32_dense.js';

/** y[m][n] = x[m][k] . kernel[k][n] + bias[n] (kernel mostly zeros), then max(0, .) when relu. */
export function f32_dense_sparse(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number>, y: Float32Array, m: number, k: number, n: number, relu: boolean): void {
  f32_dense(x, kernel, bias, y, m, k, n, relu);
}
