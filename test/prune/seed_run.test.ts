// The seed run (issue 4): the baseline pruned 0.5 -> 0.8 while fine-tuning, then stripped. Both models
// are cached on disk (.cache/topiary), so a fresh CI run trains them once and later runs load them.
import { beforeAll, describe, expect, it } from 'vitest';
import { take } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { defaultEngineBackend } from '../../src/engine/backend_default.js';
import { keptCount } from '../../src/prune/mask.js';
import { isPruningWrapped, pruningSummary } from '../../src/prune/wrap.js';
import { trainBaseline } from '../../src/recipes/baseline.js';
import { fineTunePruned, pruneSchedule, SEED_PRUNING, trainPruned, type PruneRun } from '../../src/recipes/pruned.js';

const { train, test } = loadMnist();

describe('seed run: baseline -> prune to 80% -> strip', () => {
  let run: PruneRun;
  beforeAll(() => {
    run = trainPruned(train, SEED_PRUNING, { backend: defaultEngineBackend() });
  });

  it('leaves every kernel at 80% sparsity (as exactly as the k formula allows) and no bias pruned', () => {
    expect(isPruningWrapped(run.model)).toBe(false);
    const report = pruningSummary(run.model);
    expect(report.kernels.map((k) => k.name)).toEqual(['conv2d/kernel', 'dense/kernel']);
    for (const k of report.kernels) {
      expect(k.nonzeros).toBe(keptCount(k.size, 0.8));
      // within 0.1 point, or half a weight for a kernel too small to get closer (conv: 22/108 kept = 79.63%)
      expect(Math.abs(k.sparsity - 0.8)).toBeLessThanOrEqual(Math.max(0.001, 0.5 / k.size));
    }
    for (const p of run.model.params.filter((q) => q.name === 'bias')) expect(p.value.every((v) => v !== 0)).toBe(true);
  });

  it('keeps test accuracy within 0.5 points of the baseline', () => {
    const baseline = run.baseline.evaluate(test).accuracy;
    const pruned = run.model.evaluate(test).accuracy;
    expect(baseline).toBeGreaterThan(0.9); // a trained baseline, not a broken one
    expect(pruned).toBeGreaterThanOrEqual(baseline - 0.005);
  });

  it('is reproducible: the same seed gives identical weights, another seed different ones (short run)', () => {
    const backend = defaultEngineBackend();
    const { model: baseline } = trainBaseline(train, undefined, { backend });
    const few = take(train, Array.from({ length: 640 }, (_, i) => i));
    const short = { ...SEED_PRUNING, epochs: 2, frequency: 10 }; // 18 steps per epoch at batch 32
    const once = (seed: number) => fineTunePruned(baseline, few, { ...short, seed });
    const a = once(7);
    const b = once(7);
    expect(a.updates.map((u) => u.step)).toEqual([10]);
    expect(b.model.store.values).toEqual(a.model.store.values);
    expect(once(8).model.store.values).not.toEqual(a.model.store.values);
  });

  it('rejects a recipe whose schedule would end before its first mask update', () => {
    expect(() => pruneSchedule({ ...SEED_PRUNING, frequency: 100 }, 90)).toThrow(/before the first mask update at step 100/);
    expect(() => pruneSchedule({ ...SEED_PRUNING, scheduleEnd: 0 }, 1000)).toThrow(/scheduleEnd/);
    expect(pruneSchedule({ ...SEED_PRUNING, scheduleEnd: 0.5 }, 4500).config).toMatchObject({ beginStep: 0, endStep: 2200, frequency: 100 });
  });
});
