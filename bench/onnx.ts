// onnxruntime-node beside topiary's runtime, one thread each: the 2,004 test digits in batches of 32.
// onnxruntime runs the fp32 baseline exported by bench/onnx_export.ts; topiary runs the same baseline
// as f32, the QAT model as int8 and the pruned + QAT model as sparse int8 (as bench/pool.ts builds
// them). Before timing, onnxruntime's logits must match the engine's forward of the baseline within
// 1e-4 on every digit (this checks the exporter's NHWC -> NCHW layout), or the bench fails.
// Rounds interleave every row (one pass each per round) and a row's figure is its median pass, so
// load from other processes hits every row alike; the ratios are of medians from this one run, and
// of best passes (on a busy machine, the closest to what an idle one gives).
//
// onnxruntime-node is not a dependency of topiary (CI does not download it): install it anywhere and
// point at that folder, e.g.
//   mkdir -p /tmp/ort && cd /tmp/ort && npm init -y && npm install onnxruntime-node
//   npx tsc -p tsconfig.build.json && node dist/bench/onnx.js --ort /tmp/ort [--rounds 30] [--save model.onnx]
// (or TOPIARY_ORT=/tmp/ort). Without it the bench says so and exits 0.
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../src/atomic_write.js';
import { convertToBytes } from '../src/convert/index.js';
import { loadMnist } from '../src/data/mnist.js';
import { trainBaseline } from '../src/recipes/baseline.js';
import { trainQat } from '../src/recipes/qat.js';
import { loadModel, type Interpreter } from '../src/runtime/index.js';
import { exportOnnx } from './onnx_export.js';
import { medianOf } from './measure.js';

const BATCH = 32;
const TOLERANCE = 1e-4;

