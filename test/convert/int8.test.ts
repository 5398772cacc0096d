import { describe, expect, it } from 'vitest';
import { ConvertError, convert, convertToBytes } from '../../src/convert/index.js';
import type { FormatModel } from '../../src/format/model.js';
import { readModel } from '../../src/format/read.js';
import { conv2d, dense, flatten, maxPool2d, reshape } from '../../src/model/layers.js';
import { Sequential } from '../../src/model/sequential.js';
import { fit } from '../../src/model/train.js';
import { quantizeInt8 } from '../../src/quant/ptq_model.js';
import { quantizeModel, toQuantizedModel } from '../../src/quant/qat.js';
import { buildQuantizedModel, integerForward, type QuantizedModel } from '../../src/quant/quantized_model.js';
import { outputMultipliers } from '../../src/quant/scheme.js';
import { Rng } from '../../src/data/rng.js';
import { perturb, quantizedModelOf, randomDataset, randomImages, toySeed, zoo } from './helpers.js';

const roundTrip = (q: QuantizedModel | Sequential, options = {}): FormatModel => readModel(convertToBytes(q, options).bytes);

/** Every integer and scale of `q` is in `fm`, in order: weights, biases, weight scales, activation params. */
function expectSameIntegers(fm: FormatModel, q: QuantizedModel): void {
  const linear = q.layers.filter((l) => l.kind === 'conv2d' || l.kind === 'dense');
  const kernels = fm.tensors.filter((t) => t.dtype === 'int8' && t.data !== undefined);
  const biases = fm.tensors.filter((t) => t.dtype === 'int32');
  expect(kernels.map((t) => Buffer.from(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength).toString('hex'))).toEqual(
    linear.map((l) => Buffer.from(l.weights.buffer, l.weights.byteOffset, l.weights.byteLength).toString('hex')),
  );
  expect(biases.map((t) => Array.from(t.data!))).toEqual(linear.map((l) => Array.from(l.bias)));
  expect(kernels.map((t) => Array.from(t.quant!.scale))).toEqual(linear.map((l) => Array.from(l.weightScales)));
}

