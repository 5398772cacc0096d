// Training hooks (Keras callbacks). Pruning and quantization-aware training plug in here.
import type { Sequential } from './sequential.js';

export interface EpochLogs {
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface BatchLogs {
  loss: number;
  accuracy: number;
  size: number;
}

export interface TrainContext {
  model: Sequential;
  epoch: number;
  /** Batches run so far in this fit() (the one running included in batch hooks). */
  step: number;
  epochs: number;
  stepsPerEpoch: number;
}

export interface Callback {
  onTrainBegin?(ctx: TrainContext): void;
  onEpochBegin?(epoch: number, ctx: TrainContext): void;
  /** Before the batch's forward pass (pruning applies masks here). */
  onBatchBegin?(batch: number, ctx: TrainContext): void;
  /** After backward, before the optimizer step: gradients are in model.store.grads. */
  onGradients?(batch: number, ctx: TrainContext): void;
  onBatchEnd?(batch: number, logs: BatchLogs, ctx: TrainContext): void;
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainContext): void;
  onTrainEnd?(ctx: TrainContext): void;
}

/**
 * What a model requires of fit()'s callbacks, checked before the first batch. A pruning-wrapped model
 * registers one (tfmot: "Prune() wrapper requires the UpdatePruningStep callback"), so training it
 * without its callback fails at once instead of silently training a dense model.
 */
const fitRequirements = new WeakMap<Sequential, (callbacks: readonly Callback[]) => void>();

export function requireAtFit(model: Sequential, check: (callbacks: readonly Callback[]) => void): void {
  fitRequirements.set(model, check);
}

export function checkFitCallbacks(model: Sequential, callbacks: readonly Callback[]): void {
  fitRequirements.get(model)?.(callbacks);
}
