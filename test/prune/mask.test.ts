import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { ConfigError, ShapeError, TopiaryError } from '../../src/errors.js';
import { applyMask, computeMask, countKept, factorizedPool, isPrunedMByN, keptCount, magnitudeMask, mByNMask, roundHalfEven, validateMaskOptions } from '../../src/prune/mask.js';
import { polynomialDecay } from '../../src/prune/schedule.js';

/** Distinct |w|: a shuffled ramp with random signs and jitter smaller than the ramp step. */
function distinctWeights(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const order = rng.permutation(n);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = (rng.next() < 0.5 ? -1 : 1) * (order[i] + 1 + 0.25 * rng.next()) / n;
  expect(new Set(Array.from(w, Math.abs)).size).toBe(n);
  return w;
}

/** Obviously-correct reference: order indices by |w| desc (lower index first), keep the first k and every tie. */
function referenceMask(w: Float32Array, s: number): Uint8Array {
  const idx = Array.from(w, (_, i) => i).sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]) || a - b);
  const k = keptCount(w.length, s);
  const threshold = Math.abs(w[idx[k - 1]]);
  const mask = new Uint8Array(w.length);
  for (let i = 0; i < w.length; i++) if (Math.abs(w[i]) >= threshold || i === idx[k - 1]) mask[i] = 1;
  return mask;
}

const tutorialSparsities = (() => {
  const s = polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 844 });
  return [100, 200, 300, 400, 500, 600, 700, 800].map((t) => s(t).sparsity);
})();

describe('keptCount and roundHalfEven', () => {
  it('rounds halves to even, like tf.math.round', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3]);
  });

  it('keeps round(n * (1 - s)) with halves to even, and at least one weight', () => {
    expect(keptCount(10, 0.75)).toBe(2); // 2.5 -> 2
    expect(keptCount(6, 0.75)).toBe(2); // 1.5 -> 2
    expect(keptCount(10, 0.99)).toBe(1); // 0.1 -> 0 -> at least 1
    expect(keptCount(10, 0)).toBe(10);
  });

  it("reproduces the tutorial's kept counts for the 3x3x1x12 conv and 2028x10 dense kernels", () => {
    expect(tutorialSparsities.map((s) => keptCount(108, s))).toEqual([44, 36, 30, 26, 24, 22, 22, 22]);
    expect(tutorialSparsities.map((s) => keptCount(20280, s))).toEqual([8224, 6759, 5685, 4942, 4468, 4203, 4086, 4057]);
  });
});

describe('magnitudeMask', () => {
  it('keeps exactly k weights when |w| are distinct: 22 of 108 and 4,057 of 20,280 at the end of the tutorial', () => {
    const conv = distinctWeights(108, 1);
    const dense = distinctWeights(20280, 2);
    const convKept = tutorialSparsities.map((s) => countKept(magnitudeMask(conv, s).mask));
    const denseKept = tutorialSparsities.map((s) => countKept(magnitudeMask(dense, s).mask));
    expect(convKept).toEqual([44, 36, 30, 26, 24, 22, 22, 22]);
    expect(denseKept).toEqual([8224, 6759, 5685, 4942, 4468, 4203, 4086, 4057]);
  });

  it('keeps the largest magnitudes, and reports the k-th largest |w| as threshold', () => {
    const w = new Float32Array([0.3, -0.9, 0.05, -0.4, 0.7]);
    const { mask, threshold } = magnitudeMask(w, 0.4); // k = 3
    expect(Array.from(mask)).toEqual([0, 1, 0, 1, 1]);
    expect(threshold).toBe(Math.fround(0.4));
  });

  it('keeps every weight tied at the threshold, so it may keep more than k', () => {
    const w = new Float32Array([0.1, 0.5, -0.5, 0.5, 0.9]);
    const { mask, threshold } = magnitudeMask(w, 0.6); // k = 2, 2nd largest = 0.5, three of them
    expect(threshold).toBe(0.5);
    expect(Array.from(mask)).toEqual([0, 1, 1, 1, 1]);
    // already-zeroed weights tie at threshold 0: all kept, sparsity cannot grow past them
    const zeros = new Float32Array([0, 0, 0, 0, 1, 2]);
    expect(countKept(magnitudeMask(zeros, 0.5).mask)).toBe(6);
  });

  it('keeps everything at s = 0 (zeros included) and one weight at s close to 1', () => {
    const w = new Float32Array([0, -1, 2, 0, 3]);
    expect(Array.from(magnitudeMask(w, 0).mask)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(magnitudeMask(w, 0.95).mask)).toEqual([0, 0, 0, 0, 1]);
  });

  it('matches the sort-based reference on random tensors with many ties', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 200; t++) {
      const n = 1 + rng.int(60);
      const w = new Float32Array(n);
      for (let i = 0; i < n; i++) w[i] = (rng.int(7) - 3) / 4; // few distinct magnitudes, zeros included
      const s = rng.int(100) / 100;
      expect(magnitudeMask(w, s).mask).toEqual(referenceMask(w, s));
    }
  });

  it('rejects NaN weights and bad sparsities with typed errors', () => {
    expect(() => magnitudeMask(new Float32Array([1, NaN]), 0.5, 'dense/kernel')).toThrow(TopiaryError);
    expect(() => magnitudeMask(new Float32Array([1, NaN]), 0.5, 'dense/kernel')).toThrow(/'dense\/kernel' has a NaN weight at index 1/);
    expect(() => magnitudeMask(new Float32Array([1, 2]), 1)).toThrow(ConfigError);
    expect(() => magnitudeMask(new Float32Array(0), 0.5)).toThrow(ConfigError);
  });
});

