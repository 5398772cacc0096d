// The worker pool (src/runtime/pool.ts) on Node's worker_threads: results bit-exact to one thread for
// f32 and int8 models (dense and sparse, even and uneven splits, shared and copied buffers, calls in
// flight together), the same errors as run() for bad input, and workers that die (exit, throw, fail
// to start) rejecting the pending call without a hang. Workers cannot run TypeScript, so this test
// bundles src/runtime with rolldown into a temp folder (examples/browser/build.mjs) and uses that.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as PoolModule from '../../src/runtime/pool.js';
import type * as RuntimeModule from '../../src/runtime/index.js';
import { bits, bundlePool, settled, type BundledPool } from './bundled_pool.js';
import { bytesOf, floatModel, images, int8Model, pruneKernels, quantizedModel, seedArchitecture } from './models.js';
import { LINGER_MS } from '../../src/runtime/pool_messages.js';

let bundle: BundledPool, dir: string;
let P: typeof PoolModule;
let R: typeof RuntimeModule;

// Fault injection: a worker script that runs the real one with its message handler wrapped, so that
// on a given message the worker breaks instead of handling it.
const wrapper = (act: string, when: string) => `import { parentPort } from 'node:worker_threads';
const on = parentPort.on.bind(parentPort);
parentPort.on = (event, handler) => on(event, (m) => { if (${when}) { ${act}; } handler(m); });
await import('./worker.js');
`;

// a worker that breaks on its first job handed over in shared memory (no message: it takes the job
// by swapping CLAIMED, 2, for IDLE, 0, in slot 0 of its control block)
const onFastJob = (act: string) => `const cas = Atomics.compareExchange.bind(Atomics);
Atomics.compareExchange = (a, i, e, v) => { if (a.buffer.byteLength === 32 && i === 0 && e === 2 && v === 0 && Atomics.load(a, 0) === 2) { ${act}; } return cas(a, i, e, v); };
await import('./worker.js');
`;

beforeAll(async () => {
  bundle = await bundlePool('topiary-pool-', {
    'exit_on_job.js': wrapper('process.exit(7)', "m.type === 'job' && m.id === 1"),
    'throw_on_job.js': wrapper("throw new Error('injected failure')", "m.type === 'job' && m.id === 1"),
    'exit_on_load.js': wrapper('process.exit(3)', "m.type === 'load'"),
    'exit_on_fast_job.js': onFastJob('process.exit(9)'),
    'throw_on_fast_job.js': onFastJob("throw new Error('injected fast failure')"),
  });
  ({ dir, P, R } = bundle);
});

afterAll(() => bundle.remove());

const worker = (name: string) => pathToFileURL(join(dir, name));

/**
 * Calls `call` until one rejects (at most `tries` times) and returns its error, checking each result
 * before it. A call takes the shared-memory fast path only while the workers still linger from the call
 * before (LINGER_MS); on a loaded machine that can lapse, and the call then goes by message and succeeds.
 */
async function untilRejected<T>(call: () => Promise<T>, check: (value: T) => void, tries = 40): Promise<unknown> {
  for (let i = 0; i < tries; i++) {
    const r = await settled(call());
    if ('error' in r) return r.error;
    check(r.value as T);
    // a turn of the event loop, where a worker's exit is heard: calls on the fast path settle in
    // microtasks, and one whose dead worker never took its job completes without it (the caller
    // ran every run; the pool took the job back), so only the next call can fail
    await new Promise((ok) => setImmediate(ok));
  }
  return undefined;
}

const seed = seedArchitecture(21);
const pruned = pruneKernels(seedArchitecture(22), 0.8);
const calib = images(98, 64, 784);
const MODELS: [string, Uint8Array][] = [
  ['f32 dense', bytesOf(floatModel(seed))],
  ['f32 80% sparse', bytesOf(floatModel(pruned))],
  ['int8 dense', bytesOf(int8Model(quantizedModel(seed, calib, 64)))],
  ['int8 80% sparse', bytesOf(int8Model(quantizedModel(pruned, calib, 64)))],
];
const N = 203; // 6 full runs of 32 and a partial one; 2 and 3 threads split it unevenly
const x = images(7, N, 784);

