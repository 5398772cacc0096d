// Worker pool speed-up: the 2,004 test digits (batches of 32 inside each worker's chunk) on this
// thread (loadModel), on a pool of one worker and on a pool of two, for the f32, int8 and sparse int8
// model files. Each round runs every task of every model, and a figure is the median of all its calls,
// so load from other processes hits every row alike; speed-ups are ratios of medians from one run.
// The pool rows take the images from a SharedArrayBuffer (no copy) and, in a last row, from an
// ordinary Float32Array (copied into the pool's staging buffer on each call).
// A control row splits a plain integer loop the same way over bare worker_threads: its speed-up is what
// two threads can get on this machine at that moment (Linux groups a session's threads for fair
// scheduling, so when other sessions keep the cores busy, even this loop gets no speed-up).
// Run: `npx tsc -p tsconfig.build.json && node dist/bench/pool.js [rounds]`.
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { convertToBytes } from '../src/convert/index.js';
import { loadMnist } from '../src/data/mnist.js';
import { trainBaseline } from '../src/recipes/baseline.js';
import { trainQat } from '../src/recipes/qat.js';
import { loadModel } from '../src/runtime/index.js';
import { createPool, type Pool } from '../src/runtime/pool.js';

const ROUNDS = Number(process.argv[2] ?? 20);
const CALLS = 5; // timed calls per task and round

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1];

async function time(fn: () => unknown): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return ms;
}

const LOOP = `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (n) => { let x = 1; for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0; parentPort.postMessage(x); });`;
const LOOP_STEPS = 20_000_000;

/** The control: LOOP_STEPS steps of a loop on one bare worker, and split over two. */
function control(): { tasks: [string, () => unknown][]; close(): Promise<void> } {
  const workers = [0, 1, 2].map(() => new Worker(LOOP, { eval: true }));
  const step = (w: Worker, n: number) => new Promise((ok) => { w.once('message', ok); w.postMessage(n); });
  return {
    tasks: [
      ['thread', () => step(workers[0], LOOP_STEPS)],
      ['pool2', () => Promise.all([step(workers[1], LOOP_STEPS / 2), step(workers[2], LOOP_STEPS / 2)])],
    ],
    close: async () => void (await Promise.all(workers.map((w) => w.terminate()))),
  };
}

async function main(): Promise<void> {
  const { train, test } = loadMnist();
  const n = test.images.length / 784;
  const shared = new Float32Array(new SharedArrayBuffer(test.images.byteLength));
  shared.set(test.images);
  const baseline = trainBaseline(train);
  const qat = trainQat(train);
  const pqat = trainQat(train, undefined, { from: 'pruned' });
  const files: [string, Uint8Array][] = [
    ['f32 dense', convertToBytes(baseline.model, { quantize: 'none' }).bytes],
    ['int8 dense (QAT)', convertToBytes(qat.model, { quantize: 'int8' }).bytes],
    ['int8 sparse (pruned + QAT)', convertToBytes(pqat.model, { quantize: 'int8' }).bytes],
  ];
  console.log(`Pool bench: ${n} test digits, batches of 32, Node ${process.version}, ${availableParallelism()} hardware threads, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start;`);
  console.log(`models ${[baseline, qat, pqat].every((r) => r.cached) ? 'from cache' : 'trained now'}; ${ROUNDS} rounds x ${CALLS} calls, median ms per pass over the test set.\n`);
  const rows: { label: string; tasks: [string, () => unknown][]; close(): Promise<void> }[] = [];
  for (const [label, bytes] of files) {
    const one = loadModel(bytes);
    const pools: Pool[] = [await createPool(bytes, { threads: 1 }), await createPool(bytes, { threads: 2 })];
    const want = one.run(test.images, n).slice();
    for (const p of pools) {
      const got = await p.run(shared, n);
      if (!got.every((v, i) => Object.is(v, want[i]))) throw new Error(`${label}: the pool's logits differ from one thread's`);
    }
    const out = new Float32Array(n * 10);
    rows.push({
      label,
      tasks: [
        ['thread', () => one.run(test.images, n, out)],
        ['pool1', () => pools[0].run(shared, n, out)],
        ['pool2', () => pools[1].run(shared, n, out)],
        ['pool2copy', () => pools[1].run(test.images, n, out)],
      ],
      close: async () => void (await Promise.all(pools.map((p) => p.close()))),
    });
  }
  rows.push({ label: 'control: integer loop', ...control() });
  // every task of every model in each round, so a burst of outside load hits all rows alike
  const ms = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const row of rows) {
      for (const [k, fn] of row.tasks) {
        const key = `${row.label}/${k}`;
        ms.set(key, [...(ms.get(key) ?? []), ...(await time(fn))]);
      }
    }
  }
  console.log('model                      | this thread | pool, 1 worker | pool, 2 workers | 2 workers, copied input | 2 workers vs this thread | vs 1 worker');
  for (const row of rows) {
    const m = (k: string) => median(ms.get(`${row.label}/${k}`) ?? [NaN]);
    const f = (v: number, w: number) => (Number.isNaN(v) ? '' : v.toFixed(2)).padStart(w);
    const x = (v: number, w: number) => (Number.isNaN(v) ? '' : `${v.toFixed(2)}x`).padStart(w);
    console.log(`${row.label.padEnd(26)} | ${f(m('thread'), 11)} | ${f(m('pool1'), 14)} | ${f(m('pool2'), 15)} | ${f(m('pool2copy'), 23)} | ${x(m('thread') / m('pool2'), 24)} | ${x(m('pool1') / m('pool2'), 11)}`);
    await row.close();
  }
  console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end (other work shares these cores).`);
}

await main();