describe('block masks (rank-2 kernels)', () => {
  // 4x4 kernel, 2x2 blocks:  AVG scores [[2.25, 1], [2, 0.75]]   MAX scores [[9, 1], [2, 3]]
  const w = new Float32Array([
    9, 0, 1, 1,
    0, 0, 1, 1,
    2, 2, 0, 0,
    2, 2, 0, 3,
  ]);
  const expand = (blocks: number[][]) => {
    const m: number[] = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) m.push(blocks[i >> 1][j >> 1]);
    return m;
  };

  it('pools |w| per block (AVG or MAX) and counts k in blocks', () => {
    expect(Array.from(factorizedPool(w, [4, 4], [2, 2], 'AVG'))).toEqual([2.25, 1, 2, 0.75]);
    expect(Array.from(factorizedPool(w, [4, 4], [2, 2], 'MAX'))).toEqual([9, 1, 2, 3]);
    const avg = computeMask(w, [4, 4], 0.5, { blockSize: [2, 2] }); // AVG is the default
    expect(Array.from(avg.mask)).toEqual(expand([[1, 0], [1, 0]]));
    expect(avg.threshold).toBe(2);
    const max = computeMask(w, [4, 4], 0.5, { blockSize: [2, 2], blockPooling: 'MAX' });
    expect(Array.from(max.mask)).toEqual(expand([[1, 0], [0, 1]]));
    expect(max.threshold).toBe(3);
  });

  it('makes 1x4 and 4x1 tiles of whole zeros', () => {
    const rng = new Rng(3);
    const x = new Float32Array(8 * 12).map(() => rng.normal());
    for (const [bh, bw] of [[1, 4], [4, 1]] as const) {
      const { mask } = computeMask(x, [8, 12], 0.75, { blockSize: [bh, bw] });
      expect(countKept(mask)).toBe(8 * 12 / 4); // 24 blocks, k = 6 kept, no ties
      for (let i = 0; i < 8; i += bh) for (let j = 0; j < 12; j += bw) {
        const first = mask[i * 12 + j];
        for (let a = 0; a < bh; a++) for (let b = 0; b < bw; b++) expect(mask[(i + a) * 12 + j + b]).toBe(first);
      }
    }
  });

  it("pads SAME like TF when the shape is not a multiple of the block: windows start floor(pad/2) early", () => {
    // rows 5, block 4: two windows, pad 3, one row before -> windows {0,1,2} and {3,4}; the mask expands as {0..3}, {4}
    const col = new Float32Array([1, 1, 1, 10, 1]);
    expect(Array.from(factorizedPool(col, [5, 1], [4, 1], 'AVG'))).toEqual([1, 5.5]);
    expect(Array.from(factorizedPool(col, [5, 1], [4, 1], 'MAX'))).toEqual([1, 10]);
    expect(Array.from(computeMask(col, [5, 1], 0.5, { blockSize: [4, 1] }).mask)).toEqual([0, 0, 0, 0, 1]);
    // columns 3, block 2: pad 1 goes after -> windows {0,1}, {2}; AVG divides by in-range count only
    expect(Array.from(factorizedPool(new Float32Array([1, 3, 5]), [1, 3], [1, 2], 'AVG'))).toEqual([2, 5]);
  });

  it('rejects blocks on non-2-D kernels and unknown pooling, like tfmot', () => {
    const conv = new Float32Array(3 * 3 * 1 * 12);
    expect(() => computeMask(conv, [3, 3, 1, 12], 0.5, { blockSize: [1, 4] }, 'conv2d/kernel')).toThrow(ConfigError);
    expect(() => computeMask(conv, [3, 3, 1, 12], 0.5, { blockSize: [1, 4] })).toThrow(/Block Sparsity can only be used for layers which have 2-dimensional weights/);
    expect(() => validateMaskOptions([4, 4], { blockPooling: 'SUM' as 'AVG' })).toThrow(/Unsupported pooling type 'SUM'. Should be 'AVG' or 'MAX'/);
    expect(() => validateMaskOptions([4, 4], { blockSize: [0, 4] })).toThrow(ConfigError);
    expect(() => validateMaskOptions([4, 4], { blockSize: [1, 4], sparsityMByN: [2, 4] })).toThrow(/not both/);
  });
});

