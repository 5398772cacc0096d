import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertToFile } from '../../src/convert/convert_file.js';
import { convertToBytes } from '../../src/convert/index.js';
import { readModelFile } from '../../src/format/model_file.js';
import { toySeed } from './helpers.js';

describe('convertToFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'topiary-convert-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the bytes convertToBytes gives, leaves no temporary file, and returns the report', () => {
    const path = join(dir, 'model.tpy');
    const report = convertToFile(path, toySeed(), { quantize: 'dynamic', minElements: 0 });
    const { bytes } = convertToBytes(toySeed(), { quantize: 'dynamic', minElements: 0 });
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    expect(report.totalBytes).toBe(bytes.length);
    expect(readModelFile(path).tensors.filter((t) => t.dtype === 'int8').length).toBe(2);
    expect(readdirSync(dir)).toEqual(['model.tpy']);
  });

  it('converts before it touches the disk: a model that cannot convert leaves the old file', () => {
    const path = join(dir, 'keep.tpy');
    convertToFile(path, toySeed());
    const before = readFileSync(path);
    const broken = toySeed();
    broken.params[0].value[0] = Infinity;
    expect(() => convertToFile(path, broken)).toThrow(/layer 'conv2d' kernel has Infinity/);
    expect(readFileSync(path)).toEqual(before);
  });
});
