import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { isPrunedMByN } from '../../src/prune/mask.js';
import { PruningState, type PrunableTensor } from '../../src/prune/pruning_state.js';
import { constantSparsity, polynomialDecay } from '../../src/prune/schedule.js';

// The tutorial's kernels: Conv2D(12, 3x3) on 1 channel, Dense(10) on 13*13*12 = 2028 features.
const KERNELS: PrunableTensor[] = [
  { name: 'conv2d/kernel', shape: [3, 3, 1, 12] },
  { name: 'dense/kernel', shape: [2028, 10] },
];

function randomWeights(tensors: readonly PrunableTensor[], rng: Rng): Float32Array[] {
  return tensors.map((t) => new Float32Array(t.shape.reduce((a, b) => a * b, 1)).map(() => rng.uniform(-0.3, 0.3)));
}

const nonzeros = (w: Float32Array) => w.reduce((c, v) => c + (v !== 0 ? 1 : 0), 0);

/** A tiny Adam (Keras defaults) so optimizer state exists without the engine. */
class TinyAdam {
  t = 0;
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  constructor(weights: Float32Array[], readonly lr = 1e-3) {
    this.m = weights.map((w) => new Float32Array(w.length));
    this.v = weights.map((w) => new Float32Array(w.length));
  }
  step(weights: Float32Array[], grads: Float32Array[]): void {
    this.t++;
    const b1 = 0.9, b2 = 0.999, eps = 1e-7;
    const lrT = this.lr * Math.sqrt(1 - b2 ** this.t) / (1 - b1 ** this.t);
    weights.forEach((w, p) => {
      const g = grads[p], m = this.m[p], v = this.v[p];
      for (let i = 0; i < w.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= lrT * m[i] / (Math.sqrt(v[i]) + eps);
      }
    });
  }
}

/** Pruned entries of `arrays` that are not 0. */
function prunedNonzeros(state: PruningState, arrays: readonly Float32Array[]): number {
  let c = 0;
  for (let t = 0; t < arrays.length; t++) {
    const m = state.masks[t], a = arrays[t];
    for (let i = 0; i < a.length; i++) if (m[i] === 0 && a[i] !== 0) c++;
  }
  return c;
}

/**
 * Runs `epochs` x `stepsPerEpoch` batches the way the training loop will, with random gradients.
 * Returns the mask updates and how many pruned weights the forward saw non-zero (must be 0).
 */
function simulate(state: PruningState, weights: Float32Array[], epochs: number, stepsPerEpoch: number, seed: number, onStep?: (step: number, adam: TinyAdam) => void) {
  const rng = new Rng(seed);
  const adam = new TinyAdam(weights);
  const updates: Array<{ step: number; kept: number[] }> = [];
  let leaks = 0;
  state.onTrainBegin();
  for (let e = 0; e < epochs; e++) {
    for (let b = 0; b < stepsPerEpoch; b++) {
      const u = state.beforeBatch(weights);
      if (u) updates.push({ step: u.step, kept: u.kept });
      leaks += prunedNonzeros(state, weights); // the forward runs here: it must see only kept weights
      const grads = weights.map((w) => {
        const g = new Float32Array(w.length);
        for (let i = 0; i < g.length; i++) g[i] = rng.next() * 2 - 1;
        return g;
      });
      state.afterBackward(grads, [adam.m, adam.v]);
      adam.step(weights, grads);
      onStep?.(state.step, adam);
    }
    state.onEpochEnd(weights);
  }
  return { updates, leaks };
}