describe('split', () => {
  const sizes = (chunks: [number, number][]) => chunks.map(([, c]) => c);

  it('gives contiguous chunks covering every sample, one per thread; equal speeds: sizes within one', () => {
    for (const [n, threads] of [[2004, 2], [2004, 3], [203, 4], [1, 2], [5, 8], [64, 1]]) {
      for (const speeds of [new Array<number>(threads).fill(0), new Array<number>(threads).fill(3.5)]) {
        const chunks = P.split(n, speeds);
        expect(chunks.length).toBe(threads);
        let next = 0;
        for (const [start, count] of chunks) {
          expect(start).toBe(next);
          next += count;
        }
        expect(next).toBe(n);
        expect(Math.max(...sizes(chunks)) - Math.min(...sizes(chunks))).toBeLessThanOrEqual(1);
      }
    }
  });

  it('sizes chunks to measured speeds, unknown ones as the average, each within 2x of the average', () => {
    expect(sizes(P.split(2004, [2, 1]))).toEqual([1336, 668]);
    expect(sizes(P.split(1000, [0, 3, 1]))).toEqual([333, 500, 167]); // unknown = mean of 3 and 1
    expect(sizes(P.split(1000, [100, 1]))).toEqual([798, 202]); // speeds 100 and 50.5 / 2 (the slow one raised to half the average)
    expect(sizes(P.split(10, [1, 1, 1]))).toEqual([4, 3, 3]); // rounding: the first thread on ties
  });
});

describe('results are the one-thread results, bit for bit', () => {
  for (const [label, bytes] of MODELS) {
    it(label, async () => {
      const one = R.loadModel(bytes, { warmup: 0 });
      const want = one.run(x, N).slice();
      const classes = one.predict(x, N).slice();
      for (const [threads, caller] of [[2, false], [3, false], [2, true], [1, true]] as const) {
        const pool = await P.createPool(bytes, { threads, caller, warmup: 0 });
        try {
          expect([pool.threads, pool.caller]).toEqual([threads, caller]);
          expect(pool.isa).toBe(one.isa);
          expect([pool.inputShape, pool.outputShape, pool.inputSize, pool.outputSize]).toEqual([[784], [10], 784, 10]);
          expect(bits(await pool.run(x, N))).toEqual(bits(want));
          expect(bits(await pool.run(x))).toEqual(bits(want)); // batchSize from the input's length
          expect(await pool.predict(x, N)).toEqual(classes);
          expect(bits(await pool.run(x.subarray(0, 784), 1))).toEqual(bits(want.subarray(0, 10))); // fewer samples than threads
          for (let i = 0; i < 3; i++) expect(bits(await pool.run(x, N))).toEqual(bits(want)); // after the split has followed measured speeds
        } finally {
          await pool.close();
        }
      }
    });
  }

  it("{runtime: 'int8'}: every thread loads topiary/runtime/int8; the same logits; an f32 model refused with wrong_entry", async () => {
    const bytes = MODELS[3][1];
    const want = R.loadModel(bytes, { warmup: 0 }).run(x, N).slice();
    for (const caller of [false, true]) {
      const pool = await P.createPool(bytes, { threads: 2, caller, warmup: 0, runtime: 'int8' });
      try {
        expect(bits(await pool.run(x, N))).toEqual(bits(want));
      } finally {
        await pool.close();
      }
      await expect(P.createPool(MODELS[0][1], { threads: 2, caller, warmup: 0, runtime: 'int8' })).rejects.toMatchObject({ name: 'RuntimeError', code: 'wrong_entry' });
    }
    await expect(P.createPool(bytes, { threads: 2, runtime: 'qs8' as 'int8' })).rejects.toMatchObject({ name: 'RuntimeError', code: 'bad_option' });
  });

  for (const caller of [false, true]) it(`with output buffers, shared memory both ways, the scalar build and calls in flight together${caller ? ', the caller computing' : ''}`, async () => {
    const bytes = MODELS[3][1];
    const want = R.loadModel(bytes, { warmup: 0 }).run(x, N).slice();
    const pool = await P.createPool(bytes, { threads: 2, caller, warmup: 0, simd: false, maxBatch: 8 });
    try {
      expect(pool.isa).toBe('scalar');
      const out = new Float32Array(N * 10 + 5).fill(-1);
      expect(await pool.run(x, N, out)).toBe(out);
      expect(bits(out.subarray(0, N * 10))).toEqual(bits(want));
      expect(out[N * 10]).toBe(-1); // nothing written past the batch

      const sx = new Float32Array(new SharedArrayBuffer(x.byteLength));
      sx.set(x);
      const sout = new Float32Array(new SharedArrayBuffer(N * 40));
      expect(await pool.run(sx, N, sout)).toBe(sout);
      expect(bits(sout)).toEqual(bits(want));

      const parts = [0, 50, 100, 150].map((s) => pool.run(x.subarray(s * 784, (s + 53) * 784), 53));
      const got = await Promise.all(parts);
      got.forEach((g, i) => expect(bits(g)).toEqual(bits(want.subarray(i * 500, i * 500 + 530))));
    } finally {
      await pool.close();
    }
  });
});

