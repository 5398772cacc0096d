// Pruning wired into the engine, as tfmot's prune_low_magnitude / UpdatePruningStep / strip_pruning
// (prune.py, pruning_wrapper.py, pruning_callbacks.py) for a Sequential model:
//
//   const p = pruneLowMagnitude(baseline, { schedule: polynomialDecay({...}) });   // a copy, kernels prunable
//   p.compile({ learningRate: 1e-3 });                                             // tfmot drops the optimizer too
//   fit(p, train, { callbacks: [updatePruningStep()] });
//   const plain = stripPruning(p);                                                 // zeros baked in
//
// The wrapped model is an ordinary Sequential (the engine knows nothing of pruning); its PruningState
// lives beside it in a WeakMap, and the callback drives it from fit()'s hooks:
//   onTrainBegin  -> step -1 becomes 0
//   onBatchBegin  -> step += 1; masks update when the schedule says so; w <- w * mask (before the forward)
//   onGradients   -> with maskGradients: gradients and Adam moments <- 0 where pruned (before the Adam step)
//   onEpochEnd    -> w <- w * mask (the last Adam step of the epoch moved pruned weights off zero)
// Only Conv2D and Dense kernels are pruned, never biases; each kernel has its own mask and threshold.
import type { Param } from '../engine/params.js';
import { ConfigError, TopiaryError } from '../errors.js';
import { requireAtFit, type Callback } from '../model/callbacks.js';
import { registerCheckpointSection } from '../model/checkpoint_sections.js';
import { cloneModel, type Sequential } from '../model/sequential.js';
import { pruningSection } from './checkpoint_section.js';
import { applyMask, validateMaskOptions, type MaskOptions } from './mask.js';
import { PruningState, type MaskUpdate, type PrunableTensor, type PruneConfig } from './pruning_state.js';
import { sparsityReport, type SparsityReport } from './report.js';

export interface PruneLowMagnitudeOptions extends PruneConfig {
  /**
   * Names of the layers whose kernels are pruned (default: every Conv2D and Dense layer). Leave a layer
   * out to keep it dense, e.g. a first Conv2D on 1-channel images under 2:4 sparsity.
   */
  layers?: readonly string[];
}

const OPTION_KEYS = ['schedule', 'blockSize', 'blockPooling', 'sparsityMByN', 'maskGradients', 'layers'];

interface Pruned {
  state: PruningState;
  /** Index in model.params of each pruned kernel, in the state's tensor order. */
  kernelIndex: number[];
  values: Float32Array[];
  grads: Float32Array[];
  moments: Float32Array[][];
}

const pruned = new WeakMap<Sequential, Pruned>();

/** The onBatchBegin hooks updatePruningStep() made: the one a wrapped model's fit() cannot do without. */
const stepHooks = new WeakSet<object>();

registerCheckpointSection('pruning', pruningSection((model) => pruned.get(model)?.state));

/**
 * A copy of `model` (same layers and weights, fresh optimizer) whose kernels are pruned while it trains
 * with the updatePruningStep() callback. Options are checked here, before any training.
 */
export function pruneLowMagnitude(model: Sequential, options: PruneLowMagnitudeOptions = {}): Sequential {
  checkOptionKeys(options);
  if (pruned.has(model)) {
    throw new ConfigError('ALREADY_PRUNED', 'pruneLowMagnitude: this model is already pruning-wrapped; keep training it with updatePruningStep(), or call stripPruning() first to prune the stripped model again');
  }
  const { layers: names, ...config } = options;
  if (config.schedule !== undefined && (typeof config.schedule !== 'function' || !('config' in config.schedule))) {
    throw new ConfigError('PRUNE_SCHEDULE', 'pruneLowMagnitude: schedule must come from polynomialDecay({...}) or constantSparsity({...})');
  }
  const kernelIndex = selectKernels(model, names);
  const tensors = kernelIndex.map((i) => ({ name: kernelName(model.params[i]), shape: model.params[i].shape }));
  if (!names) suggestLayers(tensors, config);
  const state = new PruningState(tensors, config);
  const copy = cloneModel(model);
  const params = kernelIndex.map((i) => copy.params[i]);
  pruned.set(copy, {
    state,
    kernelIndex,
    values: params.map((p) => p.value),
    grads: params.map((p) => p.grad),
    moments: [params.map((p) => p.m), params.map((p) => p.v)],
  });
  requireAtFit(copy, (callbacks) => {
    if (!callbacks.some((cb) => cb.onBatchBegin !== undefined && stepHooks.has(cb.onBatchBegin))) {
      throw new ConfigError('PRUNE_NO_CALLBACK', 'Prune() wrapper requires the UpdatePruningStep callback to be provided during training: pass callbacks: [updatePruningStep()] to fit() for a model from pruneLowMagnitude()');
    }
  });
  return copy;
}

export interface UpdatePruningStepOptions {
  /** Called after every mask update (tfmot's PruningSummaries logs the same): step, target, kept counts, thresholds. */
  onMaskUpdate?: (update: MaskUpdate) => void;
}