describe('PruningState step counter', () => {
  it('is -1 until training begins, 0 at train begin, and 1 at the first batch', () => {
    const state = new PruningState(KERNELS);
    const w = randomWeights(KERNELS, new Rng(1));
    expect(state.step).toBe(-1);
    expect(() => state.beforeBatch(w)).toThrow(ConfigError);
    expect(() => state.beforeBatch(w)).toThrow(/requires the UpdatePruningStep callback/);
    expect(state.step).toBe(-1);
    state.onTrainBegin();
    expect(state.step).toBe(0);
    state.beforeBatch(w);
    expect(state.step).toBe(1);
    state.onTrainBegin(); // a second fit() resumes, like tfmot's restored step
    expect(state.step).toBe(1);
  });

  it("uses tfmot's default schedule, constantSparsity(0.5, begin 0, every 100 steps)", () => {
    const state = new PruningState(KERNELS);
    const w = randomWeights(KERNELS, new Rng(2));
    state.onTrainBegin();
    const updates: number[] = [];
    for (let i = 0; i < 250; i++) if (state.beforeBatch(w)) updates.push(state.step);
    expect(updates).toEqual([100, 200]);
    expect(state.keptCounts()).toEqual([54, 10140]);
  });
});

describe("PruningState on tfmot's tutorial run (2 epochs x 422 steps, 0.5 -> 0.8)", () => {
  const schedule = polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 844 });

  it('updates at steps 100..800 with the expected kept counts, and ends 22 of 108 and 4,057 of 20,280', () => {
    const state = new PruningState(KERNELS, { schedule });
    const weights = randomWeights(KERNELS, new Rng(3));
    let regrew = false; // tfmot: the optimizer moves pruned weights between batches
    const { updates, leaks } = simulate(state, weights, 2, 422, 4, (step) => {
      if (step > 100 && prunedNonzeros(state, weights) > 0) regrew = true;
    });
    expect(leaks).toBe(0);
    expect(updates.map((u) => u.step)).toEqual([100, 200, 300, 400, 500, 600, 700, 800]);
    expect(updates.map((u) => u.kept[0])).toEqual([44, 36, 30, 26, 24, 22, 22, 22]);
    expect(updates.map((u) => u.kept[1])).toEqual([8224, 6759, 5685, 4942, 4468, 4203, 4086, 4057]);
    expect(regrew).toBe(true);
    // onEpochEnd re-zeroed them: the stored weights hold exactly the kept counts
    expect(weights.map(nonzeros)).toEqual([22, 4057]);
    expect(state.step).toBe(844);
    expect(state.thresholds.every((t) => t > 0)).toBe(true);
  });

  it('with maskGradients, keeps pruned weights and their Adam moments at exactly 0, so masks only shrink', () => {
    const state = new PruningState(KERNELS, { schedule, maskGradients: true });
    const weights = randomWeights(KERNELS, new Rng(3));
    let previous = state.masks.map((m) => m.slice());
    let moved = 0, regrown = 0;
    const { updates, leaks } = simulate(state, weights, 2, 422, 4, (step, adam) => {
      // right after the optimizer step: pruned weights and their moments are still 0
      moved += prunedNonzeros(state, weights) + prunedNonzeros(state, adam.m) + prunedNonzeros(state, adam.v);
      if (step % 100 === 0) {
        state.masks.forEach((m, t) => { for (let i = 0; i < m.length; i++) if (m[i] && !previous[t][i]) regrown++; });
        previous = state.masks.map((m) => m.slice());
      }
    });
    expect([leaks, moved, regrown]).toEqual([0, 0, 0]);
    expect(updates.map((u) => u.kept)).toEqual([
      [44, 8224], [36, 6759], [30, 5685], [26, 4942], [24, 4468], [22, 4203], [22, 4086], [22, 4057],
    ]);
    expect(weights.map(nonzeros)).toEqual([22, 4057]);
  });

  it('leaves gradients alone without maskGradients (tfmot behaviour)', () => {
    const state = new PruningState(KERNELS, { schedule: constantSparsity({ targetSparsity: 0.9, beginStep: 1 }) });
    const w = randomWeights(KERNELS, new Rng(5));
    state.onTrainBegin();
    state.beforeBatch(w);
    const grads = w.map((x) => x.map(() => 1));
    state.afterBackward(grads);
    expect(grads.map(nonzeros)).toEqual([108, 20280]);
  });
});

