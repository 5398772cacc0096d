// One thread of bench/engine_pool.ts: rebuilds the engine models from plain data (layer configs and
// weights; a QAT model also from its ranges), then predicts the slices of the shared test set it is
// sent with the model it is told, writing logits into that model's shared output.
import { parentPort, workerData } from 'node:worker_threads';
import { defaultEngineBackend } from '../src/engine/backend_default.js';
import { layerFromConfig } from '../src/model/layers.js';
import { Sequential } from '../src/model/sequential.js';
import { quantizeModel, restoreQatState } from '../src/quant/qat.js';
import type { EngineSpec, WorkerInit, WorkerJob } from './engine_pool.js';

function rebuild(spec: EngineSpec): Sequential {
  const float = new Sequential(spec.layers.map(layerFromConfig), { inputShape: spec.inputShape, backend: defaultEngineBackend() });
  float.store.values.set(spec.weights);
  if (!spec.qat) return float;
  const qat = quantizeModel(float, { denseWeights: spec.qat.denseWeights, evaluation: spec.qat.evaluation });
  restoreQatState(qat, spec.qat.state);
  return qat;
}

const init = workerData as WorkerInit;
const models = init.specs.map(rebuild);
const images = new Float32Array(init.images);
const logits = init.logits.map((buffer) => new Float32Array(buffer));

parentPort!.on('message', (job: WorkerJob) => {
  const model = models[job.model];
  const per = model.inputSize;
  const out = model.predict(images.subarray(job.start * per, (job.start + job.count) * per), 32);
  logits[job.model].set(out, job.start * model.classes);
  parentPort!.postMessage(job.start);
});
parentPort!.postMessage('ready');