describe('m:n masks', () => {
  /** tfmot's own route, written out: rearrange to [rows, cin], mask groups, put back. */
  function referenceMByN(x: Float32Array, shape: number[], m: number, n: number): Uint8Array {
    const [kh, kw, cin, cout] = shape.length === 2 ? [1, 1, shape[0], shape[1]] : shape;
    const at = (y: number, xx: number, ci: number, o: number) => ((y * kw + xx) * cin + ci) * cout + o;
    const mask = new Uint8Array(x.length);
    for (let o = 0; o < cout; o++) for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) {
      const row = Array.from({ length: cin }, (_, ci) => at(y, xx, ci, o)); // row (o, y, x) of [cout*kh*kw, cin]
      for (let g = 0; g < cin; g += n) {
        const group = row.slice(g, g + n).map((idx, j) => ({ idx, j }));
        while (group.length < n) group.push({ idx: -1, j: group.length }); // zero padding
        const mag = (e: { idx: number }) => (e.idx < 0 ? 0 : Math.abs(x[e.idx]));
        group.sort((a, b) => mag(b) - mag(a) || a.j - b.j);
        for (const e of group.slice(0, n - m)) if (e.idx >= 0) mask[e.idx] = 1;
      }
    }
    return mask;
  }

  it('keeps the 2 largest of every 4 consecutive inputs of a Dense kernel, per output', () => {
    // Dense [in 4, out 2]: output 0 sees [1, -4, 3, 2], output 1 sees [8, 7, -6, 5]
    const w = new Float32Array([1, 8, -4, 7, 3, -6, 2, 5]);
    const mask = mByNMask(w, [4, 2], [2, 4]);
    expect(Array.from(mask)).toEqual([0, 1, 1, 1, 1, 0, 0, 0]);
    expect(computeMask(w, [4, 2], 0.1, { sparsityMByN: [2, 4] }).threshold).toBeNaN();
  });

  it('breaks ties toward the lower input channel and keeps a short last group up to n - m', () => {
    const ties = new Float32Array([0.5, -0.5, 0.5, 0.5]); // Dense [4, 1]
    expect(Array.from(mByNMask(ties, [4, 1], [2, 4]))).toEqual([1, 1, 0, 0]);
    // in = 6: groups {0..3} and {4, 5}; the short group keeps both of its 2
    const w = new Float32Array([1, 2, 3, 4, 0.1, 0.2]);
    expect(Array.from(mByNMask(w, [6, 1], [2, 4]))).toEqual([0, 0, 1, 1, 1, 1]);
  });

  it("matches tfmot's rearrange-mask-restore route on Conv2D and Dense kernels", () => {
    const rng = new Rng(11);
    for (const [shape, m, n] of [[[3, 3, 8, 5], 2, 4], [[2, 1, 6, 3], 1, 4], [[10, 7], 2, 4], [[9, 4], 3, 8]] as const) {
      const size = shape.reduce((a: number, b: number) => a * b, 1);
      const w = new Float32Array(size).map(() => Math.round(rng.normal() * 4) / 4); // ties on purpose
      const mask = mByNMask(w, shape, [m, n]);
      expect(mask).toEqual(referenceMByN(w, [...shape], m, n));
      const masked = w.slice();
      applyMask(masked, mask);
      expect(isPrunedMByN(masked, shape, [m, n])).toBe(true);
    }
  });

  it('detects kernels that are not m:n sparse', () => {
    const w = new Float32Array([1, 2, 3, 0, 5, 6, 0, 0]); // Dense [8, 1]: first group has 3 non-zeros
    expect(isPrunedMByN(w, [8, 1], [2, 4])).toBe(false);
    expect(isPrunedMByN(w, [8, 1], [1, 4])).toBe(true);
  });

  it('rejects a conv with fewer input channels than n, and bad patterns', () => {
    const conv = new Float32Array(108);
    expect(() => mByNMask(conv, [3, 3, 1, 12], [2, 4], 'conv2d/kernel')).toThrow(ConfigError);
    expect(() => mByNMask(conv, [3, 3, 1, 12], [2, 4], 'conv2d/kernel')).toThrow(/'conv2d\/kernel' has only 1/);
    expect(() => mByNMask(new Float32Array(8), [8, 1], [4, 4])).toThrow(/smaller than n/);
    expect(() => mByNMask(new Float32Array(8), [8, 1], [1.5, 4])).toThrow(/2 integers/);
    expect(() => mByNMask(new Float32Array(8), [2, 2, 2], [2, 4])).toThrow(/Dense \[in, out\] or Conv2D/);
  });
});

describe('applyMask and computeMask checks', () => {
  it('writes +0 where the mask is 0, even for -x and Infinity', () => {
    const w = new Float32Array([-3, Infinity, 2]);
    applyMask(w, new Uint8Array([0, 0, 1]));
    expect(Object.is(w[0], 0)).toBe(true);
    expect(Array.from(w)).toEqual([0, 0, 2]);
    expect(() => applyMask(w, new Uint8Array(2))).toThrow(ShapeError);
  });

  it('rejects values that do not fill the shape', () => {
    expect(() => computeMask(new Float32Array(5), [2, 3], 0.5)).toThrow(ShapeError);
  });
});
