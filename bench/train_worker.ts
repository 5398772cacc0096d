// A training thread of bench/training.ts: given the same training digits, trains the chains of model jobs it
// is sent (e.g. ['pruned', 'pqat']) into the shared on-disk cache, from which the main thread loads them.
import { parentPort, workerData } from 'node:worker_threads';
import { Models } from './models.js';
import { stderrLog } from './progress.js';
import type { TrainWorkerInit } from './training.js';

const init = workerData as TrainWorkerInit;
const log = init.quiet ? { line() {}, training: () => null } : stderrLog(undefined, undefined, init.startedAt - performance.timeOrigin);
const models = new Models({ train: init.train }, init.recipes, { cacheDir: init.cacheDir, fresh: init.fresh, log });
for (const id of init.trained) models.trainedThisRun.add(id);

parentPort!.on('message', (chain: string[]) => {
  for (const id of chain) models.get(id);
  parentPort!.postMessage(chain);
});
parentPort!.postMessage('ready');
