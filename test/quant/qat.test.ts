import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { referenceBackend } from '../../src/engine/backend.js';
import { ConfigError } from '../../src/errors.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.js';
import { conv2d, dense, flatten, layerFromConfig, maxPool2d, relu, reshape } from '../../src/model/layers.js';
import { cloneModel, Sequential } from '../../src/model/sequential.js';
import { fit } from '../../src/model/train.js';
import { constantSparsity } from '../../src/prune/schedule.js';
import { pruneLowMagnitude, pruningStateOf, pruningSummary, updatePruningStep } from '../../src/prune/wrap.js';
import { fakeQuant, fakeQuantGrad, fakeQuantPerChannel, nudge } from '../../src/quant/fake_quant.js';
import { MovingAverageObserver } from '../../src/quant/observers.js';
import { qatState, quantizeModel, restoreQatState, toQuantizedModel, type QatModel } from '../../src/quant/qat.js';
import { FakeQuantLayer, KernelQuantizer, QatConv2D, QatDense, type QatContext } from '../../src/quant/qat_layers.js';
import { integerForward } from '../../src/quant/quantized_model.js';
import { channelAbsMax } from '../../src/quant/scheme.js';
import { blobs as blobsOf } from '../helpers/blobs.js';

const blobs = (n: number, seed: number) => blobsOf(n, seed, { noise: 0.6, blob: [0.5, 1] });

/** The seed CNN's structure at toy size: [8,8] -> conv 3x3 (6, relu) -> pool -> flatten 54 -> dense 4. */
const smallCnn = (seed = 1) => new Sequential(
  [reshape([8, 8, 1]), conv2d({ filters: 6, kernelSize: 3, activation: 'relu' }), maxPool2d(), flatten(), dense({ units: 4 })],
  { inputShape: [8, 8], seed },
);

const data = blobs(320, 3);
const test = blobs(400, 4);
const float = smallCnn();
fit(float, data, { epochs: 3, batchSize: 16, seed: 1 });

const kernelOf = (m: Sequential, layer: string) => m.params.find((p) => p.layer === layer && p.name === 'kernel')!;
const layerNamed = <T>(m: Sequential, name: string) => m.layers.find((l) => l.name === name) as T;
const json = (m: QatModel) => JSON.stringify(qatState(m));
const zerosAt = (a: Float32Array | Int8Array) => [...a.keys()].filter((i) => a[i] === 0);

function argmax(v: Float32Array, off: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
  return best;
}

/** Puts samples [start, start + n) of `d` in the model's input buffer; returns their labels. */
function load(m: Sequential, d: Dataset, start: number, n: number): Uint8Array {
  m.inputBuffer(n).set(d.images.subarray(start * 64, (start + n) * 64));
  return d.labels.slice(start, start + n);
}

describe('quantizeModel: where tfmot puts the fake quants', () => {
  it('input first, each Conv2D/Dense output after its activation; pool/reshape/flatten pass through', () => {
    const q = quantizeModel(float);
    expect(q.layers.map((l) => `${l.name}:${l.config.type}`)).toEqual([
      'input_quant:fake_quant', 'reshape:reshape', 'conv2d:conv2d', 'conv2d_quant:fake_quant', 'maxpool2d:maxpool2d', 'flatten:flatten', 'dense:dense', 'dense_quant:fake_quant',
    ]);
    expect(Array.from(q.store.values)).toEqual(Array.from(float.store.values));
    expect(layerNamed<QatConv2D>(q, 'conv2d').weights.channels).toBe(6); // per output channel
    expect(layerNamed<QatDense>(q, 'dense').weights.channels).toBe(1); // tfmot QAT: per tensor
    expect(layerNamed<QatDense>(quantizeModel(float, { denseWeights: 'per_channel' }), 'dense').weights.channels).toBe(4);
  });

  it('a ReLU layer after a linear conv gets the fake quant after it, never between the two', () => {
    const m = new Sequential([reshape([8, 8, 1]), conv2d({ filters: 2, kernelSize: 3 }), relu(), flatten(), dense({ units: 4 })], { inputShape: [8, 8], seed: 2 });
    const q = quantizeModel(m, { initFromFirstBatch: true });
    expect(q.layers.map((l) => l.name)).toEqual(['input_quant', 'reshape', 'conv2d', 'relu', 'relu_quant', 'flatten', 'dense', 'dense_quant']);
    q.lossAndGradients(load(q, data, 0, 16), 16);
    expect(layerNamed<FakeQuantLayer>(q, 'relu_quant').observer.range().min).toBe(0); // it saw post-ReLU values only
    const qm = toQuantizedModel(q);
    expect(qm.layers.map((l) => l.kind)).toEqual(['quantize', 'reshape', 'conv2d', 'reshape', 'dense', 'dequantize']);
    expect(qm.layers[2].kind === 'conv2d' && qm.layers[2].activation).toBe('relu');
  });

  it('observes the activations after the ReLU: one tfmot step from [-6, 6] moves min by 0.001 * 6', () => {
    const q = quantizeModel(float);
    q.lossAndGradients(load(q, data, 0, 16), 16);
    const conv = layerNamed<FakeQuantLayer>(q, 'conv2d_quant').observer.range();
    const logits = layerNamed<FakeQuantLayer>(q, 'dense_quant').observer.range();
    // a batch whose minimum is 0 (post-ReLU) gives this min whatever its maximum
    expect(conv.min).toBe(new MovingAverageObserver().observe([0, 1]).min);
    expect(conv.min).toBeCloseTo(-5.994, 6);
    expect(logits.min).toBeLessThan(conv.min); // logits go below zero
    const first = quantizeModel(float, { initFromFirstBatch: true });
    first.lossAndGradients(load(first, data, 0, 16), 16);
    expect(layerNamed<FakeQuantLayer>(first, 'conv2d_quant').observer.range().min).toBe(0);
    expect(layerNamed<FakeQuantLayer>(first, 'input_quant').observer.range()).toEqual({ min: 0, max: Math.fround(Math.max(...data.images.subarray(0, 16 * 64))) });
  });
});

