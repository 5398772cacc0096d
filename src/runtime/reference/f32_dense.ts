// Reference twin of the WASM kernel f32_dense (assembly/kernels/f32_dense.ts): the plain triple loop
// over the Keras layout, accumulated in f64. Slow on purpose: it is the spec.

/** y[m][n] = x[m][k] . kernel[k][n] + bias[n], then max(0, .) when relu. */
export function f32_dense(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number>, y: Float32Array, m: number, k: number, n: number, relu: boolean): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias[j];
      for (let t = 0; t < k; t++) s += x[i * k + t] * kernel[t * n + j];
      y[i * n + j] = relu ? Math.max(0, s) : s;
    }
  }
}
