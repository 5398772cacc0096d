import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { ConfigError } from '../../src/errors.js';
import type { Callback } from '../../src/model/callbacks.js';
import { conv2d, dense, flatten, maxPool2d, reshape, type Dense } from '../../src/model/layers.js';
import { Sequential } from '../../src/model/sequential.js';
import { fit } from '../../src/model/train.js';
import { isPrunedMByN, keptCount } from '../../src/prune/mask.js';
import type { MaskUpdate } from '../../src/prune/pruning_state.js';
import { constantSparsity, polynomialDecay } from '../../src/prune/schedule.js';
import { isPruningWrapped, pruneLowMagnitude, pruningStateOf, pruningSummary, stripPruning, updatePruningStep } from '../../src/prune/wrap.js';
import { blobs } from '../helpers/blobs.js';


/** conv2d [3,3,1,4] (1 input channel), conv2d_1 [3,3,4,4], dense [64,4]. */
const smallCnn = (seed = 1) => new Sequential(
  [reshape([8, 8, 1]), conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), maxPool2d(), flatten(), dense({ units: 4 })],
  { inputShape: [8, 8], seed },
);

/** A base model trained a little, so magnitudes mean something and ties are unlikely. */
function trainedBase(data: Dataset): Sequential {
  const m = smallCnn();
  fit(m, data, { epochs: 2, batchSize: 16, seed: 1 });
  return m;
}

const data = blobs(208, 3); // 13 batches of 16
const base = trainedBase(data);
const kernel = (m: Sequential, layer: string) => m.params.find((p) => p.layer === layer && p.name === 'kernel')!;
const bias = (m: Sequential, layer: string) => m.params.find((p) => p.layer === layer && p.name === 'bias')!;
const zeros = (a: Float32Array) => a.reduce((c, v) => c + (v === 0 ? 1 : 0), 0);

/** Counts entries that are pruned (mask 0) but not exactly 0, over each pruned kernel's arrays. */
function prunedNonzeros(m: Sequential, pick: (p: ReturnType<typeof kernel>) => Float32Array): number {
  const state = pruningStateOf(m)!;
  let c = 0;
  state.tensors.forEach((t, i) => {
    const a = pick(kernel(m, t.name.split('/')[0]));
    state.masks[i].forEach((keep, j) => { if (keep === 0 && a[j] !== 0) c++; });
  });
  return c;
}

