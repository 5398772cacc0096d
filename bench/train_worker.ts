// A training thread of bench/training.ts: given the same training digits, trains the chains of model
// jobs it is sent (e.g. ['pruned', 'pqat']) into the shared on-disk cache, from which the main thread
// loads them. Progress lines go to the main thread as { line } messages.
import { parentPort, workerData } from 'node:worker_threads';
import { Models } from './models.js';
import { lineLog } from './progress.js';
import type { TrainWorkerInit, TrainWorkerMessage } from './training.js';

const post = (m: TrainWorkerMessage) => parentPort!.postMessage(m);
const init = workerData as TrainWorkerInit;
const models = new Models({ train: init.train }, init.recipes, { cacheDir: init.cacheDir, fresh: init.fresh, log: lineLog((line) => post({ line })) });
for (const id of init.trained) models.trainedThisRun.add(id);

parentPort!.on('message', (chain: string[]) => {
  for (const id of chain) models.get(id);
  post({ done: chain });
});
post({ done: [] });
