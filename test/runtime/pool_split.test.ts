// The pool's dynamic split (src/runtime/pool.ts, pool_messages.ts claimFront/claimBack): every run of a
// call claimed exactly once however the claims interleave; results bit for bit one thread's for every
// split (odd batch sizes, batches under the thread count, batches not a multiple of maxBatch 5 or 32, shared and
// ordinary inputs); a worker held up mid-call leaves its share to the caller, and one slow to take its
// job is not waited for; the caller throwing
// midway and a worker dying mid-call end the call with an error, never a hang; and the message path
// (no shared memory: a page that is not cross-origin isolated) keeps the static split.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { claimBack, claimFront } from '../../src/runtime/pool_messages.js';
import type * as PoolModule from '../../src/runtime/pool.js';
import type * as RuntimeModule from '../../src/runtime/index.js';
import { bits, bundlePool, settled, type BundledPool } from './bundled_pool.js';
import { bytesOf, floatModel, images, int8Model, pruneKernels, quantizedModel, seedArchitecture } from './models.js';

let bundle: BundledPool, dir: string;
let P: typeof PoolModule;
let R: typeof RuntimeModule;

// A worker that runs the real one, with Atomics.compareExchange on the call's claims watched: on a won
// claim for which \`when\` holds (wins: its won claims so far, r: the run) it does \`act\`.
const onClaim = (when: string, act: string) => `import { parentPort } from 'node:worker_threads';
let claims, wins = 0;
const on = parentPort.on.bind(parentPort);
parentPort.on = (event, handler) => on(event, (m) => { if (m.type === 'job' && m.claims) claims = m.claims.buffer; handler(m); });
const cas = Atomics.compareExchange.bind(Atomics);
Atomics.compareExchange = (a, i, e, v) => { const old = cas(a, i, e, v); if (a.buffer === claims && i > 0 && old === 0) { const r = i - 1; wins++; if (${when}) { ${act}; } } return old; };
await import('./worker.js');
`;

beforeAll(async () => {
  bundle = await bundlePool('topiary-pool-split-', {
    'exit_on_claim.js': onClaim('wins === 2', 'process.exit(5)'),
    'stall_on_claim.js': onClaim('r === 0', 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400)'),
    // a worker slow to wake: it takes a job handed over in shared memory (a swap of CLAIMED, 2, for
    // IDLE, 0, in slot 0 of its 32-byte control block) a second late
    'late_taker.js': `const cas = Atomics.compareExchange.bind(Atomics);
Atomics.compareExchange = (a, i, e, v) => { if (a.buffer.byteLength === 32 && i === 0 && e === 2 && v === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); return cas(a, i, e, v); };
await import('./worker.js');
`,
  });
  ({ dir, P, R } = bundle);
});

afterAll(() => bundle.remove());

const worker = (name: string) => pathToFileURL(join(dir, name));
const inShared = (a: Float32Array) => {
  const s = new Float32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
};


/** The caller's interpreter, to count or break its runs. */
type Run = RuntimeModule.Interpreter['run'];
const localOf = (pool: PoolModule.Pool) => (pool as unknown as { local: { run: Run } }).local;

const pruned = pruneKernels(seedArchitecture(22), 0.8);
const SPARSE = bytesOf(int8Model(quantizedModel(pruned, images(98, 64, 784), 64)));
const DENSE = bytesOf(floatModel(seedArchitecture(21)));
const N = 203;
const x = images(7, N, 784);

