// Runtime bench, one thread: the 2,004 test digits in batches of 32 and batch-1 latency for the
// f32, int8 and sparse int8 model files, SIMD and scalar builds side by side, and (SIMD) each file
// through its family's entry point too (topiary/runtime/int8 or /f32, their own kernel builds) (rounds interleaved,
// medians of rounds, so a busy machine slows every row alike); accuracy of each file; cold start in
// fresh processes (load time and the first batch-1 calls, with and without the warm-up), and the
// garbage collections during 100,000 steady-state calls (under --trace-gc: 0 = nothing allocated).
// `--sweep` instead times sparse vs dense kernels over pruning levels (the resolver's minSparsity).
// Run: `npx tsc -p tsconfig.build.json && node dist/bench/runtime.js [--sweep]`.
// Models: the cached baseline and 80%-pruned fine-tune (src/recipes), int8 by PTQ calibrated on
// 1,000 training digits (per-layer min/max; bench/runtime_models.ts stands in for src/convert): the
// sparse int8 row is pruned + PTQ, not pruned + QAT, which runs the same kernels at the same speed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { loadMnist } from '../src/data/mnist.js';
import { writeModel } from '../src/format/write.js';
import { cloneModel, type Sequential } from '../src/model/sequential.js';
import { trainBaseline } from '../src/recipes/baseline.js';
import { trainPruned } from '../src/recipes/pruned.js';
import { loadModel, type Interpreter, type LoadModel } from '../src/runtime/index.js';
import { loadModel as loadF32 } from '../src/runtime/f32.js';
import { loadModel as loadInt8 } from '../src/runtime/int8.js';
import { floatModel, int8Model, pruneKernels, quantizedModel } from './runtime_models.js';
import { medianOf } from './measure.js';

const ROUNDS = 5;
const BATCH = 32;
const BATCH1_CALLS = 200; // per timed iteration: batch-1 calls take microseconds
const PIXELS = 784;

interface Variant {
  label: string;
  target?: { allMs: number; batch1Us: number };
  bytes: Uint8Array;
}