describe('PruningState with m:n sparsity', () => {
  const tensors: PrunableTensor[] = [
    { name: 'conv2d_1/kernel', shape: [3, 3, 8, 16] },
    { name: 'dense/kernel', shape: [64, 10] },
  ];

  it('computes the mask once, at step 1, whatever the schedule says', () => {
    const schedule = constantSparsity({ targetSparsity: 0.9, beginStep: 0, frequency: 1 });
    const state = new PruningState(tensors, { schedule, sparsityMByN: [2, 4] });
    const weights = randomWeights(tensors, new Rng(6));
    const { updates, leaks } = simulate(state, weights, 1, 30, 7);
    expect(leaks).toBe(0);
    expect(updates.map((u) => u.step)).toEqual([1]);
    expect(updates[0].kept).toEqual([3 * 3 * 8 * 16 / 2, 64 * 10 / 2]);
    expect(state.thresholds.every(Number.isNaN)).toBe(true);
    tensors.forEach((t, i) => expect(isPrunedMByN(weights[i], t.shape, [2, 4])).toBe(true));
  });

  it('rejects the first conv of an MNIST model (1 input channel) when it is built', () => {
    expect(() => new PruningState(KERNELS, { sparsityMByN: [2, 4] })).toThrow(ConfigError);
    expect(() => new PruningState(KERNELS, { sparsityMByN: [2, 4] })).toThrow(/'conv2d\/kernel' has only 1/);
  });
});

describe('PruningState with blocks', () => {
  it('prunes whole 1x4 tiles of a Dense kernel, and rejects blocks on a conv kernel when built', () => {
    const dense: PrunableTensor[] = [{ name: 'dense/kernel', shape: [2028, 10] }];
    expect(() => new PruningState(KERNELS, { blockSize: [1, 4] })).toThrow(/2-dimensional weights/);
    const state = new PruningState(dense, { blockSize: [4, 1], schedule: constantSparsity({ targetSparsity: 0.75, beginStep: 1 }) });
    const w = randomWeights(dense, new Rng(8));
    state.onTrainBegin();
    expect(state.beforeBatch(w)?.kept).toEqual([4 * keptBlocks(507 * 10, 0.75)]);
    for (let r = 0; r < 2028; r += 4) for (let c = 0; c < 10; c++) {
      const tile = [0, 1, 2, 3].map((d) => w[0][(r + d) * 10 + c] === 0);
      expect(new Set(tile).size).toBe(1);
    }
  });
  const keptBlocks = (n: number, s: number) => Math.round(n * (1 - s));
});

describe('PruningState checks and checkpoints', () => {
  it('rejects wrong weight lists and duplicate names with typed errors', () => {
    const state = new PruningState(KERNELS);
    state.onTrainBegin();
    expect(() => state.beforeBatch([new Float32Array(108)])).toThrow(ShapeError);
    expect(() => state.onEpochEnd([new Float32Array(108), new Float32Array(20279)])).toThrow(/'dense\/kernel' has 20279 values, expected 20280/);
    expect(() => new PruningState([KERNELS[0], KERNELS[0]])).toThrow(ConfigError);
    expect(() => new PruningState([{ name: 'k', shape: [0, 3] }])).toThrow(ShapeError);
  });

  it('resumes from a snapshot exactly where it left off', () => {
    const schedule = polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 400, frequency: 50 });
    const a = new PruningState(KERNELS, { schedule });
    const wa = randomWeights(KERNELS, new Rng(9));
    a.onTrainBegin();
    for (let i = 0; i < 120; i++) a.beforeBatch(wa);
    const b = new PruningState(KERNELS, { schedule });
    b.restore(a.snapshot());
    const wb = wa.map((w) => w.slice());
    b.onTrainBegin(); // keeps step 120
    for (let i = 0; i < 100; i++) {
      expect(b.beforeBatch(wb)).toEqual(a.beforeBatch(wa));
    }
    expect(b.masks).toEqual(a.masks);
    expect(b.step).toBe(220);
    expect(() => b.restore({ step: 3, masks: [new Uint8Array(108)], thresholds: [0] })).toThrow(ShapeError);
  });
});
