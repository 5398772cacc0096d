// The engine rows' multi-thread figure (table 3): the engine itself predicts on one thread, so the bench
// runs it on `threads` worker_threads, each with its own copy of every engine model (as the runtime's
// pool gives each worker its own interpreter). The test set sits in shared memory, copied in once; each
// call splits it into contiguous runs of whole batches of 32, one per worker, and waits for all of them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LayerConfig } from '../src/model/layers.js';
import type { Sequential } from '../src/model/sequential.js';
import { QatModel, qatState, type QatEvaluation, type QatState } from '../src/quant/qat.js';
import type { WeightGranularity } from '../src/quant/ptq.js';
import { BATCH } from './measure.js';

/** A model as plain data a worker can rebuild. */
export interface EngineSpec {
  inputShape: number[];
  /** The float model's layers (a QAT model's without its fake-quant layers). */
  layers: LayerConfig[];
  weights: Float32Array;
  qat?: { state: QatState; denseWeights: WeightGranularity; evaluation: QatEvaluation };
}

export interface WorkerInit {
  specs: EngineSpec[];
  images: SharedArrayBuffer;
  /** One output per model: count x classes logits. */
  logits: SharedArrayBuffer[];
}

export interface WorkerJob {
  /** Index into specs. */
  model: number;
  start: number;
  count: number;
}

const WORKER = new URL('./engine_worker.js', import.meta.url);

/** False when running from the TypeScript sources (vitest), where there is no worker script to start. */
export function enginePoolAvailable(): boolean {
  return WORKER.protocol === 'file:' && existsSync(fileURLToPath(WORKER));
}

export function engineSpec(model: Sequential, denseWeights: WeightGranularity): EngineSpec {
  const layers = model.layers.map((l) => l.config).filter((c) => (c.type as string) !== 'fake_quant');
  const spec: EngineSpec = { inputShape: [...model.inputShape], layers: structuredClone(layers), weights: model.store.values.slice() };
  if (model instanceof QatModel) spec.qat = { state: qatState(model), denseWeights, evaluation: model.evaluation };
  return spec;
}

export class EnginePool {
  private busy = false;

  private constructor(
    private readonly workers: Worker[],
    readonly count: number,
    /** What the last run of each model wrote: count x classes logits. */
    readonly logits: Float32Array[],
  ) {}

  /** Starts `threads` workers with every model of `specs`, sharing `images` (`count` samples); resolves once all are ready. */
  static async start(specs: EngineSpec[], threads: number, images: Float32Array, count: number, classes: number): Promise<EnginePool> {
    const shared = new SharedArrayBuffer(images.byteLength);
    new Float32Array(shared).set(images);
    const init: WorkerInit = { specs, images: shared, logits: specs.map(() => new SharedArrayBuffer(count * classes * 4)) };
    const workers = Array.from({ length: threads }, () => new Worker(WORKER, { workerData: init }));
    try {
      await Promise.all(workers.map(reply));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new EnginePool(workers, count, init.logits.map((b) => new Float32Array(b)));
  }

  /** Logits of model `model` for the first `n` shared samples, split over the workers. One run at a time. */
  async run(model: number, n: number): Promise<void> {
    if (n > this.count) throw new Error(`engine pool: asked for ${n} samples, holds ${this.count}`);
    if (this.busy) throw new Error('engine pool: a run is in flight; await it before the next');
    this.busy = true;
    try {
      const batches = Math.ceil(n / BATCH);
      const w = this.workers.length;
      const jobs: Promise<unknown>[] = [];
      for (let i = 0; i < w; i++) {
        const start = Math.floor((i * batches) / w) * BATCH;
        const end = Math.min(n, Math.floor(((i + 1) * batches) / w) * BATCH);
        if (end <= start) continue;
        jobs.push(reply(this.workers[i]));
        this.workers[i].postMessage({ model, start, count: end - start } satisfies WorkerJob);
      }
      await Promise.all(jobs);
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The worker's next message, or its error (each worker has at most one job in flight). */
function reply(w: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      w.off('error', onError);
      resolve(m);
    };
    const onError = (e: Error) => {
      w.off('message', onMessage);
      reject(e);
    };
    w.once('message', onMessage);
    w.once('error', onError);
  });
}