/** Runs every task `ROUNDS` times interleaved; returns each task's median of per-round medians (ms). */
function measure(tasks: [string, () => void][]): Map<string, number> {
  const perRound = new Map<string, number[]>(tasks.map(([name]) => [name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const bench = new Bench({ time: 250, warmupTime: 50 });
    for (const [name, fn] of tasks) bench.add(name, fn);
    bench.runSync();
    for (const t of bench.tasks) {
      const res = t.result;
      if (res.state !== 'completed') throw new Error(`${t.name}: ${res.state}`);
      perRound.get(t.name)!.push(res.latency.p50);
    }
  }
  return new Map([...perRound].map(([name, ms]) => [name, medianOf(ms)]));
}

/** A pass over all samples in batches of 32 into `out`, with the batch views made once. */
function fullPass(interp: Interpreter, images: Float32Array, out: Float32Array): () => void {
  const n = images.length / PIXELS, classes = interp.outputSize;
  const ins: Float32Array[] = [], outs: Float32Array[] = [], sizes: number[] = [];
  for (let s = 0; s < n; s += BATCH) {
    const b = Math.min(BATCH, n - s);
    ins.push(images.subarray(s * PIXELS, (s + b) * PIXELS));
    outs.push(out.subarray(s * classes, (s + b) * classes));
    sizes.push(b);
  }
  return () => {
    for (let i = 0; i < ins.length; i++) interp.run(ins[i], sizes[i], outs[i]);
  };
}

function accuracy(interp: Interpreter, images: Float32Array, labels: Uint8Array | ArrayLike<number>): number {
  const classes = interp.predict(images);
  let correct = 0;
  for (let i = 0; i < classes.length; i++) if (classes[i] === labels[i]) correct++;
  return correct / classes.length;
}

/** Child process: load a model file cold and time the load and the first batch-1 calls. */
function coldChild(file: string, warmup: number, simd: boolean): void {
  const bytes = new Uint8Array(readFileSync(file));
  const x = new Float32Array(PIXELS).map((_, i) => (i % 7) / 7);
  const t0 = performance.now();
  const interp = loadModel(bytes, { warmup, simd });
  const loadMs = performance.now() - t0;
  const callsUs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    interp.run(x, 1);
    callsUs.push((performance.now() - t) * 1000);
  }
  process.stdout.write(JSON.stringify({ loadMs, callsUs }));
}

/** The family entry point of a variant: topiary/runtime/int8 for int8 files, /f32 for the others. */
const entryOf = (label: string): [string, LoadModel] => (label.startsWith('int8') ? ['int8', loadInt8] : ['f32', loadF32]);

/** Child process (under --trace-gc): steady-state run/predict calls between two markers. */
function gcChild(file: string, entry?: string): void {
  const interp = (entry === 'int8' ? loadInt8 : entry === 'f32' ? loadF32 : loadModel)(new Uint8Array(readFileSync(file)));
  const x1 = new Float32Array(PIXELS).fill(0.3), x32 = new Float32Array(32 * PIXELS).fill(0.3), out = new Float32Array(320), ids = new Int32Array(32);
  const calls = () => {
    interp.run(x1, 1); interp.predict(x1, 1); interp.run(x32, 32); interp.run(x32, 32, out); interp.predict(x32, 32, ids);
  };
  for (let i = 0; i < 1000; i++) calls(); // every batch size seen once, every function optimized
  console.log('--- start');
  for (let i = 0; i < 20000; i++) calls();
  console.log('--- end');
}

/** Garbage collections during 100,000 steady-state run/predict calls: 0 means they allocate nothing. */
function gcCount(file: string, entry = 'full'): number {
  const script = fileURLToPath(import.meta.url);
  const log = execFileSync(process.execPath, ['--trace-gc', script, '--gc', file, entry], { encoding: 'utf8' });
  const during = log.slice(log.indexOf('--- start'), log.indexOf('--- end'));
  return during.split('\n').filter((l) => /Scavenge|Mark-Compact|Minor/.test(l)).length;
}

function cold(file: string, warmup: number, simd: boolean): { loadMs: number; callsUs: number[] } {
  const script = fileURLToPath(import.meta.url);
  return JSON.parse(execFileSync(process.execPath, [script, '--cold', file, String(warmup), simd ? 'simd' : 'scalar'], { encoding: 'utf8' }));
}

function sweep(model: Sequential, calib: Float32Array, images: Float32Array): void {
  console.log('\nSparse vs dense kernels by sparsity (SIMD, 2,004 digits in batches of 32, ms; median of rounds):');
  console.log('sparsity | f32 dense | f32 sparse | int8 dense | int8 sparse');
  for (const s of [0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) {
    const pruned = pruneKernels(cloneModel(model), s);
    const files = { f32: writeModel(floatModel(pruned)), int8: writeModel(int8Model(quantizedModel(pruned, calib, calib.length / PIXELS))) };
    const out = new Float32Array((images.length / PIXELS) * 10);
    const tasks: [string, () => void][] = [];
    for (const p of ['f32', 'int8'] as const) {
      for (const sparse of ['never', 'always'] as const) tasks.push([`${p} ${sparse}`, fullPass(loadModel(files[p], { sparse }), images, out)]);
    }
    const t = measure(tasks);
    const f = (k: string) => t.get(k)!.toFixed(2).padStart(6);
    console.log(`${String(s).padEnd(8)} | ${f('f32 never')}    | ${f('f32 always')}     | ${f('int8 never')}     | ${f('int8 always')}`);
  }
}

function main(): void {
  const { train, test } = loadMnist();
  const { model, cached } = trainBaseline(train);
  const pruned = trainPruned(train);
  const calibCount = 1000;
  const calib = train.images.subarray(0, calibCount * PIXELS);
  if (process.argv.includes('--sweep')) return sweep(model, calib, test.images);
  const sparseModel = pruned.model;
  const variants: Variant[] = [
    { label: 'f32 dense', target: { allMs: 20, batch1Us: 20 }, bytes: writeModel(floatModel(model)) },
    { label: 'int8 dense', target: { allMs: 12, batch1Us: 20 }, bytes: writeModel(int8Model(quantizedModel(model, calib, calibCount))) },
    { label: 'int8 sparse 80%', target: { allMs: 8, batch1Us: 20 }, bytes: writeModel(int8Model(quantizedModel(sparseModel, calib, calibCount))) },
    { label: 'f32 sparse 80%', bytes: writeModel(floatModel(sparseModel)) },
    { label: 'dynamic range', bytes: writeModel(floatModel(model, true)) },
  ];

  // Cold start first, in fresh processes, before this process warms anything.
  const dir = mkdtempSync(join(tmpdir(), 'topiary-bench-'));
  const coldRows: string[] = [];
  try {
    for (const v of variants.slice(0, 3)) {
      const file = join(dir, 'model.tpy');
      writeFileSync(file, v.bytes);
      for (const warmup of [0, 10]) {
        const c = cold(file, warmup, true);
        coldRows.push(`${v.label.padEnd(16)} warmup ${warmup}: load ${c.loadMs.toFixed(1)} ms, first batch-1 calls (us): ${c.callsUs.map((u) => u.toFixed(0)).join(' ')}`);
      }
      coldRows.push(`${v.label.padEnd(16)} garbage collections during 100,000 steady-state run/predict calls (batch 1 and 32): ${gcCount(file)}, through topiary/runtime/${entryOf(v.label)[0]} ${gcCount(file, entryOf(v.label)[0])}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const n = test.count;
  const out = new Float32Array(n * 10);
  const one = test.images.subarray(0, PIXELS), oneOut = new Float32Array(10);
  const tasks: [string, () => void][] = [];
  const rows: { v: Variant; isa: string; entry: string; interp: Interpreter; acc: number }[] = [];
  for (const v of variants) {
    const [family, load] = entryOf(v.label);
    for (const [entry, simd] of [['runtime', true], ['runtime', false], [family, true]] as const) {
      const interp = (entry === 'runtime' ? loadModel : load)(v.bytes, { simd }), key = `${v.label} ${interp.isa} ${entry}`;
      rows.push({ v, isa: interp.isa, entry, interp, acc: accuracy(interp, test.images, test.labels) });
      tasks.push([`${key} all`, fullPass(interp, test.images, out)]);
      tasks.push([`${key} b1`, () => {
        for (let i = 0; i < BATCH1_CALLS; i++) interp.run(one, 1, oneOut);
      }]);
    }
  }
  const t = measure(tasks);

  console.log(`Runtime bench: ${n} test digits, batches of ${BATCH}, one thread, Node ${process.version}; baseline ${cached ? 'from cache' : 'trained now'}, pruned ${pruned.cached ? 'from cache' : 'trained now'}.`);
  console.log('Shared 2-core machine: other work may run at the same time; compare rows of this run, not across runs.\n');
  console.log('model            | isa    | entry   | file B | accuracy | all digits ms | batch-1 us | target (all / b1) | kernels');
  for (const { v, isa, entry, interp, acc } of rows) {
    const key = `${v.label} ${isa} ${entry}`, all = t.get(`${key} all`)!, b1 = (t.get(`${key} b1`)! / BATCH1_CALLS) * 1000;
    const target = v.target && isa === 'simd' && entry === 'runtime' ? `<= ${v.target.allMs} ms / < ${v.target.batch1Us} us` : '';
    console.log(`${v.label.padEnd(16)} | ${isa.padEnd(6)} | ${(entry === 'runtime' ? entry : `/${entry}`).padEnd(7)} | ${String(v.bytes.length).padStart(6)} | ${(acc * 100).toFixed(2).padStart(7)}% | ${all.toFixed(2).padStart(13)} | ${b1.toFixed(1).padStart(10)} | ${target.padEnd(17)} | ${interp.kernels.join(' ')}`);
  }
  console.log('\nCold start and allocation (fresh processes, SIMD):');
  for (const r of coldRows) console.log(`  ${r}`);
}

if (process.argv[2] === '--cold') coldChild(process.argv[3], Number(process.argv[4]), process.argv[5] === 'simd');
else if (process.argv[2] === '--gc') gcChild(process.argv[3], process.argv[4]);
else main();
