import { describe, expect, it } from 'vitest';
import { convertToBytes, formatConvertReport, type ConvertOptions, type ConvertReport } from '../../src/convert/index.js';
import { readModel } from '../../src/format/read.js';
import { mnistCnn } from '../../src/model/mnist_cnn.js';
import { fit } from '../../src/model/train.js';
import { pruneLowMagnitude, updatePruningStep } from '../../src/prune/wrap.js';
import { constantSparsity } from '../../src/prune/schedule.js';
import { perturb, randomDataset, randomImages } from './helpers.js';

/** Sizes add up: every tensor has a row, constants name their encoding, the smallest candidate is the one stored. */
function expectConsistent(report: ConvertReport, bytes: Uint8Array): void {
  const fm = readModel(bytes);
  expect(report.totalBytes).toBe(bytes.length);
  expect(report.tensors.map((t) => [t.index, t.dtype, t.shape])).toEqual(fm.tensors.map((t, i) => [i, t.dtype, t.shape]));
  expect(report.tensors.reduce((a, t) => a + t.recordBytes, 0) + report.headerBytes + report.opBytes).toBe(bytes.length);
  for (const t of report.tensors) {
    expect(t.label).not.toBe('');
    expect(t.encoding !== undefined).toBe(fm.tensors[t.index].data !== undefined);
    if (t.encoding === undefined) continue;
    expect(t.payloadBytes).toBe(t.candidates![t.encoding]);
    if (report.sparse === 'auto') expect(t.payloadBytes).toBe(Math.min(...Object.values(t.candidates!)));
    expect(t.recordBytes).toBeGreaterThan(t.payloadBytes!);
  }
}

describe('the seed architecture (28x28, 12 filters), trained a little and pruned to 80%', () => {
  // A short pruning fine-tune on seeded noise digits: trained weights, tfmot's masks, 80% per kernel.
  const model = perturb(mnistCnn({ seed: 21 }), 21);
  const wrapped = pruneLowMagnitude(model, { schedule: constantSparsity({ targetSparsity: 0.8, beginStep: 0, frequency: 1 }) });
  fit(wrapped, randomDataset(96, 28, 28, 10, 5), { epochs: 1, batchSize: 32, seed: 1, progress: null, callbacks: [updatePruningStep()] });
  const calibration = randomImages(16, 784, 6);
  const variants: [string, ConvertOptions][] = [
    ['f32 dense', { sparse: 'never' }],
    ['f32', {}],
    ['dynamic dense', { quantize: 'dynamic', sparse: 'never' }],
    ['dynamic', { quantize: 'dynamic' }],
    ['int8 dense', { quantize: 'int8', representativeData: calibration, sparse: 'never' }],
    ['int8', { quantize: 'int8', representativeData: calibration }],
  ];
  const runs = Object.fromEntries(variants.map(([name, options]) => [name, convertToBytes(wrapped, options)]));

  it('reports the bytes of every tensor, and they add up to the file', () => {
    for (const [, run] of Object.entries(runs)) expectConsistent(run.report, run.bytes);
  });

  it('the pruning wrapper is stripped (its masks applied) and said so', () => {
    expect(runs.f32.report.notes[0]).toBe('pruning wrapper stripped: the masks are applied to the kernels');
    const dk = readModel(runs.f32.bytes).tensors.find((t) => t.shape.join() === '2028,10')!;
    expect(dk.data!.filter((v) => v === 0).length).toBe(Math.round(20280 * 0.8));
  });

  it('each step makes the file smaller: f32 > dynamic > int8, and sparse encodings beat dense in each', () => {
    const size = (name: string) => runs[name].bytes.length;
    expect(size('f32 dense')).toBeGreaterThan(4 * 20280);
    expect(size('f32')).toBeLessThan(size('f32 dense') / 3);
    expect(size('dynamic dense')).toBeLessThan(size('f32 dense') / 3);
    expect(size('dynamic')).toBeLessThan(size('dynamic dense') / 2);
    expect(size('int8')).toBeLessThan(size('int8 dense') / 2);
    expect(size('int8')).toBeLessThan(size('f32'));
    const table = formatConvertReport(runs.int8.report);
    expect(table).toContain('dense/kernel');
    expect(table.split('\n')[0]).toBe(`quantize int8, sparse auto: ${size('int8').toLocaleString('en-US')} bytes`);
  });
});