describe('training and evaluation forwards', () => {
  it('ranges change in training batches only: evaluate and predict leave them, and give the same answer twice', () => {
    const q = quantizeModel(float, { initFromFirstBatch: true });
    fit(q, data, { epochs: 1, batchSize: 32, seed: 2 });
    const before = json(q);
    const a = q.evaluate(test);
    const p = q.predict(test.images);
    expect(json(q)).toBe(before);
    expect(q.evaluate(test)).toEqual(a);
    expect(q.predict(test.images)).toEqual(p);
    fit(q, data, { epochs: 1, batchSize: 32, seed: 3 });
    expect(json(q)).not.toBe(before);
  });

  it('the training forward fake-quantizes the kernel with its own last-value range; evaluation keeps the stored range', () => {
    const q = quantizeModel(float);
    const w = kernelOf(q, 'conv2d').value;
    q.lossAndGradients(load(q, data, 0, 16), 16);
    const a = channelAbsMax(w, 6);
    const conv = layerNamed<QatConv2D>(q, 'conv2d');
    expect(conv.kernelForForward()).toEqual(fakeQuantPerChannel(w, Array.from(a, (v) => -v), a, { narrowRange: true }));
    // an evaluation forward after the weight grew: clipped to the stored range, the range unchanged
    w[0] = 10 * a[0];
    q.forward(1);
    expect(conv.kernelForForward()[0]).toBe(nudge(-a[0], a[0], { narrowRange: true }).max);
    expect(conv.weights.halfRanges()).toEqual(a);
  });

  it('STE: a QAT conv computes the float conv\'s gradients at the fake-quantized kernel', () => {
    const ctx: QatContext = { mode: 'train' };
    const cfg = { filters: 3, kernelSize: 3 as const, activation: 'relu' as const };
    const qat = new Sequential([reshape([8, 8, 1]), new QatConv2D(cfg, new KernelQuantizer('per_channel', 3, null, (n) => new Float32Array(n)), ctx)], { inputShape: [8, 8], seed: 5, backend: referenceBackend });
    const ref = new Sequential([reshape([8, 8, 1]), conv2d(cfg)], { inputShape: [8, 8], seed: 5, backend: referenceBackend });
    const a = channelAbsMax(kernelOf(qat, 'conv2d').value, 3);
    kernelOf(ref, 'conv2d').value.set(fakeQuantPerChannel(kernelOf(qat, 'conv2d').value, Array.from(a, (v) => -v), a, { narrowRange: true }));
    const labels = Uint8Array.from({ length: 8 }, (_, i) => (i * 37) % 108);
    for (const m of [qat, ref]) m.inputBuffer(8).set(data.images.subarray(0, 8 * 64));
    expect(qat.lossAndGradients(labels, 8)).toEqual(ref.lossAndGradients(labels, 8));
    expect(Array.from(qat.store.grads)).toEqual(Array.from(ref.store.grads));
    expect(qat.store.grads.some((g) => g !== 0)).toBe(true);
  });

  it('STE: a fake-quant layer passes dy where x is inside the nudged range, 0 outside', () => {
    const ctx: QatContext = { mode: 'train' };
    const layer = new FakeQuantLayer('activation', new MovingAverageObserver({ initMin: -1, initMax: 1, decay: 0.9 }), ctx);
    layer.inShape = [5];
    layer.outShape = layer.build([5]);
    const x = Float32Array.of(-3, -0.5, 0, 0.3, 0.7, 2, 9, 0.05, -0.01, 1.01);
    const y = new Float32Array(12).fill(NaN); // longer than the batch: the tail is not touched
    layer.forward(referenceBackend, x, y, 2);
    const r = new MovingAverageObserver({ initMin: -1, initMax: 1, decay: 0.9 }).observe(x);
    expect(y.subarray(0, 10)).toEqual(fakeQuant(x, r.min, r.max));
    expect(Number.isNaN(y[10])).toBe(true);
    const dy = Float32Array.from({ length: 10 }, (_, i) => i + 1);
    const dx = new Float32Array(10);
    layer.backward(referenceBackend, x, y, dy, dx, 2);
    expect(dx).toEqual(fakeQuantGrad(dy, x, r.min, r.max));
    expect(Array.from(dx)).toContain(0); // -3 and 9 are outside the range
  });
});

