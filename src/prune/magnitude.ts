// Magnitude masks for one weight tensor, as tfmot's pruning_impl.py::_update_mask (per tensor, never
// global). A mask is a Uint8Array of 0/1 in the weight's own (Keras) layout; 1 = kept.
//
//   k         = max(roundHalfEven(float32(n) * (1 - s)), 1)      (float32, tf.math.round)
//   threshold = k-th largest |w|
//   mask      = |w| >= threshold                                  (every tie at the threshold is kept)
//
// tfmot also ORs in one_hot(top_k index k-1); for finite weights that element is >= threshold anyway, so
// the OR changes nothing here (NaN weights are rejected instead of masked).

import { ConfigError, TopiaryError } from '../errors.js';

export interface MaskResult {
  mask: Uint8Array;
  /** The k-th largest |w| (in pooled units for block masks); NaN for m:n masks, which have none. */
  threshold: number;
}

/** tf.math.round: halves go to the even neighbour (2.5 -> 2, 3.5 -> 4). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // halves up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Number of weights a magnitude mask keeps: tfmot's k, computed in float32. */
export function keptCount(n: number, sparsity: number): number {
  const f = Math.fround;
  return Math.max(roundHalfEven(f(f(n) * f(1 - sparsity))), 1);
}

/** The unstructured magnitude mask of a flat tensor at the given sparsity. */
export function magnitudeMask(values: Float32Array, sparsity: number, name = 'weights'): MaskResult {
  const n = values.length;
  if (n === 0) throw new ConfigError('PRUNE_EMPTY', `cannot prune '${name}': it has no elements`);
  checkSparsity(sparsity, name);
  const abs = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      throw new TopiaryError('NAN_WEIGHT', `'${name}' has a NaN weight at index ${i}, so no magnitude threshold exists: training diverged; lower the learning rate or restart from a checkpoint`);
    }
    abs[i] = Math.abs(v);
  }
  const k = keptCount(n, sparsity);
  const sorted = abs.slice().sort(); // ascending; the k-th largest sits at n - k
  const threshold = sorted[n - k];
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = abs[i] >= threshold ? 1 : 0;
  return { mask, threshold };
}

export function checkSparsity(sparsity: number, name: string): void {
  if (!(sparsity >= 0 && sparsity < 1)) {
    throw new ConfigError('PRUNE_SPARSITY', `cannot prune '${name}' to sparsity ${sparsity}: it must be in range [0,1)`);
  }
}

