// Table 3's multi-thread path of every row: lite rows through the runtime's own worker pool
// (src/runtime/pool.ts, { caller: true }: this thread computes a share beside threads - 1 workers, as
// a Node app on 2 cores would run it; with 2 workers and this thread only waiting, the run before
// (2026-11-28, 14:33) gave 1.25-1.53x, caller + 1 two minutes later 1.86-1.93x), engine rows through bench/engine_pool.ts (one
// engine model per worker). Both read the test set from shared memory, copied there once, and write
// into shared memory, so a timed call is the split, the workers' runs and the wait. Before any timing,
// each pool's logits over the whole test set must equal the one-thread logits bit for bit.
import type { Sequential } from '../src/model/sequential.js';
import type { WeightGranularity } from '../src/quant/ptq.js';
import { createPool, type Pool } from '../src/runtime/pool.js';
import { EnginePool, enginePoolAvailable, engineSpec } from './engine_pool.js';
import type { Runner } from './measure.js';

/** A row to give a multi-thread path: its model (engine) or file (lite), and its one-thread runner. */
export interface ThreadedRow {
  id: string;
  model: Sequential;
  /** The lite model file; absent for engine rows. */
  lite?: Uint8Array;
  runner: Runner;
  /** Logits of the whole test set on one thread. */
  logits(): Float32Array;
}

export interface Threads {
  /** Why a kind of row has no multi-thread figure (absent: it has one). */
  engineMissing?: string;
  liteMissing?: string;
  close(): Promise<void>;
}

/** Starts the pools and sets `runner.runThreads` of every row it can; call close() when timing is done. */
export async function attachThreads(rows: ThreadedRow[], images: Float32Array, count: number, threads: number, denseWeights: WeightGranularity): Promise<Threads> {
  const opened: { close(): Promise<void> }[] = [];
  const closeAll = async () => void (await Promise.all(opened.map((p) => p.close())));
  const one = threads === 1 ? 'one thread (--threads 1)' : undefined;
  const out: Threads = { engineMissing: one, liteMissing: one, close: closeAll };
  if (one) return out;
  try {
    const engines = rows.filter((r) => !r.lite);
    if (engines.length > 0 && !enginePoolAvailable()) out.engineMissing = 'no worker script (run from the build: node dist/bench/index.js)';
    else if (engines.length > 0) {
      const pool = await EnginePool.start(engines.map((r) => engineSpec(r.model, denseWeights)), threads, images, count, engines[0].model.classes);
      opened.push(pool);
      for (const [i, r] of engines.entries()) {
        await pool.run(i, count);
        checkSame(r.id, pool.logits[i], r.logits());
        r.runner.runThreads = (_images, n) => pool.run(i, n);
      }
    }
    const shared = new Float32Array(new SharedArrayBuffer(images.byteLength));
    shared.set(images);
    const lite = rows.filter((x) => x.lite);
    // started side by side: most of a worker's start is waiting for its module and WASM to compile
    const pools = await Promise.allSettled(lite.map((r) => createPool(r.lite!, { threads, caller: true, name: `${r.id}.tpy` })));
    for (const p of pools) if (p.status === 'fulfilled') opened.push(p.value);
    const failed = pools.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failed) {
      out.liteMissing = `the runtime's pool did not start (${(failed.reason as Error).message})`;
      return out;
    }
    const per = images.length / count;
    for (const [i, r] of lite.entries()) {
      const pool = (pools[i] as PromiseFulfilledResult<Pool>).value;
      const single = r.logits();
      const classes = single.length / count;
      const logits = new Float32Array(new SharedArrayBuffer(single.byteLength));
      await pool.run(shared, count, logits);
      checkSame(r.id, logits, single);
      r.runner.runThreads = async (_images, n) => void (await pool.run(shared.subarray(0, n * per), n, logits.subarray(0, n * classes)));
    }
    return out;
  } catch (e) {
    await closeAll();
    throw e;
  }
}

function checkSame(id: string, threaded: Float32Array, single: Float32Array): void {
  for (let i = 0; i < single.length; i++) {
    if (threaded[i] !== single[i]) throw new Error(`bench: ${id} on worker threads gave logit ${i} = ${threaded[i]}, on one thread ${single[i]}; the pool is broken`);
  }
}