// The few parts of onnxruntime-node's API used here (its types are not installed with topiary).
interface OrtTensor {
  data: Float32Array;
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
interface Ort {
  env: { versions?: Record<string, string> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** onnxruntime-node from `dir` (a folder with it under node_modules, or the package folder itself). */
function loadOrt(dir: string | undefined): Ort | string {
  if (!dir) return 'no onnxruntime-node given: pass --ort DIR or set TOPIARY_ORT to a folder where `npm install onnxruntime-node` was run';
  const from = createRequire(join(resolve(dir), 'noop.js'));
  for (const id of ['onnxruntime-node', resolve(dir)]) {
    try {
      return from(id) as Ort;
    } catch {
      // try the next form
    }
  }
  return `onnxruntime-node could not be loaded from ${resolve(dir)} (run \`npm install onnxruntime-node\` there)`;
}


async function main(): Promise<void> {
  const ort = loadOrt(arg('--ort') ?? process.env.TOPIARY_ORT);
  if (typeof ort === 'string') {
    console.log(`onnx bench skipped: ${ort}.`);
    return;
  }
  const rounds = Number(arg('--rounds') ?? 30);
  const { train, test } = loadMnist();
  const n = test.labels.length, pixels = test.images.length / n;
  const baseline = trainBaseline(train);
  const qat = trainQat(train);
  const pqat = trainQat(train, undefined, { from: 'pruned' });
  const onnx = exportOnnx(baseline.model);
  const save = arg('--save');
  if (save) writeFileAtomic(save, onnx);
  const files: [string, Uint8Array][] = [
    ['topiary f32 dense', convertToBytes(baseline.model, { quantize: 'none' }).bytes],
    ['topiary int8 dense (QAT)', convertToBytes(qat.model, { quantize: 'int8' }).bytes],
    ['topiary int8 sparse (pruned + QAT)', convertToBytes(pqat.model, { quantize: 'int8', sparse: 'auto' }).bytes],
  ];

  // one thread, all graph optimizations (Conv + Relu fused, etc.), as a deployment would set it
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const batches: { start: number; count: number; feed: Record<string, OrtTensor>; out: Float32Array }[] = [];
  const logits = new Float32Array(n * 10);
  for (let start = 0; start < n; start += BATCH) {
    const count = Math.min(BATCH, n - start);
    const x = test.images.slice(start * pixels, (start + count) * pixels); // its own buffer: no offset for the binding
    batches.push({ start, count, feed: { input: new ort.Tensor('float32', x, [count, ...baseline.model.inputShape]) }, out: logits.subarray(start * 10, (start + count) * 10) });
  }
  const ortPass = async () => {
    for (const b of batches) b.out.set((await session.run(b.feed)).logits.data);
  };

  // agreement: onnxruntime vs the engine's forward of the same weights
  await ortPass();
  const engine = baseline.model.predict(test.images, BATCH);
  let worst = 0;
  for (let i = 0; i < engine.length; i++) worst = Math.max(worst, Math.abs(logits[i] - engine[i]));
  if (!(worst <= TOLERANCE)) throw new Error(`onnx bench: onnxruntime's logits differ from the engine's by up to ${worst} (> ${TOLERANCE}); the exporter is wrong`);

  const rows: { label: string; bytes: number; pass: () => unknown; accuracy: number }[] = [];
  const correct = (out: Float32Array) => {
    let hits = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (out[i * 10 + c] > out[i * 10 + best]) best = c;
      if (best === test.labels[i]) hits++;
    }
    return hits / n;
  };
  rows.push({ label: `onnxruntime-node ${ort.env.versions?.node ?? ''} fp32`.replace('  ', ' '), bytes: onnx.length, pass: ortPass, accuracy: correct(logits) });
  for (const [label, bytes] of files) {
    const interp = loadModel(bytes);
    const out = new Float32Array(n * 10);
    const pass = fullPass(interp, test.images, out, pixels);
    pass();
    rows.push({ label, bytes: bytes.length, pass, accuracy: correct(out) });
  }

  console.log(`onnxruntime-node vs topiary, one thread each: ${n} test digits in batches of ${BATCH}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start;`);
  console.log(`models ${[baseline, qat, pqat].every((r) => r.cached) ? 'from cache' : 'trained now'}; onnxruntime's logits within ${worst.toExponential(2)} of the engine's forward (limit ${TOLERANCE}); ${rounds} rounds, median ms per pass.\n`);
  const ms = rows.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, row] of rows.entries()) {
      const t = performance.now();
      await row.pass();
      ms[i].push(performance.now() - t);
    }
  }
  const best = (v: number[]) => Math.min(...v);
  console.log('model                              | file bytes | accuracy | ms per pass | best ms | onnxruntime fp32 / this (medians) | (bests)');
  for (const [i, row] of rows.entries()) {
    const m = medianOf(ms[i]), b = best(ms[i]);
    console.log(`${row.label.padEnd(34)} | ${String(row.bytes).padStart(10)} | ${(row.accuracy * 100).toFixed(2).padStart(7)}% | ${m.toFixed(2).padStart(11)} | ${b.toFixed(2).padStart(7)} | ${`${(medianOf(ms[0]) / m).toFixed(2)}x`.padStart(33)} | ${`${(best(ms[0]) / b).toFixed(2)}x`.padStart(7)}`);
  }
  console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end (other work shares these cores).`);
  await session.release?.();
}

/** A pass over all samples in batches of 32 into `out`, with the batch views made once (as bench/runtime.ts). */
function fullPass(interp: Interpreter, images: Float32Array, out: Float32Array, pixels: number): () => void {
  const n = images.length / pixels, classes = interp.outputSize;
  const calls: [Float32Array, number, Float32Array][] = [];
  for (let s = 0; s < n; s += BATCH) {
    const b = Math.min(BATCH, n - s);
    calls.push([images.subarray(s * pixels, (s + b) * pixels), b, out.subarray(s * classes, (s + b) * classes)]);
  }
  return () => {
    for (const [x, b, y] of calls) interp.run(x, b, y);
  };
}

await main();
