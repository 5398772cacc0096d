// Every command end to end, in-process through runCli, on 600 training and 200 test digits written as
// IDX files (so --data is exercised too), in a temp folder: train -> prune -> quantize -> convert ->
// inspect -> predict, the figures each prints checked against the files it wrote; then the error paths.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../src/cli/cli.js';
import { loadCheckpointFile, rangesPath } from '../../src/cli/checkpoints.js';
import type { InspectReport } from '../../src/cli/inspect_model.js';
import { slice, type Dataset } from '../../src/data/dataset.js';
import { loadIdxSplit } from '../../src/data/idx.js';
import { loadMnist } from '../../src/data/mnist.js';
import { readModel, writeModel } from '../../src/format/index.js';
import { pruningSummary } from '../../src/prune/index.js';
import type { QatModel } from '../../src/quant/qat.js';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, isTTY: false });
  return { code, stdout, stderr };
}

/** An IDX file: 00 00 08 rank, big-endian dims, the bytes. */
function idx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function writeSplit(dir: string, prefix: string, d: Dataset, gzip: boolean): void {
  const pixels = Uint8Array.from(d.images, (v) => Math.round(v * 255));
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  write(`${prefix}-images-idx3-ubyte`, idx([d.count, 28, 28], pixels));
  write(`${prefix}-labels-idx1-ubyte`, idx([d.count], d.labels));
}

const percentOf = (text: string, label: RegExp) => Number(label.exec(text)?.[1]);

let dir: string;
let data: string;
let empty: string;
const at = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'topiary-cli-'));
  data = join(dir, 'digits');
  empty = join(dir, 'empty');
  mkdirSync(data);
  mkdirSync(empty);
  const { train, test } = loadMnist();
  writeSplit(data, 'train', slice(train, 0, 600), true);
  writeSplit(data, 't10k', slice(test, 0, 200), false);
});

const common = () => ['--data', data, '--cache-dir', at('cache')];