describe('errors', () => {
  it('bad input gives the same RuntimeError as run()', async () => {
    const bytes = MODELS[0][1];
    const one = R.loadModel(bytes, { warmup: 0 });
    const pool = await P.createPool(bytes, { threads: 2, warmup: 0 });
    try {
      const cases: [unknown, number | undefined][] = [
        [Array.from(x.subarray(0, 784)), 1],
        [new Float64Array(784), undefined],
        [x.subarray(0, 700), undefined],
        [x.subarray(0, 784 * 3), 2],
        [x.subarray(0, 784), 0],
        [x.subarray(0, 784), 1.5],
      ];
      for (const [input, batch] of cases) {
        let want: unknown;
        try {
          one.run(input as Float32Array, batch);
        } catch (e) {
          want = e;
        }
        expect(want).toBeInstanceOf(R.RuntimeError);
        const got = await pool.run(input as Float32Array, batch).catch((e: unknown) => e);
        expect(got).toBeInstanceOf(R.RuntimeError);
        expect([(got as RuntimeModule.RuntimeError).code, (got as Error).message]).toEqual([(want as RuntimeModule.RuntimeError).code, (want as Error).message]);
      }
      await expect(pool.run(x.subarray(0, 784 * 2), 2, new Float32Array(10))).rejects.toMatchObject({ code: 'input_type' });
      await expect(pool.predict(x.subarray(0, 784), 1, new Float32Array(1) as unknown as Int32Array)).rejects.toMatchObject({ code: 'input_type' });
      expect(bits(await pool.run(x.subarray(0, 784), 1))).toEqual(bits(one.run(x.subarray(0, 784), 1))); // still usable
    } finally {
      await pool.close();
    }
  });

  it('bad options and bad files: the errors loadModel gives, and no worker left running', async () => {
    await expect(P.createPool(MODELS[0][1], { threads: 0 })).rejects.toMatchObject({ name: 'RuntimeError', code: 'bad_option' });
    const loadError = (bytes: Uint8Array, options: RuntimeModule.LoadOptions) => {
      try {
        R.loadModel(bytes, options);
      } catch (e) {
        return e;
      }
    };
    const badBatch = loadError(MODELS[0][1], { maxBatch: 0 });
    expect(badBatch).toMatchObject({ name: 'RuntimeError', code: 'bad_option' });
    for (const caller of [false, true]) {
      const got = await P.createPool(MODELS[0][1], { threads: 2, caller, maxBatch: 0 }).catch((e: unknown) => e);
      expect([(got as Error).name, (got as RuntimeModule.RuntimeError).code, (got as Error).message]).toEqual(['RuntimeError', 'bad_option', (badBatch as Error).message]);
    }
    const corrupt = MODELS[0][1].slice();
    corrupt[corrupt.length - 9] ^= 0x55;
    const want = loadError(corrupt, {});
    const got = await P.createPool(corrupt, { threads: 2 }).catch((e: unknown) => e);
    expect(got).toBeInstanceOf(R.FormatError);
    expect((got as Error).message).toBe((want as Error).message);
  });

  for (const caller of [false, true]) it(`a worker that exits mid-run rejects the call with worker_failed; the pool is closed, not hung${caller ? ' (the caller computing)' : ''}`, async () => {
    const pool = await P.createPool(MODELS[2][1], { threads: caller ? 3 : 2, caller, warmup: 0, worker: worker('exit_on_job.js') });
    const r = await settled(pool.run(x, N)); // job 0 runs on worker 1 while worker 2 exits on job 1
    expect(r.error).toBeInstanceOf(R.RuntimeError);
    expect(r.error).toMatchObject({ code: 'worker_failed', message: expect.stringMatching(/^worker 2 of 2 exited with code 7; the pool is closed/) });
    expect((await settled(pool.run(x, N))).error).toBe(r.error); // later calls: the same error, at once
    expect((await settled(pool.close())).error).toBeUndefined();
  });

  for (const caller of [false, true]) it(`a worker that dies on a job handed over in shared memory rejects that call with worker_failed, not a hang${caller ? ' (the caller computing)' : ''}`, async () => {
    const pool = await P.createPool(MODELS[3][1], { threads: 2, caller, warmup: 0, worker: worker('exit_on_fast_job.js') });
    // a slow caller (5 ms a run): the worker must take its job before the caller has claimed every
    // run, else the pool takes the job back (revoke) and the worker never sees it
    const local = (pool as unknown as { local?: { run: RuntimeModule.Interpreter['run'] } }).local;
    if (local) {
      const run = local.run.bind(local);
      local.run = (i, b, o) => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5), run(i, b, o));
    }
    const shared = new Float32Array(new SharedArrayBuffer(x.byteLength));
    shared.set(x);
    const want = R.loadModel(MODELS[3][1], { warmup: 0 }).run(x, N).slice();
    expect(bits(await pool.run(shared, N))).toEqual(bits(want)); // by message; the workers then wait for the next job
    // the same buffers: handed over, and the worker exits on it
    const error = await untilRejected(() => pool.run(shared, N), (v) => expect(bits(v)).toEqual(bits(want)));
    expect(error).toMatchObject({ name: 'RuntimeError', code: 'worker_failed', message: expect.stringMatching(/exited with code 9; the pool is closed/) });
    expect((await settled(pool.run(shared, N))).error).toBe(error);
    expect((await settled(pool.close())).error).toBeUndefined();
  });

  it('a worker that throws on a job handed over in shared memory rejects that call; the next call still runs (by message)', async () => {
    const pool = await P.createPool(MODELS[2][1], { threads: 2, warmup: 0, worker: worker('throw_on_fast_job.js') });
    const want = R.loadModel(MODELS[2][1], { warmup: 0 }).predict(x, N).slice();
    const out = new Int32Array(new SharedArrayBuffer(N * 4));
    expect(await pool.predict(x, N, out)).toEqual(want);
    const error = await untilRejected(() => pool.predict(x, N, out), (v) => expect(v).toEqual(want));
    expect(error).toMatchObject({ name: 'RuntimeError', code: 'worker_failed', message: expect.stringContaining('threw Error: injected fast failure') });
    expect((await settled(pool.predict(x, N, out))).value).toEqual(want);
    await pool.close();
  });

  it('a worker that throws mid-run rejects the call with worker_failed naming the error', async () => {
    const pool = await P.createPool(MODELS[2][1], { threads: 2, warmup: 0, worker: worker('throw_on_job.js') });
    const r = await settled(pool.predict(x, N));
    expect(r.error).toMatchObject({ name: 'RuntimeError', code: 'worker_failed', message: expect.stringContaining('threw Error: injected failure') });
    await pool.close();
  });

  it('a worker that dies while loading, or a worker script that is missing, fails createPool', async () => {
    const dies = await settled(P.createPool(MODELS[0][1], { threads: 2, worker: worker('exit_on_load.js') }));
    expect(dies.error).toMatchObject({ name: 'RuntimeError', code: 'worker_failed', message: expect.stringContaining('exited with code 3') });
    const missing = await settled(P.createPool(MODELS[0][1], { threads: 2, worker: worker('no_such_worker.js') }));
    expect(missing.error).toMatchObject({ name: 'RuntimeError', code: 'worker_failed', message: expect.stringContaining("threw Error: Cannot find module") });
  });

  it('close() rejects the call in flight and every later one with pool_closed', async () => {
    const pool = await P.createPool(MODELS[1][1], { threads: 2, warmup: 0 });
    const big = images(8, 2004, 784);
    const inFlight = settled(pool.run(big, 2004));
    await pool.close();
    expect((await inFlight).error).toMatchObject({ name: 'RuntimeError', code: 'pool_closed' });
    await expect(pool.run(x, N)).rejects.toMatchObject({ code: 'pool_closed' });
    await pool.close(); // twice is fine
  });
});

