// Trains (or loads) every model the variants need. The baseline comes first, on this thread: everything
// starts from it. The rest falls into independent chains (pruned -> its QAT; block -> its QAT; ...) that
// worker threads train side by side into the on-disk cache, longest first, each taking the next chain
// when done; this thread then loads them all from the cache. The weights do not depend on the thread
// that trained them (same data, recipes and seeds; test/bench/pipeline.test.ts compares the files).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../src/data/dataset.js';
import type { ModelId, Models, Recipes } from './models.js';
import type { Log } from './progress.js';

export interface TrainWorkerInit {
  recipes: Recipes;
  /** The training digits, copied to the worker (cheaper than loading them again). */
  train: Dataset;
  cacheDir?: string;
  fresh: boolean;
  /** Models trained (and cached) in this run already. */
  trained: ModelId[];
}

/** From a training thread: a progress line, or a chain trained (the empty chain: ready for the first). */
export type TrainWorkerMessage = { line: string } | { done: ModelId[] };

const WORKER = new URL('./train_worker.js', import.meta.url);

export function trainWorkersAvailable(): boolean {
  return WORKER.protocol === 'file:' && existsSync(fileURLToPath(WORKER));
}

/** The jobs `ids` need that are not loaded yet, grouped into chains that start from a loaded model. */
export function chainsFor(models: Models, ids: ModelId[], loaded: Set<ModelId>): ModelId[][] {
  const chains = new Map<ModelId, ModelId[]>();
  const root = (id: ModelId): ModelId => {
    const needs = models.jobs.get(id)!.needs;
    return needs.length === 0 || needs.every((n) => loaded.has(n)) ? id : root(needs[0]);
  };
  const visit = (id: ModelId) => {
    if (loaded.has(id)) return;
    for (const n of models.jobs.get(id)!.needs) visit(n);
    const chain = chains.get(root(id)) ?? [];
    if (!chain.includes(id)) chain.push(id);
    chains.set(root(id), chain);
  };
  ids.forEach(visit);
  const cost = (c: ModelId[]) => c.reduce((s, id) => s + models.jobs.get(id)!.epochs, 0);
  return [...chains.values()].sort((a, b) => cost(b) - cost(a));
}

export interface TrainAllOptions {
  /** Threads that train at once (1: all on this thread). */
  threads: number;
  fresh: boolean;
}

/** Every model of `ids` trained or loaded into `models`. */
export async function trainAll(models: Models, ids: ModelId[], o: TrainAllOptions): Promise<void> {
  models.get('baseline');
  const loaded = new Set<ModelId>(['baseline']);
  const chains = chainsFor(models, ids, loaded);
  const threads = Math.min(o.threads, chains.length);
  if (threads > 1 && trainWorkersAvailable()) {
    models.log.line(`training ${chains.length} chains on ${threads} threads: ${chains.map((c) => c.join(' -> ')).join('; ')}`);
    await trainInWorkers(chains, threads, { recipes: models.recipes, train: models.data.train, cacheDir: models.cacheDir, fresh: o.fresh, trained: [...models.trainedThisRun] }, models.log);
    if (o.fresh) for (const c of chains) for (const id of c) models.trainedThisRun.add(id);
    for (const id of ids) models.get(id, true);
  }
  for (const id of ids) models.get(id);
}

async function trainInWorkers(chains: ModelId[][], threads: number, init: TrainWorkerInit, log: Log): Promise<void> {
  const queue = [...chains];
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { workerData: init }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.on('error', reject);
      w.on('exit', (code) => reject(new Error(`a training thread stopped early (exit code ${code})`)));
      w.on('message', (m: TrainWorkerMessage) => {
        if ('line' in m) return log.line(m.line);
        const next = queue.shift();
        if (next) w.postMessage(next);
        else resolve(); // idle; terminated below once every thread is
      });
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
