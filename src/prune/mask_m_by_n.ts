// m:n structured masks (e.g. 2:4): m zeros in every n consecutive input channels, as tfmot's
// pruning_utils.weights_rearrange + generate_m_by_n_mask. Groups follow TFLite's weight layout, where
// the input channel is the innermost axis:
//   Dense  [in, out]            -> rows = out,              groups of n consecutive `in`
//   Conv2D [kh, kw, cin, cout]  -> rows = cout * kh * kw,   groups of n consecutive `cin`
// Each group keeps its n - m largest |w|; ties go to the lower channel (tf.math.top_k). A last, shorter
// group is padded with zeros by tfmot, which never beat a real weight, so it keeps min(n - m, its length).
// The sparsity schedule plays no part: the pattern fixes the sparsity at m / n.

import { ConfigError, TopiaryError } from '../errors.js';

/** Throws a ConfigError if [m, n] is not a valid pattern or cannot prune a tensor of this shape. */
export function validateMByN(shape: readonly number[], mByN: readonly number[], name = 'weights'): void {
  if (mByN.length !== 2 || !mByN.every((v) => Number.isSafeInteger(v))) {
    throw new ConfigError('PRUNE_M_BY_N', `The sparsityMByN argument must be a tuple/list of 2 integers [m, n], received: [${mByN.join(', ')}]`);
  }
  const [m, n] = mByN;
  if (!(m >= 0 && m < n)) {
    throw new ConfigError('PRUNE_M_BY_N', `Argument sparsityMByN received [${m}, ${n}]: m (zeros per group) must be >= 0 and smaller than n (group length), e.g. [2, 4]`);
  }
  if (shape.length !== 2 && shape.length !== 4) {
    throw new ConfigError('PRUNE_M_BY_N', `m:n sparsity needs a Dense [in, out] or Conv2D [kh, kw, cin, cout] kernel; '${name}' has shape [${shape.join(', ')}]`);
  }
  const cin = groupAxis(shape).cin;
  if (cin < n) {
    throw new ConfigError('PRUNE_M_BY_N', `m:n sparsity ${m}:${n} groups ${n} input channels, but '${name}' has only ${cin} (a first Conv2D on 1-channel images cannot be m:n-pruned); leave this layer unpruned or prune it without sparsityMByN`);
  }
}

/** The m:n mask of a Keras-layout kernel. */
export function mByNMask(values: Float32Array, shape: readonly number[], mByN: readonly number[], name = 'weights'): Uint8Array {
  validateMByN(shape, mByN, name);
  const [m, n] = mByN;
  const keep = n - m;
  const { spatial, cin, cout } = groupAxis(shape);
  const mask = new Uint8Array(values.length);
  const group: number[] = [];
  // a row is (spatial s, output o); element (s, ci, o) sits at (s * cin + ci) * cout + o in Keras layout
  for (let s = 0; s < spatial; s++) {
    for (let o = 0; o < cout; o++) {
      for (let c0 = 0; c0 < cin; c0 += n) {
        group.length = 0;
        for (let ci = c0; ci < Math.min(c0 + n, cin); ci++) {
          const idx = (s * cin + ci) * cout + o;
          if (Number.isNaN(values[idx])) {
            throw new TopiaryError('NAN_WEIGHT', `'${name}' has a NaN weight at index ${idx}, so no m:n mask exists: training diverged; lower the learning rate or restart from a checkpoint`);
          }
          group.push(idx);
        }
        // stable sort: equal magnitudes keep channel order, so the lower channel wins a tie
        group.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
        for (let t = 0; t < Math.min(keep, group.length); t++) mask[group[t]] = 1;
      }
    }
  }
  return mask;
}

/** True if every group of n consecutive input channels holds at most n - m non-zeros (tfmot's is_pruned_m_by_n, C_OUT layout). */
export function isPrunedMByN(values: Float32Array, shape: readonly number[], mByN: readonly [number, number]): boolean {
  const [m, n] = mByN;
  validateMByN(shape, mByN);
  const { spatial, cin, cout } = groupAxis(shape);
  for (let s = 0; s < spatial; s++) {
    for (let o = 0; o < cout; o++) {
      for (let c0 = 0; c0 < cin; c0 += n) {
        let nz = 0;
        for (let ci = c0; ci < Math.min(c0 + n, cin); ci++) if (values[(s * cin + ci) * cout + o] !== 0) nz++;
        if (nz > n - m) return false;
      }
    }
  }
  return true;
}

/** Dense [in, out] is a 1x1 "conv": spatial 1, cin = in, cout = out. */
function groupAxis(shape: readonly number[]): { spatial: number; cin: number; cout: number } {
  if (shape.length === 2) return { spatial: 1, cin: shape[0], cout: shape[1] };
  return { spatial: shape[0] * shape[1], cin: shape[2], cout: shape[3] };
}