describe('claims', () => {
  it('every run goes to exactly one thread, however the claims interleave: the workers a prefix, the caller the rest', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 2000; trial++) {
      const runs = 1 + rng.int(40), workers = 1 + rng.int(3), caller = rng.next() < 0.7;
      const claims = new Int32Array(new SharedArrayBuffer(4 * (1 + runs)));
      const owner = new Array<number>(runs).fill(-1);
      // claimFront is two steps (the cursor, then the run's flag); other threads may act between them,
      // so each worker here takes them one at a time, as claimFront does, except for the workers'
      // last claims, made with claimFront itself
      const cursor = new Array<number | undefined>(workers).fill(undefined);
      const stopped = new Array<boolean>(workers + 1).fill(false);
      stopped[workers] = !caller;
      let back = runs - 1;
      const own = (t: number, r: number) => {
        expect(owner[r]).toBe(-1);
        owner[r] = t;
      };
      while (stopped.some((s) => !s)) {
        const t = rng.int(workers + 1);
        if (stopped[t]) continue;
        if (t === workers) {
          if (claimBack(claims, back)) own(t, back--);
          else stopped[t] = true;
        } else if (Atomics.load(claims, 0) >= runs - 2 && cursor[t] === undefined) {
          const r = claimFront(claims, runs);
          if (r < 0) stopped[t] = true;
          else own(t, r);
        } else if (cursor[t] === undefined) {
          cursor[t] = Atomics.add(claims, 0, 1);
        } else {
          const r = cursor[t]!;
          cursor[t] = undefined;
          if (r < runs && Atomics.compareExchange(claims, 1 + r, 0, 1) === 0) own(t, r);
          else stopped[t] = true;
        }
      }
      expect(owner.every((o) => o >= 0)).toBe(true);
      const firstCaller = owner.indexOf(workers);
      if (firstCaller >= 0) expect(owner.slice(firstCaller).every((o) => o === workers)).toBe(true);
      expect(owner.slice(0, firstCaller < 0 ? runs : firstCaller).every((o) => o < workers)).toBe(true);
    }
  });

  it('a worker that took a run from the cursor but has not claimed it yet still gets it: the caller stops before it', () => {
    const claims = new Int32Array(new SharedArrayBuffer(4 * 5));
    const r = Atomics.add(claims, 0, 1); // worker A: run 0 from the cursor
    expect(claimFront(claims, 4)).toBe(1); // worker B: run 1
    expect([claimBack(claims, 3), claimBack(claims, 2), claimBack(claims, 1)]).toEqual([true, true, false]);
    expect(Atomics.compareExchange(claims, 1 + r, 0, 1)).toBe(0); // A's claim of run 0 wins
    expect(claimFront(claims, 4)).toBe(-1); // run 2 is the caller's: B stops
    expect(claimBack(claims, -1)).toBe(false);
  });
});

describe('every split gives the one-thread results, bit for bit', () => {
  // [threads, caller, maxBatch]
  const sparse = [[2, true, 5], [3, true, 5], [2, false, 5], [3, false, 32], [2, true, 32]] as const;
  const dense = [[2, true, 7], [3, false, 7]] as const;
  for (const [label, bytes, splits] of [['int8 80% sparse', SPARSE, sparse], ['f32 dense', DENSE, dense]] as const) {
    it(label, async () => {
      const one = R.loadModel(bytes, { warmup: 0 });
      const want = one.run(x, N).slice(), classes = one.predict(x, N).slice();
      for (const [threads, caller, maxBatch] of splits) {
        const pool = await P.createPool(bytes, { threads, caller, maxBatch, warmup: 0 });
        try {
          for (const n of [1, 2, 3, 31, 32, 33, 97, N]) {
            for (const input of [x.subarray(0, n * 784), inShared(x.subarray(0, n * 784))]) {
              expect(bits(await pool.run(input, n)), `${threads} threads, caller ${caller}, maxBatch ${maxBatch}, batch ${n}`).toEqual(bits(want.subarray(0, n * 10)));
              expect(await pool.predict(input, n)).toEqual(classes.subarray(0, n));
            }
          }
        } finally {
          await pool.close();
        }
      }
    });
  }

  it('by message (no shared memory, as on a page that is not cross-origin isolated): the static split, the same results', async () => {
    const one = R.loadModel(SPARSE, { warmup: 0 });
    const want = one.run(x, N).slice();
    const g = globalThis as { crossOriginIsolated?: boolean };
    for (const caller of [false, true]) {
      g.crossOriginIsolated = false;
      const pool = await P.createPool(SPARSE, { threads: 2, caller, maxBatch: 7, warmup: 0 }).finally(() => delete g.crossOriginIsolated);
      try {
        expect((pool as unknown as { shared: boolean }).shared).toBe(false);
        for (const n of [1, 2, 33, N]) expect(bits(await pool.run(x.subarray(0, n * 784), n))).toEqual(bits(want.subarray(0, n * 10)));
        expect(await pool.predict(x, N)).toEqual(one.predict(x, N));
      } finally {
        await pool.close();
      }
    }
  });
});

