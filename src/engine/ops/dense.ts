// dense: y[n,o] = b[o] + sum_i x[n,i] * w[i,o], Keras kernel layout [in, out]. Forward and backward.

export interface DenseGeometry { inF: number; outF: number }

export function denseForward(x: Float32Array, w: Float32Array, b: Float32Array, y: Float32Array, batch: number, g: DenseGeometry): void {
  const { inF, outF } = g;
  for (let n = 0; n < batch; n++) {
    const yo = n * outF;
    for (let o = 0; o < outF; o++) y[yo + o] = b[o];
    const xo = n * inF;
    for (let i = 0; i < inF; i++) {
      const xv = x[xo + i];
      if (xv === 0) continue;
      const wo = i * outF;
      for (let o = 0; o < outF; o++) y[yo + o] += xv * w[wo + o];
    }
  }
}

/** Adds dL/dw and dL/db into dw, db; writes dL/dx into dx unless it is null. */
export function denseBackward(
  x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array | null, dw: Float32Array, db: Float32Array,
  batch: number, g: DenseGeometry,
): void {
  const { inF, outF } = g;
  for (let n = 0; n < batch; n++) {
    const yo = n * outF;
    const xo = n * inF;
    for (let o = 0; o < outF; o++) db[o] += dy[yo + o];
    for (let i = 0; i < inF; i++) {
      const xv = x[xo + i];
      const wo = i * outF;
      let s = 0;
      for (let o = 0; o < outF; o++) {
        const d = dy[yo + o];
        dw[wo + o] += xv * d;
        s += w[wo + o] * d;
      }
      if (dx) dx[xo + i] = s;
    }
  }
}