describe('sparsity-preserving QAT', () => {
  /** Half of each kernel zeroed by magnitude (a simple pruned model). */
  function halfPruned(): Sequential {
    const m = cloneModel(float);
    for (const layer of ['conv2d', 'dense']) {
      const w = kernelOf(m, layer).value;
      const cut = Array.from(w, Math.abs).sort((a, b) => a - b)[Math.floor(w.length / 2)];
      for (let i = 0; i < w.length; i++) if (Math.abs(w[i]) < cut) w[i] = 0;
    }
    return m;
  }

  it('keeps every zero exactly zero through a fine-tune: latent weights, Adam moments and int8 weights', () => {
    const pruned = halfPruned();
    const q = quantizeModel(pruned, { initFromFirstBatch: true });
    q.compile({ learningRate: 1e-2 }); // a large rate: every unmasked weight moves
    fit(q, data, { epochs: 3, batchSize: 16, seed: 4 });
    const qm = toQuantizedModel(q);
    for (const [layer, at] of [['conv2d', 2], ['dense', 5]] as const) {
      const before = zerosAt(kernelOf(pruned, layer).value);
      expect(before.length).toBeGreaterThanOrEqual(kernelOf(pruned, layer).size / 2 - 1);
      const k = kernelOf(q, layer);
      expect(zerosAt(k.value)).toEqual(before);
      for (const i of before) expect([k.m[i], k.v[i]]).toEqual([0, 0]);
      const int8 = qm.layers[at];
      if (int8.kind !== 'conv2d' && int8.kind !== 'dense') throw new Error('layout');
      const z = new Set(zerosAt(int8.weights));
      expect(before.every((i) => z.has(i))).toBe(true); // int8 may round more weights to 0, never fewer
    }
    expect(pruningSummary(q)).toEqual(pruningSummary(pruned));
  });

  it('without it (tfmot plain QAT) the optimizer fills the zeros back in', () => {
    const pruned = halfPruned();
    const q = quantizeModel(pruned, { preserveSparsity: false });
    q.compile({ learningRate: 1e-2 });
    fit(q, data, { epochs: 1, batchSize: 16, seed: 4 });
    expect(pruningSummary(q).total.sparsity).toBeLessThan(0.01);
  });

  it('a pruning-wrapped model brings its masks', () => {
    const wrapped = pruneLowMagnitude(float, { schedule: constantSparsity({ targetSparsity: 0.75, beginStep: 0, frequency: 1 }) });
    fit(wrapped, data, { epochs: 1, batchSize: 32, seed: 5, callbacks: [updatePruningStep()] });
    const masks = pruningStateOf(wrapped)!.masks;
    const q = quantizeModel(wrapped);
    fit(q, data, { epochs: 1, batchSize: 32, seed: 6 });
    for (const [t, layer] of ['conv2d', 'dense'].entries()) {
      const w = kernelOf(q, layer).value;
      expect(zerosAt(w)).toEqual(zerosAt(Float32Array.from(masks[t])));
    }
  });
});