describe('topiary train -> prune -> quantize -> convert -> inspect -> predict', () => {
  it('train writes a checkpoint whose test accuracy is the one printed, and a rerun comes from the cache', async () => {
    const r = await run('train', ...common(), '--epochs', '3', '--seed', '1', '--out', at('base.ckpt'));
    expect(r).toMatchObject({ code: EXIT.ok, stderr: '' });
    expect(r.stdout).toContain(`training the baseline on 600 training samples from ${data}: 3 epochs, batch 32, seed 1`);
    expect(r.stdout).toMatch(/Epoch 3\/3 - .* val_acc/);
    const printed = percentOf(r.stdout, /test accuracy ([\d.]+)% on 200 samples/);
    const loaded = loadCheckpointFile(at('base.ckpt'));
    expect(loaded.kind).toBe('float');
    const test = loadIdxSplit(data, 'test');
    expect(printed).toBe(Number((loaded.model.evaluate(test).accuracy * 100).toFixed(2)));
    expect(printed).toBeGreaterThan(40); // 3 epochs on 540 digits: far above chance

    const again = await run('train', ...common(), '--epochs', '3', '--seed', '1', '--out', at('again.ckpt'), '--quiet');
    expect(again.stdout).toContain('weights from the cache');
    expect(again.stdout).not.toContain('Epoch');
    expect(readFileSync(at('again.ckpt'))).toEqual(readFileSync(at('base.ckpt')));
    const fresh = await run('train', ...common(), '--epochs', '3', '--seed', '1', '--out', at('fresh.ckpt'), '--quiet', '--fresh');
    expect(fresh.stdout).not.toContain('from the cache');
    expect(readFileSync(at('fresh.ckpt'))).toEqual(readFileSync(at('base.ckpt'))); // same seed, same weights
  });

  it('prune fine-tunes to the target sparsity per kernel and prints the report it wrote', async () => {
    const r = await run('prune', at('base.ckpt'), '--data', data, '--epochs', '2', '--frequency', '5', '--sparsity', '0.75', '--quiet', '--out', at('pruned.ckpt'));
    expect(r).toMatchObject({ code: EXIT.ok, stderr: '' });
    const model = loadCheckpointFile(at('pruned.ckpt')).model;
    const summary = pruningSummary(model);
    for (const k of summary.kernels) expect(k.sparsity).toBeCloseTo(0.75, 1); // 108-weight conv: 27 of 108 kept
    expect(summary.kernels.find((k) => k.name === 'dense/kernel')!.nonzeros).toBe(5070); // roundHalfEven(20,280 * 0.25)
    expect(r.stdout).toContain('dense/kernel   2028x10   20,280     5,070    75.00%');
    expect(r.stdout).toMatch(/test accuracy [\d.]+% \(before pruning [\d.]+%\) on 200 samples/);
  });

  it('prune --pattern 4x1 zeroes whole blocks of the Dense kernel and leaves the conv dense', async () => {
    const r = await run('prune', at('base.ckpt'), '--data', data, '--epochs', '2', '--frequency', '5', '--pattern', '4x1', '--quiet', '--out', at('block.ckpt'));
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain('note: conv2d/kernel [3x3x1x12] is not 2-D, as 4x1 blocks need: it stays dense');
    const model = loadCheckpointFile(at('block.ckpt')).model;
    const [conv, dense] = [model.params[0], model.params[2]];
    expect(conv.value.every((w) => w !== 0)).toBe(true);
    // Dense [2028, 10]: rows 4i..4i+3 of a column are all zero or all kept
    let zeroBlocks = 0;
    for (let o = 0; o < 10; o++) {
      for (let i = 0; i < 2028; i += 4) {
        const zeros = [0, 1, 2, 3].filter((d) => dense.value[(i + d) * 10 + o] === 0).length;
        expect([0, 4]).toContain(zeros);
        if (zeros === 4) zeroBlocks++;
      }
    }
    expect(zeroBlocks / (507 * 10)).toBeCloseTo(0.8, 2);
  });

  it('quantize runs PQAT on the pruned checkpoint: zeros kept, checkpoint + ranges written, int8 accuracy printed', async () => {
    const r = await run('quantize', at('pruned.ckpt'), '--data', data, '--quiet', '--out', at('pqat.ckpt'));
    expect(r).toMatchObject({ code: EXIT.ok, stderr: '' });
    expect(r.stdout).toContain('PQAT (keeping the 75.00% zeros of the kernels) on 600 training samples');
    expect(r.stdout).toContain(`wrote ${at('pqat.ckpt')} and ${at('pqat.ranges.json')}`);
    const loaded = loadCheckpointFile(at('pqat.ckpt'));
    expect(loaded.kind).toBe('qat');
    expect(pruningSummary(loaded.model).total.sparsity).toBeCloseTo(0.75, 3);
    const qat = loaded.model as QatModel;
    qat.evaluation = 'integer';
    const int8 = percentOf(r.stdout, /200 samples: ([\d.]+)% int8/);
    expect(int8).toBe(Number((qat.evaluate(loadIdxSplit(data, 'test')).accuracy * 100).toFixed(2)));
  });

  it('convert writes the int8 model file the report describes; inspect reads it back; predict gives the QAT int8 accuracy', async () => {
    const c = await run('convert', at('pqat.ckpt'), '--out', at('pqat.tpy'));
    expect(c).toMatchObject({ code: EXIT.ok, stderr: '' });
    const bytes = readFileSync(at('pqat.tpy'));
    expect(c.stdout).toContain(`quantize int8, sparse auto: ${bytes.length.toLocaleString('en-US')} bytes`);
    expect(c.stdout).toContain(`wrote ${at('pqat.tpy')}: ${bytes.length.toLocaleString('en-US')} bytes, ${gzipSync(bytes, { level: 9 }).length.toLocaleString('en-US')} gzipped`);

    const i = await run('inspect', at('pqat.tpy'), '--json');
    expect(i.code).toBe(EXIT.ok);
    const report = JSON.parse(i.stdout) as InspectReport;
    expect(report).toMatchObject({ bytes: bytes.length, sizesKnown: true, input: { dtype: 'f32', shape: [28, 28] }, output: { dtype: 'f32', shape: [10] } });
    expect(report.ops.map((o) => o.op)).toEqual(['quantize', 'reshape', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'dequantize']);
    const conv = report.tensors.find((t) => t.label === 'conv2d/kernel')!;
    expect(conv).toMatchObject({ dtype: 'int8', role: 'kernel', quant: { granularity: 'per-channel', axis: 3, scale: { count: 12 }, zeroPoint: { min: 0, max: 0 } } });
    const dense = report.tensors.find((t) => t.label === 'dense/kernel')!;
    expect(dense).toMatchObject({ dtype: 'int8', quant: { granularity: 'per-tensor', zeroPoint: 0 }, nonzeros: 5070 });
    // every byte of the file is accounted for
    const recordBytes = report.tensors.reduce((a, t) => a + t.recordBytes!, 0);
    expect(recordBytes + report.headerBytes! + report.opBytes!).toBe(bytes.length);
    const text = await run('inspect', at('pqat.tpy'));
    expect(text.stdout).toContain('dense/kernel   int8   [2028,10]');
    expect(text.stdout).toMatch(/conv2d\/kernel .* axis 3: 12 scales [\d.e-]+\.\.[\d.e-]+, zero point 0/);

    const p = await run('predict', at('pqat.tpy'), '--data', data, '--json');
    expect(p.code).toBe(EXIT.ok);
    const out = JSON.parse(p.stdout) as { samples: number; accuracy: number; perClass: { samples: number; correct: number }[]; predictions: number[] };
    expect(out.samples).toBe(200);
    expect(out.predictions).toHaveLength(200);
    expect(out.perClass.reduce((a, c) => a + c.samples, 0)).toBe(200);
    const qat = loadCheckpointFile(at('pqat.ckpt')).model as QatModel;
    qat.evaluation = 'integer';
    expect(out.accuracy).toBe(qat.evaluate(loadIdxSplit(data, 'test')).accuracy); // the runtime is bit-exact with the QAT int8 model
  });

  it('inspect a file another writer encoded: everything but the per-tensor bytes', async () => {
    const model = readModel(readFileSync(at('pqat.tpy')));
    writeFileSync(at('csr.tpy'), writeModel(model, { encodings: ['csr'] }));
    const r = await run('inspect', at('csr.tpy'));
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain('bytes per tensor: unknown (the file was not written by this version of topiary');
    expect(r.stdout).toMatch(/dense\/kernel +int8 +\[2028,10\] +\? +\? +\? +75\.00%/);
    const json = JSON.parse((await run('inspect', at('csr.tpy'), '--json')).stdout) as InspectReport;
    expect(json).toMatchObject({ sizesKnown: false, weights: { elements: 20388, nonzeros: 5097 } });
  });

  it('convert a float checkpoint: f32, dynamic, int8 calibrated on --data, --sparse never; predict on --images/--labels', async () => {
    const f32 = await run('convert', at('pruned.ckpt'), '--out', at('f32.tpy'), '--names');
    expect(f32.stdout).toContain('quantize none, sparse auto');
    const dyn = await run('convert', at('base.ckpt'), '--quantize', 'dynamic', '--out', at('dyn.tpy'));
    expect(dyn.stdout).toContain('quantize dynamic, sparse auto');
    const int8 = await run('convert', at('base.ckpt'), '--quantize', 'int8', '--data', data, '--calibration-samples', '100', '--out', at('ptq.tpy'));
    expect(int8.stdout).toContain('calibrating int8 ranges on the first 100 training images');
    const dense = await run('convert', at('pruned.ckpt'), '--sparse', 'never', '--out', at('dense.tpy'));
    expect([f32.code, dyn.code, int8.code, dense.code]).toEqual([0, 0, 0, 0]);
    expect(readFileSync(at('dense.tpy')).length).toBeGreaterThan(readFileSync(at('f32.tpy')).length);

    const named = JSON.parse((await run('inspect', at('f32.tpy'), '--json')).stdout) as InspectReport;
    expect(named.tensors.find((t) => t.role === 'kernel' && t.shape.length === 2)).toMatchObject({ label: 'dense/kernel', dtype: 'f32', nonzeros: 5070 });
    const never = JSON.parse((await run('inspect', at('dense.tpy'), '--json')).stdout) as InspectReport;
    expect(never.sizesKnown).toBe(true);
    expect(new Set(never.tensors.filter((t) => t.encoding).map((t) => t.encoding))).toEqual(new Set(['dense']));
    const ptq = JSON.parse((await run('inspect', at('ptq.tpy'), '--json')).stdout) as InspectReport;
    expect(ptq.tensors.find((t) => t.label === 'dense/kernel')!.quant).toMatchObject({ granularity: 'per-channel', axis: 1 });

    const images = join(data, 't10k-images-idx3-ubyte');
    const labels = join(data, 't10k-labels-idx1-ubyte');
    const viaFiles = await run('predict', at('ptq.tpy'), '--images', images, '--labels', labels);
    const viaData = await run('predict', at('ptq.tpy'), '--data', data, '--scalar');
    expect(viaFiles.code).toBe(EXIT.ok);
    const accuracy = (s: string) => /accuracy ([\d.]+)% \((\d+) of 200\)/.exec(s)?.[2];
    expect(accuracy(viaFiles.stdout)).toBeDefined();
    expect(accuracy(viaFiles.stdout)).toBe(accuracy(viaData.stdout)); // SIMD and scalar builds, same int8 answers
    expect(viaData.stdout).toContain('scalar kernels');
  });
});

