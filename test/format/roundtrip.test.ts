import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/format/errors.js';
import { readModelFile, writeModelFile } from '../../src/format/model_file.js';
import { opPrecision, tensorBytes, type FormatModel, type Precision } from '../../src/format/model.js';
import { readModel } from '../../src/format/read.js';
import { DTYPE_BYTES, DTYPES } from '../../src/format/spec.js';
import { writeModel, writeModelWithReport } from '../../src/format/write.js';
import { seedModel } from './models.js';

/** Compares two models field by field, typed arrays by class and content (f32 by bit pattern). */
function expectSameModel(got: FormatModel, want: FormatModel): void {
  expect(got.input).toBe(want.input);
  expect(got.output).toBe(want.output);
  expect(got.ops).toEqual(want.ops);
  expect(got.tensors.length).toBe(want.tensors.length);
  want.tensors.forEach((t, i) => {
    const g = got.tensors[i];
    expect({ name: g.name, dtype: g.dtype, shape: g.shape }, `tensor ${i}`).toEqual({ name: t.name, dtype: t.dtype, shape: t.shape });
    expect(g.quant?.axis, `tensor ${i} axis`).toBe(t.quant?.axis);
    expect(g.quant?.scale, `tensor ${i} scale`).toEqual(t.quant?.scale);
    expect(g.quant?.zeroPoint, `tensor ${i} zeroPoint`).toEqual(t.quant?.zeroPoint);
    if (t.data === undefined) return expect(g.data).toBeUndefined();
    expect(g.data!.constructor).toBe(t.data.constructor);
    const bits = (d: typeof t.data) => (d instanceof Float32Array ? new Int32Array(d.buffer, d.byteOffset, d.length) : d);
    expect(bits(g.data!), `tensor ${i} data`).toEqual(bits(t.data));
  });
}

const cases: [string, Precision, number][] = [
  ['float', 'f32', 0],
  ['float, 80% sparse', 'f32', 0.8],
  ['int8', 'int8', 0],
  ['int8, 80% sparse', 'int8', 0.8],
  ['dynamic range', 'dynamic', 0],
  ['dynamic range, 95% sparse', 'dynamic', 0.95],
];

describe('round trip', () => {
  it.each(cases)('%s: read(write(model)) equals the model', (_, precision, sparsity) => {
    const model = seedModel({ precision, sparsity, seed: 11, names: true });
    expectSameModel(readModel(writeModel(model)), model);
  });

  it.each(cases)('%s: ops have the precision their tensors imply', (_, precision) => {
    const model = readModel(writeModel(seedModel({ precision, seed: 3 })));
    const linear = model.ops.filter((o) => o.op === 'conv2d' || o.op === 'dense');
    expect(linear.map((o) => opPrecision(model, o))).toEqual([precision, precision]);
  });

  it('gives byte-identical files for the same seed, different ones for another', () => {
    const a = writeModel(seedModel({ precision: 'int8', sparsity: 0.8, seed: 5 }));
    const b = writeModel(seedModel({ precision: 'int8', sparsity: 0.8, seed: 5 }));
    const c = writeModel(seedModel({ precision: 'int8', sparsity: 0.8, seed: 6 }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('keeps f32 -0, int8 -127 and int32 extremes exactly', () => {
    const model = seedModel({ precision: 'int8', seed: 2, size: 8, filters: 4, classes: 5 });
    const kernel = model.tensors[(model.ops[2] as { kernel: number }).kernel].data as Int8Array;
    kernel.set([-127, 127, 0, 1, -1]);
    const bias = model.tensors[(model.ops[2] as { bias: number }).bias].data as Int32Array;
    bias.set([-0x80000000, 0x7fffffff, 0, -1]);
    expectSameModel(readModel(writeModel(model)), model);
    const float = seedModel({ precision: 'f32', seed: 2, size: 8, filters: 4, classes: 5 });
    (float.tensors[2].data as Float32Array).set([-0, 3.4028234663852886e38, -1.401298464324817e-45]);
    expectSameModel(readModel(writeModel(float)), float);
  });

  it('reads a view into a larger buffer and an ArrayBuffer', () => {
    const model = seedModel({ precision: 'dynamic', seed: 4, size: 8, filters: 4, classes: 5 });
    const bytes = writeModel(model);
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    expectSameModel(readModel(padded.subarray(3, 3 + bytes.length)), model);
    expectSameModel(readModel(bytes.slice().buffer), model);
  });

  it('stores only the encodings allowed', () => {
    const model = seedModel({ precision: 'int8', sparsity: 0.8, seed: 9 });
    const { report } = writeModelWithReport(model, { encodings: ['dense'] });
    const constants = report.tensors.filter((t) => t.encoding !== undefined);
    expect(constants.map((t) => t.encoding)).toEqual(['dense', 'dense', 'dense', 'dense']);
    expectSameModel(readModel(writeModel(model, { encodings: ['dense'] })), model);
  });
});

describe('model files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'topiary-format-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes atomically (no temp file left) and reads back with the file name in errors', () => {
    const model = seedModel({ precision: 'int8', sparsity: 0.8, seed: 1 });
    const path = join(dir, 'model.tpy');
    const bytes = writeModelFile(path, model);
    expect(readdirSync(dir)).toEqual(['model.tpy']);
    expect(readFileSync(path).equals(Buffer.from(bytes))).toBe(true);
    expectSameModel(readModelFile(path), model);
    writeModelFile(path, seedModel({ precision: 'f32', seed: 1 }));
    expect(readdirSync(dir)).toEqual(['model.tpy']);
    expect(readModelFile(path).tensors[2].dtype).toBe('f32');
  });

  it('leaves the old file and no temp file when the model is invalid', () => {
    const path = join(dir, 'keep.tpy');
    writeModelFile(path, seedModel({ precision: 'f32', seed: 1, size: 8, filters: 4, classes: 5 }));
    const before = readFileSync(path);
    const bad = seedModel({ precision: 'f32', seed: 1, size: 8, filters: 4, classes: 5 });
    bad.tensors[0].shape = [65];
    expect(() => writeModelFile(path, bad)).toThrow(FormatError);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('keep'))).toEqual(['keep.tpy']);
  });

  it('says which file cannot be read', () => {
    expect(() => readModelFile(join(dir, 'missing.tpy'))).toThrow(/missing\.tpy: cannot read the model \(ENOENT\)/);
  });
});

describe('tensorBytes', () => {
  it("counts each dtype at spec.ts's DTYPE_BYTES", () => {
    DTYPES.forEach((dtype, i) => expect(tensorBytes({ name: '', dtype, shape: [2, 3] })).toBe(6 * DTYPE_BYTES[i]));
  });
});
