import { describe, expect, it } from 'vitest';
import { convert, convertToBytes } from '../../src/convert/index.js';
import { readModel } from '../../src/format/read.js';
import { mnistCnn } from '../../src/model/mnist_cnn.js';
import { dequantizeWeights, dynamicRangeQuantize } from '../../src/quant/ptq.js';
import { bitsOf, interpretFloat, perturb, randomImages, toySeed, zoo } from './helpers.js';

describe("convert, quantize 'dynamic' (TFLite's dynamic range)", () => {
  const m = perturb(mnistCnn({ seed: 5 }), 5);
  const [convK, convB, denseK, denseB] = m.params;
  const { bytes, report } = convertToBytes(m, { quantize: 'dynamic' });
  const fm = readModel(bytes);
  const constants = fm.tensors.filter((t) => t.data !== undefined);

  it('the seed model: the conv kernel (108 < 1024 values) stays f32, the dense kernel is int8 per channel, biases f32', () => {
    expect(constants.map((t) => [t.dtype, t.shape])).toEqual([
      ['f32', [3, 3, 1, 12]],
      ['f32', [12]],
      ['int8', [2028, 10]],
      ['f32', [10]],
    ]);
    expect(Array.from(bitsOf(constants[0].data as Float32Array))).toEqual(Array.from(bitsOf(convK.value)));
    expect(Array.from(bitsOf(constants[1].data as Float32Array))).toEqual(Array.from(bitsOf(convB.value)));
    expect(Array.from(bitsOf(constants[3].data as Float32Array))).toEqual(Array.from(bitsOf(denseB.value)));
    expect(constants[2].quant!.axis).toBe(1);
    expect(constants[2].quant!.scale.length).toBe(10);
    expect(fm.tensors.filter((t) => t.data === undefined).every((t) => t.dtype === 'f32')).toBe(true);
    expect(report.notes).toEqual(['conv2d/kernel: kept f32 (108 elements < minElements 1024)', 'dense/kernel: int8, 10 per-channel scales']);
  });

  it('the int8 kernel dequantizes to the dynamic-range weights, within half a step of the float ones', () => {
    const [ref] = dynamicRangeQuantize([{ name: 'dense/kernel', kind: 'dense', shape: [2028, 10], values: denseK.value }]);
    if (!ref.quantized) throw new Error('the dense kernel should quantize');
    const k = constants[2];
    expect(Buffer.from(k.data!.buffer, k.data!.byteOffset, k.data!.length).equals(Buffer.from(ref.values.buffer))).toBe(true);
    expect(k.quant!.scale).toEqual(ref.scales);
    const back = dequantizeWeights(k.data as Int8Array, k.quant!.scale);
    expect(bitsOf(back).join()).toBe(bitsOf(dequantizeWeights(ref.values, ref.scales)).join());
    let worst = 0;
    for (let i = 0; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i] - denseK.value[i]) / k.quant!.scale[i % 10]);
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-5);
  });

  it('computes the engine forward with the dequantized kernel', () => {
    const batch = 3;
    const x = randomImages(batch, 784, 9);
    const deq = perturb(mnistCnn({ seed: 5 }), 5);
    deq.params[2].value.set(dequantizeWeights(constants[2].data as Int8Array, constants[2].quant!.scale));
    const want = deq.predict(x, batch);
    const got = interpretFloat(fm, x, batch);
    const scale = Math.max(...want.map(Math.abs));
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * scale);
  });

  it('minElements 0 quantizes the conv kernel too (per channel, axis 3); denseWeights per_tensor stores one scale', () => {
    const all = convert(toySeed(), { quantize: 'dynamic', minElements: 0 });
    const kernels = all.tensors.filter((t) => t.dtype === 'int8');
    expect(kernels.map((t) => [t.shape, t.quant!.axis, t.quant!.scale.length])).toEqual([[[3, 3, 1, 4], 3, 4], [[36, 5], 1, 5]]);
    const perTensor = convert(toySeed(), { quantize: 'dynamic', minElements: 0, denseWeights: 'per_tensor' });
    const dk = perTensor.tensors.filter((t) => t.dtype === 'int8')[1];
    expect([dk.quant!.axis, dk.quant!.scale.length]).toEqual([undefined, 1]);
  });

  it('every layer geometry computes the engine forward with dequantized kernels (minElements 0: all int8)', () => {
    const m = zoo();
    const fm = convert(m, { quantize: 'dynamic', minElements: 0 });
    const kernels = fm.tensors.filter((t) => t.dtype === 'int8');
    expect(kernels.length).toBe(4);
    const deq = zoo();
    deq.params.filter((p) => p.name === 'kernel').forEach((p, i) => p.value.set(dequantizeWeights(kernels[i].data as Int8Array, kernels[i].quant!.scale)));
    const x = randomImages(4, 126, 3).map((v) => v - 0.5);
    const want = deq.predict(x, 4);
    const got = interpretFloat(fm, x, 4);
    const scale = Math.max(...want.map(Math.abs));
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * scale);
  });

  it('an output channel pruned to all zeros gets scale 1 (every scale must be > 0) and the file is valid', () => {
    const pruned = toySeed();
    const k = pruned.params[2].value; // dense [36, 5]
    for (let i = 2; i < k.length; i += 5) k[i] = 0;
    const back = readModel(convertToBytes(pruned, { quantize: 'dynamic', minElements: 0 }).bytes);
    const dk = back.tensors.filter((t) => t.dtype === 'int8')[1];
    expect(dk.quant!.scale[2]).toBe(1);
    expect(Array.from(dk.data as Int8Array).filter((_, i) => i % 5 === 2).every((v) => v === 0)).toBe(true);
    expect(Math.min(...dk.quant!.scale)).toBeGreaterThan(0);
  });
});