describe("convert a QuantizedModel (quantize 'int8')", () => {
  const qm = quantizeInt8(toySeed(), randomImages(40, 64, 3));

  it('keeps every integer: weights, biases, scales, zero points; a runtime derives the same multipliers from the file', () => {
    const fm = roundTrip(qm);
    expectSameIntegers(fm, qm);
    expect(quantizedModelOf(fm)).toEqual(qm);
  });

  it('quantize and dequantize at the edges: f32 in, f32 out, int8 in between', () => {
    const fm = convert(qm);
    expect(fm.ops.map((o) => o.op)).toEqual(['quantize', 'reshape', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'dequantize']);
    expect(fm.tensors[fm.input]).toMatchObject({ dtype: 'f32', shape: [8, 8] });
    expect(fm.tensors[fm.output]).toMatchObject({ dtype: 'f32', shape: [5] });
    const inner = fm.ops.slice(0, -1).map((o) => fm.tensors[o.output].dtype);
    expect(inner.every((d) => d === 'int8')).toBe(true);
  });

  it('the integer forward of the file equals the one of the model, bit for bit', () => {
    const x = randomImages(16, 64, 11);
    const want = integerForward(qm, x, 16);
    const got = integerForward(quantizedModelOf(roundTrip(qm)), x, 16);
    expect(got.output).toEqual(want.output);
    expect(got.logits).toEqual(want.logits);
  });

  it('dense per channel over one output: stores the axis, since the per-tensor multiplier would differ', () => {
    const rng = new Rng(8);
    const spec = (seed: number) => ({
      input: { shape: [6], range: { min: 0, max: 1 } },
      layers: [{ kind: 'dense' as const, kernel: Float32Array.from({ length: 6 }, () => rng.normal() * (1 + seed)), kernelShape: [6, 1] as [number, number], activation: 'none' as const, outRange: { min: -3, max: 2 }, weightGranularity: 'per_channel' as const }],
    });
    // find a case where TFLite's two multiplier formulas disagree (most do, in the last bits)
    let q: QuantizedModel | undefined;
    for (let s = 0; s < 20 && !q; s++) {
      const candidate = buildQuantizedModel(spec(s));
      const d = candidate.layers[1];
      if (d.kind !== 'dense') throw new Error('layout');
      if (outputMultipliers(d.in.scale, d.weightScales, d.out.scale, 'float32').multipliers[0] !== d.multipliers[0]) q = candidate;
    }
    if (!q) throw new Error('no seed where the multipliers differ');
    const fm = roundTrip(q);
    expect(fm.tensors.find((t) => t.dtype === 'int8' && t.data)!.quant!.axis).toBe(1);
    expect(quantizedModelOf(fm)).toEqual(q);
  });

  it('refuses a model whose multipliers its scales do not give, and a fused relu6 (no code in the format)', () => {
    const bad = structuredClone(qm);
    const conv = bad.layers[2];
    if (conv.kind !== 'conv2d') throw new Error('layout');
    conv.multipliers[1] += 1;
    expect(() => convert(bad)).toThrow(ConvertError);
    expect(() => convert(bad)).toThrow(/layer 2 \(conv2d\): channel 1's requantization multiplier/);
    const six = buildQuantizedModel({
      input: { shape: [4], range: { min: 0, max: 1 } },
      layers: [{ kind: 'dense', kernel: Float32Array.of(1, -1, 0.5, 2), kernelShape: [4, 1], activation: 'relu6', outRange: { min: 0, max: 6 } }],
    });
    expect(() => convert(six)).toThrow(expect.objectContaining({ code: 'unsupported_activation' }));
  });
});

describe("convert a float model with quantize 'int8' (calibrated on representativeData)", () => {
  it('is the QuantizedModel quantizeInt8 builds from the same samples', () => {
    const images = randomImages(40, 64, 3);
    const fm = roundTrip(toySeed(), { quantize: 'int8', representativeData: images });
    expect(quantizedModelOf(fm)).toEqual(quantizeInt8(toySeed(), images));
    const report = convertToBytes(toySeed(), { quantize: 'int8', representativeData: { ...randomDataset(40, 8, 8, 5, 1), images } }).report;
    expect(report.notes).toEqual(['activation ranges: global min/max over 40 representative samples']);
  });

  it('fuses ReLU layers first, so every layer of the zoo quantizes (a ReLU after max pooling included)', () => {
    const images = randomImages(30, 126, 4).map((v) => v - 0.3);
    const fused = new Sequential(
      [
        reshape([9, 7, 2]),
        conv2d({ filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu' }),
        maxPool2d({ poolSize: 2, strides: 1, padding: 'same' }),
        conv2d({ filters: 5, kernelSize: 2, activation: 'relu' }),
        maxPool2d({ poolSize: [3, 2], strides: [2, 2], padding: 'same' }),
        flatten(),
        dense({ units: 6, activation: 'relu' }),
        dense({ units: 4 }),
      ],
      { inputShape: [126] },
    );
    fused.store.values.set(zoo().store.values);
    const got = convertToBytes(zoo(), { quantize: 'int8', representativeData: images }).bytes;
    expect(got).toEqual(convertToBytes(quantizeInt8(fused, images)).bytes);
    const fm = readModel(got);
    expect(fm.ops.map((o) => o.op)).toEqual(['quantize', 'reshape', 'conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'dense', 'dequantize']);
    expect(quantizedModelOf(fm)).toEqual(quantizeInt8(fused, images)); // 'same' windows and strides derive back exactly
  });
});

describe('convert a QAT model', () => {
  const float = toySeed(6);
  const qat = quantizeModel(float);
  fit(qat, randomDataset(64, 8, 8, 5, 2), { epochs: 1, batchSize: 16, seed: 1, progress: null });

  it("is toQuantizedModel's int8 model; its dense kernel per tensor (tfmot's default) with the float32 multiplier", () => {
    const q = toQuantizedModel(qat);
    const { bytes, report } = convertToBytes(qat);
    expect(bytes).toEqual(convertToBytes(q).bytes);
    const fm = readModel(bytes);
    expectSameIntegers(fm, q);
    expect(quantizedModelOf(fm)).toEqual(q);
    const dk = fm.tensors.filter((t) => t.dtype === 'int8' && t.data)[1];
    expect([dk.shape, dk.quant!.axis, dk.quant!.scale.length]).toEqual([[36, 5], undefined, 1]);
    expect(report.quantize).toBe('int8');
    expect(report.tensors.filter((t) => t.encoding).map((t) => t.label)).toEqual(['conv2d/kernel', 'conv2d/bias', 'dense/kernel', 'dense/bias']);
  });

  it('keeps the zeros of a pruned model through QAT and conversion', () => {
    const pruned = perturb(toySeed(7), 7, 0.6);
    const zeros = pruned.params.filter((p) => p.name === 'kernel').map((p) => p.value.filter((v) => v === 0).length);
    const q = quantizeModel(pruned);
    fit(q, randomDataset(64, 8, 8, 5, 3), { epochs: 1, batchSize: 16, seed: 1, progress: null });
    const fm = roundTrip(q);
    const kernels = fm.tensors.filter((t) => t.dtype === 'int8' && t.data);
    kernels.forEach((k, i) => expect(k.data!.filter((v) => v === 0).length).toBeGreaterThanOrEqual(zeros[i]));
    expect(zeros[1]).toBeGreaterThan(100);
  });
});
