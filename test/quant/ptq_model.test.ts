import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { conv2d, dense, flatten, maxPool2d, reshape } from '../../src/model/layers.js';
import { mnistCnn } from '../../src/model/mnist_cnn.js';
import { Sequential } from '../../src/model/sequential.js';
import { fit } from '../../src/model/train.js';
import { dequantizeWeights } from '../../src/quant/ptq.js';
import { quantizeDynamic, quantizeInt8 } from '../../src/quant/ptq_model.js';
import { integerForward } from '../../src/quant/quantized_model.js';
import { asymmetricParams } from '../../src/quant/scheme.js';
import { blobs as blobsOf } from '../helpers/blobs.js';

const blobs = (n: number, seed: number) => blobsOf(n, seed, { noise: 0.6, blob: [0.5, 1] });

const layersOf = () => [reshape([8, 8, 1]), conv2d({ filters: 6, kernelSize: 3, activation: 'relu' }), maxPool2d(), flatten(), dense({ units: 4 })];
const data = blobs(320, 3);
const test = blobs(400, 4);
const float = new Sequential(layersOf(), { inputShape: [8, 8], seed: 1 });
fit(float, data, { epochs: 3, batchSize: 16, seed: 1 });

const max = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, v), -Infinity);
const min = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.min(m, v), Infinity);

describe('quantizeDynamic', () => {
  it('the MNIST CNN: conv kernel (108 values) stays float, dense kernel goes int8 per channel', () => {
    const m = mnistCnn({ seed: 3 });
    const dyn = quantizeDynamic(m);
    expect(dyn.layers.map((l) => l.name)).toEqual(['reshape', 'conv2d', 'maxpool2d', 'flatten', 'dense']);
    const [conv, dk] = dyn.kernels;
    expect(conv).toMatchObject({ name: 'conv2d/kernel', quantized: false, shape: [3, 3, 1, 12] });
    if (dk.quantized !== true) throw new Error('dense kernel should be int8');
    expect(dk).toMatchObject({ name: 'dense/kernel', granularity: 'per_channel', shape: [2028, 10] });
    expect(dk.scales.length).toBe(10);
    const w = m.params.find((p) => p.layer === 'dense' && p.name === 'kernel')!.value;
    const back = dequantizeWeights(dk.values, dk.scales);
    let worst = 0; // error in units of the channel's step: at most half a step
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(back[i] - w[i]) / dk.scales[i % 10]);
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-5);
    expect(worst).toBeGreaterThan(0.4);
    expect(dyn.biases.map((b) => b.name)).toEqual(['conv2d/bias', 'dense/bias']);
    expect(quantizeDynamic(m, { minElements: 0 }).kernels[0].quantized).toBe(true);
    expect(quantizeDynamic(m, { denseGranularity: 'per_tensor' }).kernels[1]).toMatchObject({ granularity: 'per_tensor' });
  });
});

describe('quantizeInt8 (full int8, calibrated)', () => {
  const samples = data.images.subarray(0, 100 * 64);
  const qm = quantizeInt8(float, samples);

  it('each range is the global min/max over the representative samples', () => {
    const [quant, , conv, , , d] = qm.layers;
    if (quant.kind !== 'quantize' || conv.kind !== 'conv2d' || d.kind !== 'dense') throw new Error('layout');
    expect(quant.out).toEqual(asymmetricParams(0, max(samples)));
    // the conv output after ReLU, from a float model cut after the conv
    const head = new Sequential(layersOf().slice(0, 2), { inputShape: [8, 8] });
    head.store.values.set(float.store.values.subarray(0, head.store.size));
    const acts = head.predict(samples);
    expect(conv.out).toEqual(asymmetricParams(0, max(acts)));
    const logits = float.predict(samples);
    expect(d.out).toEqual(asymmetricParams(min(logits), max(logits)));
    expect(d.weightScales.length).toBe(4); // newer converters: dense per channel
  });

  it('calibration is order-free (no moving average) and the batch size does not matter', () => {
    const reversed = new Float32Array(samples.length);
    for (let i = 0; i < 100; i++) reversed.set(samples.subarray((99 - i) * 64, (100 - i) * 64), i * 64);
    expect(quantizeInt8(float, reversed, { batchSize: 7 })).toEqual(qm);
    expect(quantizeInt8(float, { ...data, images: samples, labels: data.labels.subarray(0, 100), count: 100 })).toEqual(qm);
  });

  it('the int8 model predicts like the float model', () => {
    const want = float.predict(test.images);
    const got = integerForward(qm, test.images, test.count).logits;
    let agree = 0;
    for (let i = 0; i < test.count; i++) {
      const a = [0, 1, 2, 3].reduce((b, k) => (want[i * 4 + k] > want[i * 4 + b] ? k : b), 0);
      const b = [0, 1, 2, 3].reduce((c, k) => (got[i * 4 + k] > got[i * 4 + c] ? k : c), 0);
      if (a === b) agree++;
    }
    console.log(`full-int8 PTQ vs float: ${agree}/${test.count} predictions agree`);
    expect(agree / test.count).toBeGreaterThan(0.97);
    const perTensor = quantizeInt8(float, samples, { denseWeights: 'per_tensor' }).layers[5];
    expect(perTensor.kind === 'dense' && perTensor.weightScales.length).toBe(1);
  });

  it('refuses sample data that does not fit the input', () => {
    expect(() => quantizeInt8(float, new Float32Array(65))).toThrow(ShapeError);
    expect(() => quantizeInt8(float, new Float32Array(0))).toThrow(/at least one sample/);
    expect(() => quantizeInt8(float, samples, { batch: 3 } as never)).toThrow(/unknown option 'batch'/);
  });
});
