import { describe, expect, it } from 'vitest';
import { convert, convertToBytes } from '../../src/convert/index.js';
import { readModel } from '../../src/format/read.js';
import { bitsOf, interpretFloat, randomImages, toySeed, zoo } from './helpers.js';

describe("convert, quantize 'none'", () => {
  it('stores every weight and bias bit for bit, and the file reads back to the same model', () => {
    const m = toySeed();
    const { bytes, model } = convertToBytes(m);
    const back = readModel(bytes);
    expect(back.ops).toEqual(model.ops);
    expect(back.tensors.map((t) => [t.dtype, t.shape])).toEqual(model.tensors.map((t) => [t.dtype, t.shape]));
    const constants = back.tensors.filter((t) => t.data !== undefined);
    expect(constants.map((t) => t.dtype)).toEqual(['f32', 'f32', 'f32', 'f32']);
    expect(constants.map((t) => Array.from(bitsOf(t.data as Float32Array)))).toEqual(m.params.map((p) => Array.from(bitsOf(p.value))));
  });

  it('maps the seed architecture to reshape, conv2d+relu, maxpool2d, flatten, dense, f32 in and out', () => {
    const fm = convert(toySeed());
    expect(fm.ops.map((o) => o.op)).toEqual(['reshape', 'conv2d', 'maxpool2d', 'flatten', 'dense']);
    expect(fm.ops[1]).toMatchObject({ strides: [1, 1], padding: 'valid', activation: 'relu' });
    expect(fm.ops[2]).toMatchObject({ pool: [2, 2], strides: [2, 2], padding: 'valid' });
    expect(fm.tensors[fm.input]).toMatchObject({ dtype: 'f32', shape: [8, 8] });
    expect(fm.tensors[fm.output]).toMatchObject({ dtype: 'f32', shape: [5] });
  });

  it('computes what the engine computes, for every layer and geometry (ReLU layers fused)', () => {
    const m = zoo();
    const { model: fm, report } = convertToBytes(m);
    expect(fm.ops.map((o) => o.op)).toEqual(['reshape', 'conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'dense']);
    expect(fm.ops.map((o) => ('activation' in o ? o.activation : '-'))).toEqual(['-', 'relu', '-', 'relu', '-', '-', 'relu', 'none']);
    expect(report.notes).toEqual([
      "relu 'relu' fused into conv2d 'conv2d' (moved before 'maxpool2d', which it commutes with)",
      "relu 'relu_1' dropped: 'conv2d_1' already ends in relu",
      "relu 'relu_2' fused into dense 'dense'",
    ]);
    const batch = 5;
    const x = randomImages(batch, 126, 7).map((v) => v - 0.5);
    const want = m.predict(x, batch);
    const got = interpretFloat(fm, x, batch);
    const scale = Math.max(...want.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * scale);
  });

  it('gives the same bytes for the same model, and other bytes for other weights', () => {
    const a = convertToBytes(toySeed(3)).bytes;
    expect(convertToBytes(toySeed(3)).bytes).toEqual(a);
    expect(convertToBytes(toySeed(4)).bytes).not.toEqual(a);
  });

  it('stores tensor names only when asked, and reports labels either way', () => {
    const plain = convertToBytes(toySeed());
    const named = convertToBytes(toySeed(), { names: true });
    expect(readModel(plain.bytes).tensors.every((t) => t.name === '')).toBe(true);
    expect(readModel(named.bytes).tensors.map((t) => t.name)).toEqual(
      ['input', 'reshape', 'conv2d', 'conv2d/kernel', 'conv2d/bias', 'maxpool2d', 'flatten', 'dense', 'dense/kernel', 'dense/bias'],
    );
    expect(plain.report.tensors.map((t) => t.label)).toEqual(named.report.tensors.map((t) => t.label));
    expect(named.report.totalBytes).toBeGreaterThan(plain.report.totalBytes);
  });
});
