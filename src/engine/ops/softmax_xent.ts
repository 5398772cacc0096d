// Sparse softmax cross-entropy from logits, fused forward + backward (numerically stable: shift by
// the row max). Returns the mean loss over the batch and writes dL/dlogits = (softmax - onehot) / batch.

export function softmaxCrossEntropy(
  logits: Float32Array, labels: ArrayLike<number>, dLogits: Float32Array | null, batch: number, classes: number,
): { loss: number; correct: number } {
  let loss = 0;
  let correct = 0;
  for (let n = 0; n < batch; n++) {
    const o = n * classes;
    let max = -Infinity;
    let arg = 0;
    for (let k = 0; k < classes; k++) if (logits[o + k] > max) { max = logits[o + k]; arg = k; }
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[o + k] - max);
    const label = labels[n];
    loss += Math.log(sum) - (logits[o + label] - max);
    if (arg === label) correct++;
    if (dLogits) {
      for (let k = 0; k < classes; k++) {
        const p = Math.exp(logits[o + k] - max) / sum;
        dLogits[o + k] = (p - (k === label ? 1 : 0)) / batch;
      }
    }
  }
  return { loss: loss / batch, correct };
}

/** Index of the largest logit of each row. */
export function argmaxRows(logits: Float32Array, batch: number, classes: number, out: Uint8Array | Int32Array): void {
  for (let n = 0; n < batch; n++) {
    const o = n * classes;
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[o + k] > logits[o + best]) best = k;
    out[n] = best;
  }
}
