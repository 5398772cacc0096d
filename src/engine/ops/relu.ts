// relu and its gradient. Layers fuse it (Keras' activation='relu'); the backward reads the output:
// y > 0 exactly where x > 0.

export function reluForward(x: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

/** dx = dy where y > 0, else 0 (dx may alias dy). */
export function reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}
