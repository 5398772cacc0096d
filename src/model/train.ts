// fit(): Keras' training loop. The validation split is taken from the end of the data before any
// shuffling (as Keras does); each epoch shuffles the rest with the seeded PRNG.
import type { Dataset } from '../data/dataset.js';
import { sampleSize, splitValidation } from '../data/dataset.js';
import { Rng } from '../data/rng.js';
import type { Augment } from '../data/augment.js';
import { ConfigError } from '../errors.js';
import { checkFitCallbacks, type Callback, type EpochLogs, type TrainContext } from './callbacks.js';
import { progressCallback, type ProgressSink } from './progress.js';
import type { Sequential } from './sequential.js';

export interface TrainConfig {
  /** Passes over the training data. e.g. 20 */
  epochs: number;
  /** Keras default 32. */
  batchSize: number;
  /** Fraction held out from the end for validation (Keras validation_split). e.g. 0.1 */
  validationSplit: number;
  /** Explicit validation data (wins over validationSplit). */
  validationData?: Dataset;
  /** Shuffle the training samples every epoch (Keras default true). */
  shuffle: boolean;
  /** Seed of the shuffles. */
  seed: number;
  callbacks: Callback[];
  /** Where progress goes (a live bar on a TTY, a line per epoch otherwise); null for silence. */
  progress: ProgressSink | null;
  /** Per-epoch learning rate, e.g. a decay schedule; default: the optimizer's constant rate. */
  learningRate?: (epoch: number) => number;
  /** Applied to each gathered training batch (never to validation data), e.g. randomShift. */
  augment?: Augment;
}

export const TRAIN_DEFAULTS: TrainConfig = { epochs: 1, batchSize: 32, validationSplit: 0, shuffle: true, seed: 0, callbacks: [], progress: null };

export interface History {
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  /** Training samples per second over the whole fit (forward + backward + update). */
  samplesPerSecond: number;
}

export function fit(model: Sequential, data: Dataset, config: Partial<TrainConfig> = {}): History {
  const cfg: TrainConfig = { ...TRAIN_DEFAULTS, ...config };
  validate(cfg);
  model.checkDataset(data);
  checkFitCallbacks(model, cfg.callbacks);
  const split = cfg.validationData ? { train: data, validation: cfg.validationData } : cfg.validationSplit > 0 ? splitValidation(data, cfg.validationSplit) : { train: data, validation: undefined };
  const train = split.train;
  const callbacks = cfg.progress ? [...cfg.callbacks, progressCallback(cfg.progress)] : cfg.callbacks;
  const rng = new Rng(cfg.seed);
  const stepsPerEpoch = Math.ceil(train.count / cfg.batchSize);
  const ctx: TrainContext = { model, epoch: 0, step: 0, epochs: cfg.epochs, stepsPerEpoch };
  const history: History = { loss: [], accuracy: [], valLoss: [], valAccuracy: [], samplesPerSecond: 0 };
  const size = sampleSize(train);
  const order = new Uint32Array(train.count);
  const labels = new Uint8Array(cfg.batchSize);
  let trainMs = 0;

  for (const cb of callbacks) cb.onTrainBegin?.(ctx);
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    ctx.epoch = epoch;
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (cfg.shuffle) rng.shuffle(order);
    const lr = cfg.learningRate ? cfg.learningRate(epoch) : model.optimizer.config.learningRate;
    for (const cb of callbacks) cb.onEpochBegin?.(epoch, ctx);
    let lossSum = 0;
    let correct = 0;
    const t0 = performance.now();
    for (let b = 0; b < stepsPerEpoch; b++) {
      const start = b * cfg.batchSize;
      const n = Math.min(cfg.batchSize, train.count - start);
      ctx.step++;
      const input = model.inputBuffer(n);
      for (let i = 0; i < n; i++) {
        const j = order[start + i];
        input.set(train.images.subarray(j * size, (j + 1) * size), i * size);
        labels[i] = train.labels[j];
      }
      if (cfg.augment) cfg.augment(input, n, rng);
      for (const cb of callbacks) cb.onBatchBegin?.(b, ctx);
      const r = model.lossAndGradients(labels, n);
      for (const cb of callbacks) cb.onGradients?.(b, ctx);
      model.optimizer.step(model.store, lr, model.backend);
      lossSum += r.loss * n;
      correct += r.correct;
      for (const cb of callbacks) cb.onBatchEnd?.(b, { loss: r.loss, accuracy: r.correct / n, size: n }, ctx);
    }
    trainMs += performance.now() - t0;
    const logs: EpochLogs = { loss: lossSum / train.count, accuracy: correct / train.count };
    if (split.validation && split.validation.count > 0) {
      const v = model.evaluate(split.validation, cfg.batchSize);
      logs.valLoss = v.loss;
      logs.valAccuracy = v.accuracy;
      history.valLoss.push(v.loss);
      history.valAccuracy.push(v.accuracy);
    }
    history.loss.push(logs.loss);
    history.accuracy.push(logs.accuracy);
    for (const cb of callbacks) cb.onEpochEnd?.(epoch, logs, ctx);
  }
  for (const cb of callbacks) cb.onTrainEnd?.(ctx);
  history.samplesPerSecond = (train.count * cfg.epochs) / (trainMs / 1000);
  return history;
}

function validate(cfg: TrainConfig): void {
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 0) throw new ConfigError('BAD_EPOCHS', `epochs must be a non-negative integer, got ${cfg.epochs}`);
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1) throw new ConfigError('BAD_BATCH_SIZE', `batchSize must be a positive integer, got ${cfg.batchSize}`);
  if (!(cfg.validationSplit >= 0 && cfg.validationSplit < 1)) throw new ConfigError('BAD_VALIDATION_SPLIT', `validationSplit must be in [0, 1), got ${cfg.validationSplit}`);
}