describe('lifetime', () => {
  it('a worker waiting for a shared-memory job still reads a message at once (calls switching buffers do not stall)', async () => {
    const pool = await P.createPool(MODELS[2][1], { threads: 2, warmup: 0 });
    const shared = new Float32Array(new SharedArrayBuffer(2 * 784 * 4));
    shared.set(x.subarray(0, 2 * 784));
    const want = R.loadModel(MODELS[2][1], { warmup: 0 }).predict(x.subarray(0, 2 * 784), 2).slice();
    await pool.predict(shared, 2);
    const t = performance.now();
    // each switch sends a message to a worker that lingers for LINGER_MS (20 ms) unless released
    for (let i = 0; i < 30; i++) expect(await pool.predict(i % 2 ? shared : x.subarray(0, 2 * 784), 2)).toEqual(want);
    // stalled, every call waits out a whole linger (30 x LINGER_MS = 600 ms at least); not stalled, a call
    // is a message round trip, so the bound is loose enough for a loaded CI machine
    expect(performance.now() - t).toBeLessThan(0.75 * 30 * LINGER_MS);
    await pool.close();
  });

  it('defaults to every hardware thread', async () => {
    const pool = await P.createPool(MODELS[0][1], { warmup: 0 });
    expect(pool.threads).toBe(availableParallelism());
    await pool.close();
  });

  it('an idle pool does not keep Node running (a script that forgets close() still exits)', () => {
    const file = join(dir, 'model.tpy');
    writeFileSync(file, MODELS[0][1]);
    const script = `import { readFileSync } from 'node:fs';
import { createPool } from ${JSON.stringify(pathToFileURL(join(dir, 'pool.js')).href)};
const pool = await createPool(readFileSync(${JSON.stringify(file)}), { threads: 2, warmup: 0 });
const digits = await pool.predict(new Float32Array(784 * 3), 3);
console.log(digits.length);`;
    writeFileSync(join(dir, 'forgets_close.js'), script);
    const child = spawnSync(process.execPath, [join(dir, 'forgets_close.js')], { encoding: 'utf8', timeout: 15_000 });
    expect(child.error).toBeUndefined(); // no timeout
    expect([child.status, child.stdout.trim(), child.stderr]).toEqual([0, '3', '']);
  });
});
