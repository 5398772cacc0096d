// `npm run bench` as a function: train (or load) every model, build each variant's file, check its
// accuracy on the test digits, time every variant side by side, write latest.json / latest.md /
// chart.svg and the model files. bench/index.ts is the command line around it; the CLI's
// `topiary bench` can call runBench too.
import { mkdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../src/atomic_write.js';
import { convertToBytes } from '../src/convert/index.js';
import type { ConvertOptions } from '../src/convert/index.js';
import { ConfigError } from '../src/errors.js';
import { readModel } from '../src/format/read.js';
import { checkpointBytes } from '../src/model/checkpoint.js';
import type { Sequential } from '../src/model/sequential.js';
import { QatModel, qatState } from '../src/quant/qat.js';
import { loadModel } from '../src/runtime/index.js';
import { BATCH1_CALLS, FULL_TIMING, measureLatencies, QUICK_TIMING, type Runner } from './measure.js';
import { fullRecipes, loadBenchData, Models, quickRecipes, trainingThroughput, type BenchData } from './models.js';
import { stderrLog, type Log } from './progress.js';
import type { BenchResults, VariantLatency, VariantResult } from './report/results.js';
import { reportMarkdown } from './report/table.js';
import { REPORT_FILES, writeReport } from './report/write.js';
import { runtimeGzipBytes } from './runtime_gzip.js';
import { attachThreads, type Threads } from './threads.js';
import { trainAll } from './training.js';
import { CALIBRATION_SAMPLES, variantsFor, type Variant } from './variants.js';

export interface BenchOptions {
  /** The whole pipeline on 1,000 training digits with short training and timing (under a minute). */
  quick?: boolean;
  /** Retrain every model instead of loading cached weights. */
  fresh?: boolean;
  /** Results folder (default bench/results). */
  out?: string;
  /** Threads of table 3 and of training (default: every core). */
  threads?: number;
  /** Threads that train at once; default `threads`. */
  trainThreads?: number;
  /** Seed of every recipe (default: the recipes' own). */
  seed?: number;
  /** IDX files instead of the mnist package. */
  dataDir?: string;
  /** Training cache (default .cache/topiary in the working directory). */
  cacheDir?: string;
  log?: Log;
}

/** What a run leaves behind, beyond what BenchResults declares. */
export interface BenchRun extends BenchResults {
  /** Where the digits came from. */
  data: string;
  /** How training.samplesPerSecond was measured. */
  trainingSource: string;
  /** Seconds from start to the written report. */
  wallSeconds: number;
  /** What the tables cannot say: how sizes and figures were taken. */
  notes: string[];
  variants: (VariantResult & { kernels?: string[] })[];
}

interface Built {
  variant: Variant;
  model: Sequential;
  /** The files of the variant, written to models/ (the first is the one `file` names). */
  files: { name: string; bytes: Uint8Array }[];
  /** The runtime's model file, for lite rows. */
  lite?: Uint8Array;
}

export async function runBench(o: BenchOptions = {}): Promise<{ results: BenchRun; paths: ReturnType<typeof writeReport> }> {
  const startedAt = Date.now();
  const log = o.log ?? stderrLog();
  const out = o.out ?? join('bench', 'results');
  const threads = o.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new ConfigError('BAD_THREADS', `threads must be a positive integer, got ${threads}`);
  const modelsDir = join(out, 'models');
  try {
    mkdirSync(modelsDir, { recursive: true }); // before training, so a bad --out fails in a second, not in three minutes
  } catch (e) {
    throw new ConfigError('OUT_UNWRITABLE', `cannot create ${modelsDir} (${(e as Error).message}); pass --out with a folder you can write to`);
  }
  const load = loadavg()[0];

  const recipes = o.quick ? quickRecipes(o.seed) : fullRecipes(o.seed);
  const variants = variantsFor(recipes);
  const data = loadBenchData(recipes, o.dataDir);
  log.line(`data: ${data.source}${o.quick ? ' (--quick)' : ''}`);

  const models = new Models(data, recipes, { cacheDir: o.cacheDir, fresh: o.fresh, log });
  await trainAll(models, [...new Set(variants.map((v) => v.model))], {
    threads: o.trainThreads ?? threads, fresh: o.fresh ?? false,
  });
  const training = models.trainingSamplesPerSecond !== null
    ? { samplesPerSecond: models.trainingSamplesPerSecond, source: 'measured while training the baseline in this run (one thread, nothing else training)' }
    : { samplesPerSecond: trainingThroughput(data.train, recipes.baseline, models.backend), source: 'the baseline came from the cache: one timed epoch of its recipe on a fresh model (one thread), after a warm-up epoch' };

  const built = variants.map((v) => build(v, models, data));
  for (const b of built) for (const f of b.files) writeFileAtomic(join(modelsDir, f.name), f.bytes);
  log.line(`built ${built.length} variants into ${modelsDir}`);

  const test = data.test;
  const rows = new Map<string, Row>();
  for (const b of built) {
    const row = b.lite ? liteRow(b, data) : engineRow(b, data);
    rows.set(b.variant.id, row);
    log.line(`${b.variant.id}: ${(row.accuracy * 100).toFixed(2)}% on ${test.count.toLocaleString('en-US')} test ${data.unit}`);
  }
  const threaded = await attachThreads(
    built.map((b) => ({ id: b.variant.id, model: b.model, lite: b.lite, runner: rows.get(b.variant.id)!.runner, logits: rows.get(b.variant.id)!.logits })),
    test.images, test.count, threads, recipes.qat.denseWeights,
  );
  const missing = [threaded.engineMissing && `engine rows: ${threaded.engineMissing}`, threaded.liteMissing && `lite rows: ${threaded.liteMissing}`].filter(Boolean);
  log.line(`${threads} threads: pools started, each gave the one-thread logits${missing.length ? `; no multi-thread figure for ${missing.join('; ')}` : ''}`);
  try {
    const runtimeSize = runtimeGzipBytes();
    log.line(`runtime: ${runtimeSize.bytes === null ? `size not measured: ${runtimeSize.why}` : `${runtimeSize.bytes.toLocaleString('en-US')} bytes gzipped as shipped`}`);
    const timing = o.quick ? QUICK_TIMING : FULL_TIMING;
    log.line(`timing ${rows.size} variants: ${timing.rounds} round(s), tinybench ${timing.time} ms per task and round`);
    const runners = new Map([...rows].map(([id, r]) => [id, r.runner]));
    const latency = await measureLatencies(runners, test.images, test.count, timing, (round, ms) => log.line(`timing round ${round}/${timing.rounds} done in ${(ms / 1000).toFixed(1)} s`));

    const results: BenchRun = {
      date: new Date().toISOString(),
      quick: o.quick ?? false,
      env: { node: process.version, cpu: cpus()[0]?.model.trim() ?? 'unknown', threads: availableParallelism() },
      training: { samplesPerSecond: training.samplesPerSecond },
      runtime: { gzipBytes: runtimeSize.bytes },
      baselineId: 'baseline',
      data: data.source,
      trainingSource: training.source,
      wallSeconds: 0,
      notes: [],
      variants: built.map((b) => variantResult(b, rows.get(b.variant.id)!, latency.get(b.variant.id)!, threads)),
    };
    results.notes = notes(results, { threads: threaded, load, calibration: Math.min(CALIBRATION_SAMPLES, data.train.count), runtimeSize });
    results.wallSeconds = Math.round((Date.now() - startedAt) / 100) / 10;
    const paths = writeReport(out, results);
    writeFileAtomic(paths.markdown, `${reportMarkdown(results, REPORT_FILES.chart)}\n${notesMarkdown(results.notes)}`);
    log.line(`wrote ${paths.json}, ${paths.markdown}, ${paths.chart} (${results.wallSeconds} s in all)`);
    return { results, paths };
  } finally {
    await threaded.close();
  }
}

/** What checking a variant gives: its accuracy and sparsity, and how to time it. */
interface Row {
  accuracy: number;
  sparsity: number;
  /** Logits of the whole test set, one thread (the multi-thread paths must give the same). */
  logits(): Float32Array;
  /** The runtime's kernels, for lite rows. */
  kernels?: string[];
  runner: Runner;
}

function variantResult(b: Built, r: Row, latency: VariantLatency, threads: number): BenchRun['variants'][number] {
  const raw = b.files.reduce((s, f) => s + f.bytes.length, 0);
  const gz = b.files.reduce((s, f) => s + gzipSync(f.bytes, { level: 9 }).length, 0);
  return {
    id: b.variant.id,
    name: b.variant.name,
    accuracy: r.accuracy,
    bytes: raw,
    gzipBytes: gz,
    sparsity: r.sparsity,
    latency,
    threads,
    precision: b.variant.precision,
    file: `models/${b.files[0].name}`,
    ...(r.kernels ? { kernels: r.kernels } : {}),
  };
}

/** A variant's model and files: engine rows their checkpoint, lite rows the converted model file. */
function build(v: Variant, models: Models, data: BenchData): Built {
  const model = models.get(v.model);
  if (v.run === 'engine') {
    const files = [{ name: `${v.id}.ckpt`, bytes: checkpointBytes(model) }];
    if (model instanceof QatModel) files.push({ name: `${v.id}.ranges.json`, bytes: new TextEncoder().encode(`${JSON.stringify(qatState(model))}\n`) });
    return { variant: v, model, files };
  }
  const calibration = data.train.images.subarray(0, Math.min(CALIBRATION_SAMPLES, data.train.count) * model.inputSize);
  const options: Record<Exclude<Variant['run'], 'engine'>, ConvertOptions> = {
    'f32': { quantize: 'none' },
    'dynamic': { quantize: 'dynamic' },
    'ptq-int8': { quantize: 'int8', representativeData: calibration },
    'qat-int8': {},
  };
  const { bytes } = convertToBytes(model, options[v.run]);
  return { variant: v, model, files: [{ name: `${v.id}.tpy`, bytes }], lite: bytes };
}

function engineRow(b: Built, data: BenchData): Row {
  const { model } = b;
  const per = model.inputSize;
  const runner: Runner = { run: (images, n) => void model.predict(n * per === images.length ? images : images.subarray(0, n * per), 32) };
  const logits = () => model.predict(data.test.images, 32);
  return { accuracy: model.evaluate(data.test).accuracy, sparsity: kernelSparsity(model.params.filter((p) => p.name === 'kernel').map((p) => p.value)), logits, runner };
}

function liteRow(b: Built, data: BenchData): Row {
  const interp = loadModel(b.lite!, { name: `${b.variant.id}.tpy` });
  const test = data.test;
  const classes = interp.predict(test.images);
  let correct = 0;
  for (let i = 0; i < test.count; i++) if (classes[i] === test.labels[i]) correct++;
  const file = readModel(b.lite!);
  const kernels = file.ops.flatMap((op) => (op.op === 'conv2d' || op.op === 'dense' ? [file.tensors[op.kernel].data!] : []));
  const per = interp.inputSize;
  const out = new Float32Array(test.count * interp.outputSize);
  const runner: Runner = { run: (images, n) => void interp.run(n * per === images.length ? images : images.subarray(0, n * per), n, out.subarray(0, n * interp.outputSize)) };
  const logits = () => interp.run(test.images, test.count).slice();
  return { accuracy: correct / test.count, sparsity: kernelSparsity(kernels), kernels: [...interp.kernels], logits, runner };
}

/** Fraction of exact zeros over all the kernels. */
function kernelSparsity(kernels: ArrayLike<number>[]): number {
  let zeros = 0, total = 0;
  for (const k of kernels) {
    total += k.length;
    for (let i = 0; i < k.length; i++) if (k[i] === 0) zeros++;
  }
  return total === 0 ? 0 : zeros / total;
}

function notes(r: BenchRun, o: { threads: Threads; load: number; calibration: number; runtimeSize: ReturnType<typeof runtimeGzipBytes> }): string[] {
  const base = r.variants.find((v) => v.id === 'baseline');
  const lines = [
    `Engine rows (baseline, pruned, QAT) run the engine's own predict; their file is the engine's checkpoint (models/<id>.ckpt: a JSON header and float32 weights; QAT adds its ranges, models/qat.ranges.json, counted in). Every "Smaller" ratio is against the baseline's checkpoint (${base?.bytes?.toLocaleString('en-US') ?? '—'} bytes); the same weights as a lite f32 file are the "baseline + lite (f32)" row.`,
    `Lite rows are converted with the converter's defaults (each tensor in its smallest encoding) and run in the WASM runtime (SIMD build where available); their accuracy is the model file run over the test set (${r.data}).`,
    `Post-training int8 calibrates on the first ${o.calibration} training samples (global min/max). The block (4x1) and 2:4 rows prune only the Dense kernel (blocks need a rank-2 kernel; 2:4 groups input channels and the first conv has one), so their overall sparsity is a little under the Dense kernel's.`,
    `Batch 1: ${BATCH1_CALLS} calls per timed iteration, divided. Training throughput: ${r.trainingSource}.`,
    `Table 3: the test set read from and written to shared memory; lite rows on the runtime's worker pool with { caller: true } (src/runtime/pool.ts: the calling thread and threads - 1 workers, an interpreter each, claim runs of 32 digits as they go), engine rows split into one contiguous run per thread on worker threads with one engine model each (bench/engine_pool.ts); every pool gave the one-thread logits bit for bit before it was timed.${missingThreads(o.threads)}`,
  ];
  lines.push(o.runtimeSize.bytes === null
    ? `Runtime size not measured: ${o.runtimeSize.why}.`
    : `Runtime size: ${o.runtimeSize.what}, as an app ships it, bundled and minified by rolldown, gzip -9; bench/runtime_size.ts has every entry point and split.`);
  const cores = r.env.threads;
  if (o.load > cores / 2) lines.push(`The machine was busy: load average ${o.load.toFixed(1)} on ${cores} cores when the run began, so absolute times are noisy; ratios within this run are the figures to compare.`);
  return lines;
}

function missingThreads(t: Threads): string {
  const why = [t.engineMissing && `engine rows: ${t.engineMissing}`, t.liteMissing && `lite rows: ${t.liteMissing}`].filter(Boolean);
  return why.length ? ` Not measured (—): ${why.join('; ')}.` : '';
}

function notesMarkdown(lines: string[]): string {
  return ['### Notes', '', ...lines.map((l) => `- ${l}`), ''].join('\n');
}