describe('pruneLowMagnitude + updatePruningStep through fit()', () => {
  it('steps and updates masks exactly when the schedule says, to the schedule\'s kept counts', () => {
    const schedule = polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 30, frequency: 10 });
    const p = pruneLowMagnitude(base, { schedule });
    expect(pruningStateOf(p)!.step).toBe(-1);
    const updates: MaskUpdate[] = [];
    const steps: number[] = [];
    const probe: Callback = { onBatchBegin: (_b, ctx) => steps.push(pruningStateOf(ctx.model)!.step - ctx.step) };
    fit(p, data, { epochs: 3, batchSize: 16, seed: 2, callbacks: [updatePruningStep({ onMaskUpdate: (u) => updates.push(u) }), probe] });
    // the first batch is step 1, and the step tracks fit's batch counter
    expect(steps).toHaveLength(39);
    expect(new Set(steps)).toEqual(new Set([0]));
    expect(pruningStateOf(p)!.step).toBe(39);
    // begin 0 never updates at step 0; nothing after endStep
    expect(updates.map((u) => u.step)).toEqual([10, 20, 30]);
    const sizes = [36, 144, 256];
    for (const u of updates) {
      expect(u.sparsity).toBe(schedule(u.step).sparsity);
      expect(u.kept).toEqual(sizes.map((n) => keptCount(n, u.sparsity)));
    }
    // a second fit resumes the step (tfmot: a step already >= 0 is kept at train begin)
    fit(p, data, { epochs: 1, batchSize: 16, seed: 3, callbacks: [updatePruningStep({ onMaskUpdate: (u) => updates.push(u) })] });
    expect(pruningStateOf(p)!.step).toBe(52);
    expect(updates).toHaveLength(3);
  });

  it('leaves the original model alone and starts from its weights', () => {
    const before = base.store.values.slice();
    const p = pruneLowMagnitude(base, { schedule: constantSparsity({ targetSparsity: 0.5, beginStep: 0, frequency: 1 }) });
    expect(p).not.toBe(base);
    expect(p.store.values).toEqual(before);
    fit(p, data, { epochs: 1, batchSize: 16, callbacks: [updatePruningStep()] });
    expect(base.store.values).toEqual(before);
    expect(isPruningWrapped(base)).toBe(false);
    expect(isPruningWrapped(p)).toBe(true);
  });

  it('applies the mask before every training forward; tfmot lets Adam move pruned weights in between', () => {
    const p = pruneLowMagnitude(base, { schedule: polynomialDecay({ initialSparsity: 0.3, finalSparsity: 0.7, beginStep: 2, endStep: 22, frequency: 5 }) });
    const layer = p.layers.find((l) => l.name === 'dense') as Dense;
    const state = pruningStateOf(p)!;
    const t = state.tensors.findIndex((x) => x.name === 'dense/kernel');
    let forwards = 0;
    let unmasked = 0;
    let forwardStep = -1;
    const read = layer.kernelForForward.bind(layer);
    layer.kernelForForward = () => {
      const k = read();
      if (state.step !== forwardStep) { // the forward of a new batch (backward reads the kernel again)
        forwardStep = state.step;
        forwards++;
        state.masks[t].forEach((keep, j) => { if (keep === 0 && k[j] !== 0) unmasked++; });
      }
      return k;
    };
    let regrown = 0;
    let epochEndDirty = 0;
    const probe: Callback = {
      onBatchEnd: () => { regrown += prunedNonzeros(p, (q) => q.value); },
      onEpochEnd: () => { epochEndDirty += prunedNonzeros(p, (q) => q.value); },
    };
    fit(p, data, { epochs: 2, batchSize: 16, seed: 4, callbacks: [updatePruningStep(), probe] });
    expect(forwards).toBe(26);
    expect(unmasked).toBe(0);
    expect(regrown).toBeGreaterThan(0); // so the re-masking above had work to do
    expect(epochEndDirty).toBe(0); // onEpochEnd re-masks after the last Adam step
    expect(prunedNonzeros(p, (q) => q.value)).toBe(0);
  });

  it('never prunes biases, and prunes only the listed layers', () => {
    const p = pruneLowMagnitude(base, { schedule: constantSparsity({ targetSparsity: 0.9, beginStep: 1, frequency: 1 }), layers: ['dense'] });
    expect(pruningStateOf(p)!.tensors.map((t) => t.name)).toEqual(['dense/kernel']);
    fit(p, data, { epochs: 1, batchSize: 16, callbacks: [updatePruningStep()] });
    for (const layer of ['conv2d', 'conv2d_1', 'dense']) expect(zeros(bias(p, layer).value)).toBe(0);
    expect(zeros(kernel(p, 'conv2d').value)).toBe(0);
    expect(zeros(kernel(p, 'conv2d_1').value)).toBe(0);
    expect(kernel(p, 'dense').size - zeros(kernel(p, 'dense').value)).toBe(keptCount(256, 0.9));
  });

  it('stripPruning returns a plain model with exact zeros at the final sparsity and the same outputs', () => {
    const p = pruneLowMagnitude(base, { schedule: polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 20, frequency: 10 }) });
    fit(p, data, { epochs: 2, batchSize: 16, seed: 5, callbacks: [updatePruningStep()] });
    const s = stripPruning(p);
    expect(isPruningWrapped(s)).toBe(false);
    expect(s.layers.map((l) => l.name)).toEqual(p.layers.map((l) => l.name));
    const report = pruningSummary(s);
    expect(report.kernels.map((r) => [r.name, r.nonzeros])).toEqual([
      ['conv2d/kernel', keptCount(36, 0.8)],
      ['conv2d_1/kernel', keptCount(144, 0.8)],
      ['dense/kernel', keptCount(256, 0.8)],
    ]);
    expect(s.predict(data.images)).toEqual(p.predict(data.images));
    // the copy shares nothing: training it does not touch the pruned model
    const before = p.store.values.slice();
    fit(s, data, { epochs: 1, batchSize: 16 });
    expect(p.store.values).toEqual(before);
    expect(zeros(kernel(s, 'dense').value)).toBeLessThan(256 - keptCount(256, 0.8));
  });

  it('bakes in the mask even when the last Adam step moved the weights (strip re-masks)', () => {
    const p = pruneLowMagnitude(base, { schedule: constantSparsity({ targetSparsity: 0.6, beginStep: 1, frequency: 100 }) });
    // onEpochEnd left out: after the last batch pruned weights are tiny, not zero
    const step = updatePruningStep();
    fit(p, data, { epochs: 1, batchSize: 16, callbacks: [{ onTrainBegin: step.onTrainBegin, onBatchBegin: step.onBatchBegin }] });
    expect(prunedNonzeros(p, (q) => q.value)).toBeGreaterThan(0);
    const report = pruningSummary(stripPruning(p));
    expect(report.kernels.map((r) => r.nonzeros)).toEqual([36, 144, 256].map((n) => keptCount(n, 0.6)));
  });

  it('maskGradients keeps pruned weights and both Adam moments at exactly 0 for the whole fine-tune', () => {
    const p = pruneLowMagnitude(base, { schedule: polynomialDecay({ initialSparsity: 0.2, finalSparsity: 0.8, beginStep: 1, endStep: 31, frequency: 6 }), maskGradients: true });
    const state = pruningStateOf(p)!;
    let dirty = 0;
    let batches = 0;
    let revived = 0;
    let prev = state.masks.map((m) => m.slice());
    const probe: Callback = {
      onBatchEnd: () => {
        batches++;
        dirty += prunedNonzeros(p, (q) => q.value) + prunedNonzeros(p, (q) => q.m) + prunedNonzeros(p, (q) => q.v);
        state.masks.forEach((m, t) => m.forEach((keep, j) => { if (keep === 1 && prev[t][j] === 0) revived++; }));
        prev = state.masks.map((m) => m.slice());
      },
    };
    const updates: number[] = [];
    fit(p, data, { epochs: 3, batchSize: 16, seed: 6, callbacks: [updatePruningStep({ onMaskUpdate: (u) => updates.push(u.step) }), probe] });
    expect(updates).toEqual([1, 7, 13, 19, 25, 31]);
    expect(batches).toBe(39);
    expect(dirty).toBe(0);
    expect(revived).toBe(0);
    expect(pruningSummary(p).kernels.map((r) => r.nonzeros)).toEqual([36, 144, 256].map((n) => keptCount(n, 0.8)));
  });

  it('block sparsity on the Dense kernel: whole 4x1 blocks are zero, counted in blocks', () => {
    const p = pruneLowMagnitude(base, { schedule: constantSparsity({ targetSparsity: 0.75, beginStep: 0, frequency: 5 }), blockSize: [4, 1], blockPooling: 'MAX', layers: ['dense'] });
    fit(p, data, { epochs: 1, batchSize: 16, callbacks: [updatePruningStep()] });
    const k = kernel(p, 'dense').value; // [64, 4]
    let keptBlocks = 0;
    for (let bi = 0; bi < 16; bi++) {
      for (let o = 0; o < 4; o++) {
        const block = [0, 1, 2, 3].map((r) => k[(bi * 4 + r) * 4 + o]);
        const nz = block.filter((v) => v !== 0).length;
        expect(nz === 0 || nz === 4).toBe(true);
        if (nz === 4) keptBlocks++;
      }
    }
    expect(keptBlocks).toBe(keptCount(64, 0.75));
  });

  it('2:4 sparsity along input channels, mask fixed at step 1, first conv left out', () => {
    const p = pruneLowMagnitude(base, { sparsityMByN: [2, 4], layers: ['conv2d_1', 'dense'] });
    const updates: number[] = [];
    fit(p, data, { epochs: 2, batchSize: 16, callbacks: [updatePruningStep({ onMaskUpdate: (u) => updates.push(u.step) })] });
    expect(updates).toEqual([1]);
    expect(isPrunedMByN(kernel(p, 'conv2d_1').value, [3, 3, 4, 4], [2, 4])).toBe(true);
    expect(isPrunedMByN(kernel(p, 'dense').value, [64, 4], [2, 4])).toBe(true);
    const rows = pruningSummary(stripPruning(p)).kernels;
    expect(rows.map((r) => r.sparsity)).toEqual([0, 0.5, 0.5]);
  });

  it('checks options before training, with tfmot-like errors that say how to fix them', () => {
    expect(() => pruneLowMagnitude(base, { blockSize: [1, 4] })).toThrow(/Block Sparsity can only be used for layers which have 2-dimensional weights.*layers: \['dense'\]/);
    expect(() => pruneLowMagnitude(base, { sparsityMByN: [2, 4] })).toThrow(/'conv2d\/kernel' has only 1.*layers: \['conv2d_1', 'dense'\]/);
    expect(() => pruneLowMagnitude(base, { blockPooling: 'MIN' as 'MAX', layers: ['dense'] })).toThrow(/Unsupported pooling type 'MIN'/);
    expect(() => pruneLowMagnitude(base, { layers: ['dense_9'] })).toThrow(/no layer 'dense_9'/);
    expect(() => pruneLowMagnitude(base, { layers: ['maxpool2d'] })).toThrow(/'maxpool2d' has no kernel to prune.*'conv2d', 'conv2d_1', 'dense'/);
    expect(() => pruneLowMagnitude(base, { layers: [] })).toThrow(ConfigError);
    expect(() => pruneLowMagnitude(base, { sparsity: 0.8 } as object)).toThrow(/unknown option 'sparsity'/);
    expect(() => pruneLowMagnitude(base, { schedule: (() => ({ prune: true, sparsity: 0.5 })) as never })).toThrow(/polynomialDecay/);
    expect(() => polynomialDecay({ initialSparsity: 0.5, finalSparsity: 1, beginStep: 0, endStep: 10 })).toThrow(/\[0,1\)/);
    const p = pruneLowMagnitude(base);
    expect(() => pruneLowMagnitude(p)).toThrow(/already pruning-wrapped/);
    expect(() => fit(base, data, { callbacks: [updatePruningStep()] })).toThrow(/no pruning wrapper/);
    // tfmot: "Prune() wrapper requires the UpdatePruningStep callback"; refused before any weight moves
    const before = p.store.values.slice();
    expect(() => fit(p, data, { epochs: 1 })).toThrow(/requires the UpdatePruningStep callback.*updatePruningStep\(\)/);
    expect(() => fit(p, data, { epochs: 1, callbacks: [{ onBatchBegin: () => {} }] })).toThrow(ConfigError);
    expect(p.store.values).toEqual(before);
    const flat = new Sequential([flatten()], { inputShape: [8, 8] });
    expect(() => pruneLowMagnitude(flat)).toThrow(/no Conv2D or Dense/);
  });

  it('defaults to tfmot\'s ConstantSparsity(0.5, begin 0, every 100 steps)', () => {
    const p = pruneLowMagnitude(base);
    const cfg = pruningStateOf(p)!.schedule.config;
    expect(cfg).toEqual({ kind: 'constantSparsity', targetSparsity: 0.5, beginStep: 0, endStep: -1, frequency: 100 });
  });
});