/** The training callback that drives a pruning-wrapped model (tfmot's UpdatePruningStep). */
export function updatePruningStep(options: UpdatePruningStepOptions = {}): Callback {
  let p: Pruned | undefined;
  const get = (model: Sequential): Pruned => {
    if (!p) p = prunedOf(model, 'updatePruningStep');
    return p;
  };
  const callback: Callback = {
    onTrainBegin(ctx) {
      p = prunedOf(ctx.model, 'updatePruningStep');
      p.state.onTrainBegin();
    },
    onBatchBegin(_batch, ctx) {
      const { state, values } = get(ctx.model);
      const update = state.beforeBatch(values);
      if (update) options.onMaskUpdate?.(update);
    },
    onGradients(_batch, ctx) {
      const { state, grads, moments } = get(ctx.model);
      state.afterBackward(grads, moments);
    },
    onEpochEnd(_epoch, _logs, ctx) {
      const { state, values } = get(ctx.model);
      state.onEpochEnd(values);
    },
  };
  stepHooks.add(callback.onBatchBegin!);
  return callback;
}

/** A plain copy of a pruning-wrapped model with the zeros baked in (a plain model is simply copied). */
export function stripPruning(model: Sequential): Sequential {
  const copy = cloneModel(model);
  const p = pruned.get(model);
  if (p) p.kernelIndex.forEach((i, t) => applyMask(copy.params[i].value, p.state.masks[t]));
  return copy;
}

/** The pruning state of a wrapped model (step, masks, thresholds), or undefined for a plain model. */
export function pruningStateOf(model: Sequential): PruningState | undefined {
  return pruned.get(model)?.state;
}

export function isPruningWrapped(model: Sequential): boolean {
  return pruned.has(model);
}

/** Size, nonzeros and sparsity of every Conv2D and Dense kernel, counted from the weights themselves. */
export function pruningSummary(model: Sequential): SparsityReport {
  return sparsityReport(prunableKernels(model).map((i) => {
    const p = model.params[i];
    return { name: kernelName(p), shape: p.shape, values: p.value };
  }));
}

function prunedOf(model: Sequential, where: string): Pruned {
  const p = pruned.get(model);
  if (!p) throw new ConfigError('NOT_PRUNED', `${where}: the model being trained has no pruning wrapper; train the model pruneLowMagnitude() returned, not the original`);
  return p;
}

/** Indices in model.params of the Conv2D and Dense kernels (tfmot's prune registry for these layers). */
function prunableKernels(model: Sequential): number[] {
  const out: number[] = [];
  model.params.forEach((p, i) => {
    const type = model.layers.find((l) => l.name === p.layer)?.config.type;
    if (p.name === 'kernel' && (type === 'conv2d' || type === 'dense')) out.push(i);
  });
  return out;
}

function selectKernels(model: Sequential, names: readonly string[] | undefined): number[] {
  const all = prunableKernels(model);
  const prunable = all.map((i) => model.params[i].layer);
  if (names === undefined) {
    if (all.length === 0) throw new ConfigError('NOTHING_TO_PRUNE', 'pruneLowMagnitude: the model has no Conv2D or Dense layer, so there is no kernel to prune');
    return all;
  }
  if (!Array.isArray(names) || names.length === 0) {
    throw new ConfigError('PRUNE_LAYERS', `pruneLowMagnitude: layers must list at least one layer name, e.g. [${prunable.map((n) => `'${n}'`).join(', ')}]`);
  }
  for (const n of names) {
    if (!model.layers.some((l) => l.name === n)) {
      throw new ConfigError('PRUNE_LAYERS', `pruneLowMagnitude: the model has no layer '${n}'; its layers are ${model.layers.map((l) => `'${l.name}'`).join(', ')}`);
    }
    if (!prunable.includes(n)) {
      throw new ConfigError('PRUNE_LAYERS', `pruneLowMagnitude: layer '${n}' has no kernel to prune (only Conv2D and Dense kernels are pruned); prunable layers: ${prunable.map((l) => `'${l}'`).join(', ')}`);
    }
  }
  if (new Set(names).size !== names.length) throw new ConfigError('PRUNE_LAYERS', `pruneLowMagnitude: layers lists a name twice: [${names.join(', ')}]`);
  return all.filter((i) => names.includes(model.params[i].layer));
}

/**
 * With the default layers, an option that some kernel cannot take (blocks on a conv, 2:4 on one input
 * channel) fails with the list of layers it can prune (tfmot: wrap only the layers you want pruned).
 */
function suggestLayers(tensors: readonly PrunableTensor[], options: MaskOptions): void {
  const failures: TopiaryError[] = [];
  const fine: string[] = [];
  for (const t of tensors) {
    try {
      validateMaskOptions(t.shape, options, t.name);
      fine.push(t.name.split('/')[0]);
    } catch (e) {
      if (!(e instanceof TopiaryError)) throw e;
      failures.push(e);
    }
  }
  if (failures.length === 0) return;
  const e = failures[0];
  if (fine.length === 0) throw e;
  const Kind = e.constructor as new (code: string, message: string) => TopiaryError;
  throw new Kind(e.code, `${e.message}. pruneLowMagnitude prunes every Conv2D and Dense layer by default; pass layers: [${fine.map((n) => `'${n}'`).join(', ')}] to prune only those`);
}

function checkOptionKeys(options: object): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new ConfigError('PRUNE_OPTION', `pruneLowMagnitude: unknown option '${key}'; the options are ${OPTION_KEYS.join(', ')}`);
    }
  }
}

const kernelName = (p: Param) => `${p.layer}/${p.name}`;
