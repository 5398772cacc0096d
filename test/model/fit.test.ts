import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { conv2d, dense, flatten, maxPool2d, reshape } from '../../src/model/layers.js';
import { Sequential } from '../../src/model/sequential.js';
import { fit } from '../../src/model/train.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import type { Callback } from '../../src/model/callbacks.js';
import { blobs } from '../helpers/blobs.js';


const smallCnn = (seed: number) => new Sequential(
  [reshape([8, 8, 1]), conv2d({ filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }), maxPool2d(), flatten(), dense({ units: 4 })],
  { inputShape: [8, 8], seed },
);

describe('fit', () => {
  const data = blobs(300, 1);

  it('learns a small task and records a Keras-like history', () => {
    const m = smallCnn(1);
    const h = fit(m, data, { epochs: 12, batchSize: 16, validationSplit: 0.2, seed: 1 });
    expect(h.loss).toHaveLength(12);
    expect(h.valAccuracy).toHaveLength(12);
    expect(h.loss[11]).toBeLessThan(h.loss[0] / 2);
    expect(h.valAccuracy[11]).toBeGreaterThan(0.9);
    expect(h.samplesPerSecond).toBeGreaterThan(0);
  });

  it('gives bit-identical weights for the same seed, different ones for another seed', () => {
    const run = (seed: number) => { const m = smallCnn(seed); fit(m, data, { epochs: 2, seed }); return m.store.values.slice(); };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('calls the hooks in order: train begin, (epoch begin, (batch begin, gradients, batch end)*, epoch end)*', () => {
    const events: string[] = [];
    const cb: Callback = {
      onTrainBegin: () => events.push('train'),
      onEpochBegin: (e) => events.push(`e${e}`),
      onBatchBegin: (b, ctx) => events.push(`b${b}@${ctx.step}`),
      onGradients: (b) => events.push(`g${b}`),
      onBatchEnd: (b) => events.push(`/b${b}`),
      onEpochEnd: (e) => events.push(`/e${e}`),
      onTrainEnd: () => events.push('/train'),
    };
    fit(smallCnn(0), blobs(40, 2), { epochs: 2, batchSize: 32, callbacks: [cb] });
    expect(events).toEqual(['train', 'e0', 'b0@1', 'g0', '/b0', 'b1@2', 'g1', '/b1', '/e0', 'e1', 'b0@3', 'g0', '/b0', 'b1@4', 'g1', '/b1', '/e1', '/train']);
  });

  it('rejects bad settings and mismatched data with typed errors', () => {
    const m = smallCnn(0);
    expect(() => fit(m, data, { batchSize: 0 })).toThrow(ConfigError);
    expect(() => fit(m, data, { validationSplit: 1 })).toThrow(ConfigError);
    const wrong: Dataset = { ...data, images: new Float32Array(300 * 49), height: 7, width: 7 };
    expect(() => fit(m, wrong)).toThrow(ShapeError);
    const badLabel: Dataset = { ...data, labels: data.labels.map((l, i) => (i === 5 ? 9 : l)) };
    expect(() => fit(m, badLabel)).toThrow(/label 9 at sample 5/);
  });

  it('predicts in batches and agrees with evaluate', () => {
    const m = smallCnn(3);
    fit(m, data, { epochs: 2 });
    const logits = m.predict(data.images, 7);
    let correct = 0;
    for (let i = 0; i < data.count; i++) {
      const row = Array.from(logits.subarray(i * 4, i * 4 + 4));
      if (row.indexOf(Math.max(...row)) === data.labels[i]) correct++;
    }
    expect(correct / data.count).toBeCloseTo(m.evaluate(data).accuracy, 10);
    expect(() => m.predict(new Float32Array(65))).toThrow(ShapeError);
  });
});

describe('cloneModel', () => {
  it('copies architecture, names and weights, and shares no storage', async () => {
    const { cloneModel } = await import('../../src/model/sequential.js');
    const a = smallCnn(9);
    const b = cloneModel(a);
    expect(b.layers.map((l) => l.name)).toEqual(a.layers.map((l) => l.name));
    expect(b.store.values).toEqual(a.store.values);
    b.store.values[0] += 1;
    expect(b.store.values[0]).not.toBe(a.store.values[0]);
  });
});