describe('toQuantizedModel and the integer evaluation', () => {
  const q = quantizeModel(float, { initFromFirstBatch: true });
  fit(q, data, { epochs: 2, batchSize: 16, seed: 7 });

  it('the int8 model uses the QAT ranges: weight scales a_c / 127, activation params from the observers', () => {
    const qm = toQuantizedModel(q);
    expect(qm.layers.map((l) => l.kind)).toEqual(['quantize', 'reshape', 'conv2d', 'maxpool2d', 'reshape', 'dense', 'dequantize']);
    const conv = qm.layers[2];
    const d = qm.layers[5];
    if (conv.kind !== 'conv2d' || d.kind !== 'dense') throw new Error('layout');
    const a = layerNamed<QatConv2D>(q, 'conv2d').weights.halfRanges();
    expect(Array.from(conv.weightScales)).toEqual(Array.from(a, (v) => Math.fround(v / 127)));
    expect(conv.activation).toBe('relu');
    expect(d.weightScales.length).toBe(1);
    const r = layerNamed<FakeQuantLayer>(q, 'conv2d_quant').observer.range();
    const nudged = nudge(r.min, r.max);
    expect(conv.out.scale).toBe(nudged.scale);
    expect(conv.out.zeroPoint).toBe(nudged.zeroPoint - 128);
  });

  it('the float fake-quant evaluation and integerForward agree on the predictions', () => {
    const fq = q.predict(test.images);
    const { logits, output } = integerForward(toQuantizedModel(q), test.images, test.count);
    const out = toQuantizedModel(q).layers.at(-1)!;
    if (out.kind !== 'dequantize') throw new Error('layout');
    let agree = 0;
    let sameLevel = 0;
    for (let i = 0; i < test.count; i++) {
      if (argmax(fq, i * 4, 4) === argmax(logits, i * 4, 4)) agree++;
      for (let k = 0; k < 4; k++) if (Math.round(fq[i * 4 + k] / out.in.scale) + out.in.zeroPoint === output[i * 4 + k]) sameLevel++;
    }
    console.log(`small CNN: fake-quant vs integer predictions agree on ${agree}/${test.count}; ${sameLevel}/${test.count * 4} logits on the same int8 level`);
    expect(agree / test.count).toBeGreaterThanOrEqual(0.99);
  });

  it("evaluation: 'integer' runs the int8 model itself, rebuilt when training moves the weights", () => {
    const m = quantizeModel(float, { initFromFirstBatch: true, evaluation: 'integer' });
    fit(m, data, { epochs: 1, batchSize: 16, seed: 8 });
    expect(m.predict(test.images)).toEqual(integerForward(toQuantizedModel(m), test.images, test.count).logits);
    const first = m.predict(test.images);
    fit(m, data, { epochs: 1, batchSize: 16, seed: 9, validationSplit: 0.2 }); // validation runs the integer path mid-fit
    const again = m.predict(test.images);
    expect(again).not.toEqual(first);
    expect(again).toEqual(integerForward(toQuantizedModel(m), test.images, test.count).logits);
    m.evaluation = 'fake_quant';
    expect(m.predict(test.images)).not.toEqual(again);
  });
});

describe('checkpointing a QAT model: weights in a checkpoint, ranges in qatState', () => {
  const dir = mkdtempSync(join(tmpdir(), 'topiary-qat-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a rebuilt model with the checkpoint and the state predicts and converts identically', () => {
    const q = quantizeModel(float, { denseWeights: 'per_channel' });
    fit(q, data, { epochs: 1, batchSize: 16, seed: 10 });
    const path = join(dir, 'q.ckpt');
    saveCheckpoint(q, path);
    const state = JSON.parse(JSON.stringify(qatState(q)));
    const back = quantizeModel(float, { denseWeights: 'per_channel' });
    loadCheckpoint(back, path);
    expect(back.predict(test.images)).not.toEqual(q.predict(test.images)); // weights alone: default ranges
    restoreQatState(back, state);
    expect(back.predict(test.images)).toEqual(q.predict(test.images));
    expect(toQuantizedModel(back)).toEqual(toQuantizedModel(q));
  });

  it('refuses a state of another model or another dense granularity', () => {
    const q = quantizeModel(float);
    const state = qatState(q);
    expect(() => restoreQatState(quantizeModel(float, { denseWeights: 'per_channel' }), state)).toThrow(ConfigError);
    const renamed = { ...state, layers: state.layers.map((l) => ({ ...l, name: `x${l.name}` })) };
    expect(() => restoreQatState(q, renamed)).toThrow(/restore it into quantizeModel/);
    expect(() => restoreQatState(q, { format: 'nope' } as never)).toThrow(ConfigError);
  });
});

describe('errors', () => {
  it('say what is wrong and what to do', () => {
    const q = quantizeModel(float);
    expect(() => quantizeModel(q)).toThrow(/already has fake quantization/);
    expect(() => quantizeModel(float, { initFromFirstbatch: true } as never)).toThrow(/unknown option 'initFromFirstbatch'/);
    expect(() => quantizeModel(float, { activationDecay: 1 })).toThrow(ConfigError);
    expect(() => quantizeModel(float, { denseWeights: 'per_row' as never })).toThrow(/per_tensor/);
    const standalone = new Sequential([reshape([8, 8, 1]), conv2d({ filters: 2, kernelSize: 3 }), maxPool2d(), relu(), flatten(), dense({ units: 4 })], { inputShape: [8, 8] });
    expect(() => quantizeModel(standalone)).toThrow(/stand-alone ReLU/);
    expect(() => cloneModel(q)).toThrow(/restoreQatState/);
    expect(() => layerFromConfig({ type: 'fake_quant', role: 'input' })).toThrow(ConfigError);
    expect(() => toQuantizedModel(float as QatModel)).toThrow(/quantizeInt8/);
  });
});