describe('a thread held up or failing mid-call', () => {
  it('a worker stalled on the first run of each call leaves every other run to the caller', async () => {
    const want = R.loadModel(SPARSE, { warmup: 0 }).run(x, N).slice();
    const pool = await P.createPool(SPARSE, { threads: 2, caller: true, maxBatch: 8, warmup: 0, worker: worker('stall_on_claim.js') });
    try {
      const local = localOf(pool), run = local.run.bind(local);
      let mine = 0;
      local.run = (input, batch, output) => (mine++, run(input, batch, output));
      for (const input of [x, inShared(x)]) {
        mine = 0;
        expect(bits(await pool.run(input, N))).toEqual(bits(want));
        // a static split would have left the worker half the runs; the worker holds one at most (the stalled one)
        expect(mine).toBeGreaterThanOrEqual(Math.ceil(N / 8) - 1);
      }
    } finally {
      await pool.close();
    }
  });

  it('a worker slow to take its job does not hold the call: the caller runs every run and the pool takes the job back', async () => {
    const want = R.loadModel(SPARSE, { warmup: 0 }).run(x, N).slice();
    const pool = await P.createPool(SPARSE, { threads: 2, caller: true, warmup: 0, worker: worker('late_taker.js') });
    try {
      const input = inShared(x);
      // count the jobs taken back
      const inside = pool as unknown as { revoke(count: number): void; members: { pending?: unknown }[] };
      const revoke = inside.revoke.bind(pool);
      let revoked = 0;
      inside.revoke = (count) => {
        const pending = inside.members[0].pending;
        revoke(count);
        if (pending && !inside.members[0].pending) revoked++;
      };
      // by message the first time (and whenever the worker stopped lingering); then handed over
      for (let i = 0; i < 20 && revoked === 0; i++) {
        const t = performance.now();
        expect(bits(await pool.run(input, N))).toEqual(bits(want));
        expect(performance.now() - t).toBeLessThan(500);
      }
      expect(revoked).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  for (const shared of [false, true]) it(`the caller throwing midway rejects the call with its error; no worker is left waiting, and the next call runs${shared ? ' (shared input)' : ' (input copied)'}`, async () => {
    const want = R.loadModel(SPARSE, { warmup: 0 }).run(x, N).slice();
    for (const threads of [2, 3]) {
      const pool = await P.createPool(SPARSE, { threads, caller: true, maxBatch: 4, warmup: 0 });
      try {
        const local = localOf(pool), run = local.run.bind(local), input = shared ? inShared(x) : x;
        let calls = 0;
        local.run = (i, b, o) => {
          if (++calls === 3) throw new Error('injected caller failure');
          return run(i, b, o);
        };
        // its third run: in the first call unless the workers took all but two runs (the caller held up)
        let error: unknown;
        for (let i = 0; i < 10 && error === undefined; i++) {
          const r = await settled(pool.run(input, N));
          if ('error' in r) error = r.error;
          else expect(bits(r.value!)).toEqual(bits(want));
        }
        expect(error).toMatchObject({ message: 'injected caller failure' });
        expect(bits((await settled(pool.run(input, N))).value!)).toEqual(bits(want));
      } finally {
        await pool.close();
      }
    }
  });

  for (const caller of [false, true]) for (const shared of [false, true]) it(`a worker that exits after claiming runs rejects the call with worker_failed, not a hang (caller ${caller}, ${shared ? 'shared' : 'copied'} input)`, async () => {
    const want = R.loadModel(SPARSE, { warmup: 0 }).run(x, N).slice();
    const pool = await P.createPool(SPARSE, { threads: caller ? 3 : 2, caller, maxBatch: 2, warmup: 0, worker: worker('exit_on_claim.js') });
    const input = shared ? inShared(x) : x;
    let error: unknown;
    // it exits on its second claim over its life: in the first call, unless the caller or the other worker took nearly every run
    for (let i = 0; i < 20 && error === undefined; i++) {
      const r = await settled(pool.run(input, N));
      if ('error' in r) error = r.error;
      else expect(bits(r.value!)).toEqual(bits(want));
    }
    expect(error).toMatchObject({ name: 'RuntimeError', code: 'worker_failed', message: expect.stringMatching(/exited with code 5; the pool is closed/) });
    expect((await settled(pool.run(input, N))).error).toBe(error);
    expect((await settled(pool.close())).error).toBeUndefined();
  });
});
