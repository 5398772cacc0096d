// Block masks for rank-2 kernels, as tfmot's _maybe_update_block_mask with pruning_utils'
// factorized_pool and expand_tensor:
//   pooled = pool(|w|, window = block, stride = block, padding SAME)   [ceil(H/bh), ceil(W/bw)]
//   mask   = magnitude mask of `pooled` (k counts blocks), expanded by ones(bh, bw), sliced to [H, W]
// A kept block keeps all its weights, so the zeros come in whole bh x bw tiles aligned to (0, 0), the
// shape sparse kernels want. When H or W is not a multiple of the block, SAME padding puts
// floor(pad / 2) before the first window, so an edge block's score may come from a window shifted
// against the expanded mask; tfmot does the same, and the mask stays tile-aligned either way.

import { magnitudeMask, type MaskResult } from './magnitude.js';

export function blockMask(values: Float32Array, shape: readonly number[], sparsity: number, blockSize: readonly [number, number], pooling: 'AVG' | 'MAX', name = 'weights'): MaskResult {
  const [h, w] = shape;
  const [bh, bw] = blockSize;
  const abs = new Float32Array(values.length);
  for (let i = 0; i < abs.length; i++) abs[i] = Math.abs(values[i]);
  const pooled = factorizedPool(abs, [h, w], blockSize, pooling);
  const pw = Math.ceil(w / bw);
  const { mask: blocks, threshold } = magnitudeMask(pooled, sparsity, `${name} (${bh}x${bw} blocks)`);
  const mask = new Uint8Array(h * w);
  for (let i = 0; i < h; i++) {
    const bi = Math.floor(i / bh);
    for (let j = 0; j < w; j++) mask[i * w + j] = blocks[bi * pw + Math.floor(j / bw)];
  }
  return { mask, threshold };
}

/**
 * bh x bw pooling of a row-major [h, w] matrix with stride = window and SAME padding, done as tfmot does:
 * pool along rows (window bh), then along columns (window bw). AVG divides by the number of in-range
 * elements (TF's SAME average ignores padding); sums are float32, in index order. Returns [ceil(h/bh), ceil(w/bw)].
 */
export function factorizedPool(x: Float32Array, [h, w]: readonly [number, number], [bh, bw]: readonly [number, number], pooling: 'AVG' | 'MAX'): Float32Array {
  const rows = sameWindows(h, bh);
  const cols = sameWindows(w, bw);
  // Pass 1: along dim 0, [h, w] -> [ph, w]
  const mid = new Float32Array(rows.length * w);
  for (let r = 0; r < rows.length; r++) {
    const [lo, hi] = rows[r];
    for (let j = 0; j < w; j++) mid[r * w + j] = pool1d(x, lo * w + j, hi - lo, w, pooling);
  }
  // Pass 2: along dim 1, [ph, w] -> [ph, pw]
  const out = new Float32Array(rows.length * cols.length);
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < cols.length; c++) {
      const [lo, hi] = cols[c];
      out[r * cols.length + c] = pool1d(mid, r * w + lo, hi - lo, 1, pooling);
    }
  }
  return out;
}

/** In-range [lo, hi) of each window for SAME padding with stride = window (TF's GetWindowedOutputSize). */
function sameWindows(length: number, window: number): Array<[number, number]> {
  const count = Math.ceil(length / window);
  const padBefore = Math.floor((count * window - length) / 2);
  const out: Array<[number, number]> = [];
  for (let o = 0; o < count; o++) {
    const start = o * window - padBefore;
    out.push([Math.max(start, 0), Math.min(start + window, length)]);
  }
  return out;
}

function pool1d(x: Float32Array, start: number, count: number, stride: number, pooling: 'AVG' | 'MAX'): number {
  if (pooling === 'MAX') {
    let m = -Infinity;
    for (let i = 0; i < count; i++) m = Math.max(m, x[start + i * stride]);
    return m;
  }
  let s = 0;
  for (let i = 0; i < count; i++) s = Math.fround(s + x[start + i * stride]);
  return Math.fround(s / count);
}