describe('topiary errors: one line, non-zero exit, no file left behind', () => {
  const fails = async (argv: string[], code: number, message: string | RegExp) => {
    const r = await run(...argv);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(code);
    expect(r.stderr.endsWith('\n') && r.stderr.split('\n').length === 2, r.stderr).toBe(true);
    if (typeof message === 'string') expect(r.stderr).toBe(`${message}\n`);
    else expect(r.stderr).toMatch(message);
  };

  it('a missing or wrong input file', async () => {
    await fails(['convert', at('nope.ckpt'), '--out', at('x.tpy')], EXIT.error, `topiary convert: ${at('nope.ckpt')} does not exist; pass a checkpoint written by topiary train, prune or quantize`);
    await fails(['prune', dir, '--out', at('x.ckpt')], EXIT.error, `topiary prune: ${dir} is a folder; pass a checkpoint written by topiary train, prune or quantize`);
    await fails(['convert', at('pqat.tpy'), '--out', at('x.tpy')], EXIT.error, /^topiary convert: .*pqat\.tpy is not a topiary checkpoint/);
    await fails(['predict', at('nope.tpy')], EXIT.error, `topiary predict: ${at('nope.tpy')} does not exist; pass a model file written by topiary convert`);
    await fails(['inspect', at('base.ckpt')], EXIT.error, `topiary inspect: ${at('base.ckpt')}: not a topiary model (starts with 54 50 59 43, a model starts with 'TPRY'); pass a file written by topiary`);
  });

  it('a corrupt model file: truncated, or a flipped byte', async () => {
    const bytes = readFileSync(at('pqat.tpy'));
    writeFileSync(at('truncated.tpy'), bytes.subarray(0, 1000));
    const flipped = Uint8Array.from(bytes);
    flipped[500] ^= 0x40;
    writeFileSync(at('flipped.tpy'), flipped);
    await fails(['inspect', at('truncated.tpy')], EXIT.error, `topiary inspect: ${at('truncated.tpy')}: the file is 1000 bytes but its header says ${bytes.length}; it was truncated, copy or export it again`);
    await fails(['predict', at('flipped.tpy')], EXIT.error, new RegExp(`^topiary predict: ${at('flipped.tpy')}: checksum mismatch \\(stored \\d+, computed \\d+\\); the file changed after it was written`));
  });

  it('a corrupt checkpoint, and a QAT checkpoint without its ranges or where a float one is needed', async () => {
    writeFileSync(at('cut.ckpt'), readFileSync(at('base.ckpt')).subarray(0, 5000));
    await fails(['convert', at('cut.ckpt'), '--out', at('x.tpy')], EXIT.error, /^topiary convert: .*cut\.ckpt: expected \d+ bytes for \d+ parameters, found 5000; the file is truncated or corrupt/);
    writeFileSync(at('lonely.ckpt'), readFileSync(at('pqat.ckpt')));
    await fails(['convert', at('lonely.ckpt'), '--out', at('x.tpy')], EXIT.error, `topiary convert: ${at('lonely.ckpt')} is a QAT checkpoint but its ranges file ${rangesPath(at('lonely.ckpt'))} cannot be read; keep the two files (written by topiary quantize) together`);
    await fails(['quantize', at('pqat.ckpt'), '--out', at('x.ckpt')], EXIT.error, /^topiary quantize: .*pqat\.ckpt is a QAT checkpoint \(from topiary quantize\); topiary quantize takes a float checkpoint/);
    await fails(['convert', at('pqat.ckpt'), '--quantize', 'none', '--out', at('x.tpy')], EXIT.usage, /is a QAT checkpoint, int8 already; for --quantize none convert the float checkpoint it was quantized from/);
  });

  it('bad flag values', async () => {
    await fails(['train', '--epochs', '0', '--out', at('x.ckpt')], EXIT.usage, "topiary train: --epochs expects a whole number >= 1, got '0'");
    await fails(['prune', at('base.ckpt'), '--sparsity', '1.5', '--out', at('x.ckpt')], EXIT.usage, "topiary prune: --sparsity expects a number >= 0 and < 1, got '1.5'");
    await fails(['convert', at('base.ckpt'), '--quantize', 'int4', '--out', at('x.tpy')], EXIT.usage, "topiary convert: --quantize must be one of none, dynamic, int8, got 'int4'; did you mean int8?");
    await fails(['prune', at('base.ckpt'), '--data', data, '--layers', 'dense,flatten', '--out', at('x.ckpt')], EXIT.error, 'topiary prune: --layers: the model has no Conv2D or Dense layer \'flatten\'; its prunable layers are conv2d, dense');
    await fails(['prune', at('base.ckpt'), '--data', data, '--pattern', '2:4', '--layers', 'conv2d', '--out', at('x.ckpt')], EXIT.error, 'topiary prune: --layers conv2d: conv2d/kernel [3x3x1x12] has fewer than the 4 input channels of a 2:4 group; leave it out or use another --pattern');
    await fails(['prune', at('base.ckpt'), '--data', data, '--epochs', '1', '--out', at('x.ckpt')], EXIT.error, 'topiary prune: the fine-tune has 17 steps and the ramp ends at step 6 (--schedule-end 0.4), before the first mask update at step 100 (--frequency); lower --frequency or raise --epochs or --schedule-end');
  });

  it('--data pointing at an empty folder or a missing one, and images of the wrong size', async () => {
    await fails(['train', '--data', empty, '--out', at('x.ckpt')], EXIT.error, new RegExp(`^topiary train: ${empty}: no train images file \\(looked for train-images-idx3-ubyte\\[\\.gz\\]\\)`));
    await fails(['predict', at('pqat.tpy'), '--data', empty], EXIT.error, /no test images file \(looked for t10k-images-idx3-ubyte/);
    await fails(['convert', at('base.ckpt'), '--quantize', 'int8', '--data', join(dir, 'missing'), '--out', at('x.tpy')], EXIT.error, /missing: cannot list it/);
    const small = join(dir, 'small');
    mkdirSync(small);
    writeFileSync(join(small, 'i'), idx([2, 14, 14], new Uint8Array(2 * 196)));
    writeFileSync(join(small, 'l'), idx([2], new Uint8Array(2)));
    await fails(['predict', at('pqat.tpy'), '--images', join(small, 'i'), '--labels', join(small, 'l')], EXIT.error, /images are 14x14, the model needs 28x28/);
  });

  it('an --out that cannot be written fails before any training, and no failure leaves a file', async () => {
    const t0 = performance.now();
    await fails(['train', '--data', data, '--out', join(dir, 'no', 'such', 'x.ckpt')], EXIT.error, `topiary train: --out ${join(dir, 'no', 'such', 'x.ckpt')}: the folder ${join(dir, 'no', 'such')} does not exist; create it first`);
    await fails(['quantize', at('base.ckpt'), '--out', data], EXIT.error, `topiary quantize: --out ${data} is a folder; give a file name inside it`);
    expect(performance.now() - t0).toBeLessThan(2000);
    // a failed convert keeps the file that was there
    const before = readFileSync(at('f32.tpy'));
    await fails(['convert', at('lonely.ckpt'), '--out', at('f32.tpy')], EXIT.error, /cannot be read/);
    expect(readFileSync(at('f32.tpy'))).toEqual(before);
    for (const name of ['x.ckpt', 'x.tpy', 'x.ranges.json']) expect(existsSync(at(name)), name).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('bench hands its flags to the bench pipeline, which refuses an --out it cannot create before training', async () => {
    writeFileSync(at('a-file'), 'not a folder');
    const r = await run('bench', '--quick', '--out', join(at('a-file'), 'results'));
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).toMatch(new RegExp(`^topiary bench: cannot create ${join(at('a-file'), 'results', 'models')} \\(.*\\); pass --out with a folder you can write to\n$`));
  });
});
