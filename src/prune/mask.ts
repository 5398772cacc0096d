// The mask of one weight tensor, by option: unstructured magnitude (magnitude.ts, tfmot's default),
// blocks of a rank-2 kernel (mask_block.ts), or m:n along input channels (mask_m_by_n.ts).
// A mask is a Uint8Array of 0/1 in the weight's own Keras layout; 1 = kept.

import { ConfigError, ShapeError } from '../errors.js';
import { magnitudeMask, type MaskResult } from './magnitude.js';
import { blockMask } from './mask_block.js';
import { mByNMask, validateMByN } from './mask_m_by_n.js';

export { keptCount, magnitudeMask, roundHalfEven, type MaskResult } from './magnitude.js';
export { blockMask, factorizedPool } from './mask_block.js';
export { isPrunedMByN, mByNMask } from './mask_m_by_n.js';

export type BlockPooling = 'AVG' | 'MAX';

/** How a tensor is pruned. Defaults match tfmot's prune_low_magnitude. */
export interface MaskOptions {
  /** [bh, bw] blocks scored as one unit, for rank-2 kernels only (tfmot default [1, 1] = no blocks). */
  blockSize?: readonly [number, number];
  /** How a block's |w| are pooled into its score (tfmot default 'AVG'). */
  blockPooling?: BlockPooling;
  /** [m, n]: m zeros in every n consecutive input channels, e.g. [2, 4]; the sparsity target is ignored. */
  sparsityMByN?: readonly [number, number] | null;
}

/**
 * The mask of one weight tensor under the given options: m:n if set, else blocks if not [1, 1],
 * else unstructured. `shape` is the Keras shape (Conv2D [kh, kw, cin, cout], Dense [in, out]).
 */
export function computeMask(values: Float32Array, shape: readonly number[], sparsity: number, options: MaskOptions = {}, name = 'weights'): MaskResult {
  checkValuesMatchShape(values, shape, name);
  validateMaskOptions(shape, options, name);
  if (options.sparsityMByN) return { mask: mByNMask(values, shape, options.sparsityMByN, name), threshold: NaN };
  const [bh, bw] = options.blockSize ?? [1, 1];
  if (bh === 1 && bw === 1) return magnitudeMask(values, sparsity, name);
  return blockMask(values, shape, sparsity, [bh, bw], options.blockPooling ?? 'AVG', name);
}

/** Throws a ConfigError if these options cannot prune a tensor of this shape (call it before training). */
export function validateMaskOptions(shape: readonly number[], options: MaskOptions, name = 'weights'): void {
  const { blockSize = [1, 1], blockPooling = 'AVG', sparsityMByN = null } = options;
  if (blockPooling !== 'AVG' && blockPooling !== 'MAX') {
    throw new ConfigError('PRUNE_POOLING', `Unsupported pooling type '${String(blockPooling)}'. Should be 'AVG' or 'MAX'.`);
  }
  if (blockSize.length !== 2 || !blockSize.every((b) => Number.isSafeInteger(b) && b >= 1)) {
    throw new ConfigError('PRUNE_BLOCK', `blockSize must be two positive integers [height, width], got [${blockSize.join(', ')}]; [1, 1] prunes single weights`);
  }
  const blocked = blockSize[0] !== 1 || blockSize[1] !== 1;
  if (sparsityMByN) {
    if (blocked) throw new ConfigError('PRUNE_BLOCK', `'${name}': use either sparsityMByN or blockSize, not both; m:n sparsity already fixes the pattern`);
    validateMByN(shape, sparsityMByN, name);
  }
  if (blocked && shape.length !== 2) {
    throw new ConfigError('PRUNE_BLOCK', `Block Sparsity can only be used for layers which have 2-dimensional weights: '${name}' has shape [${shape.join(', ')}]; use blockSize [1, 1] for it, or prune only Dense layers with blocks`);
  }
}

/** w <- w * mask, writing an exact +0 where the mask is 0 (a multiply would leave -0, or NaN for Infinity). */
export function applyMask(values: Float32Array, mask: Uint8Array): void {
  if (values.length !== mask.length) {
    throw new ShapeError('PRUNE_MASK_SIZE', `mask has ${mask.length} entries but the tensor has ${values.length}; masks must be recomputed after a layer changes shape`);
  }
  for (let i = 0; i < values.length; i++) if (mask[i] === 0) values[i] = 0;
}

/** Number of ones in a mask. */
export function countKept(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i];
  return c;
}

function checkValuesMatchShape(values: Float32Array, shape: readonly number[], name: string): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) {
    throw new ShapeError('PRUNE_SHAPE', `'${name}' has ${values.length} values but shape [${shape.join(', ')}] holds ${size}; pass the tensor's own shape`);
  }
}
