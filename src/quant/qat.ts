// Quantization-aware training, tfmot's quantize_model with the default 8-bit scheme (anchors features.md
// §2.5-2.6), for a Sequential model:
//
//   const q = quantizeModel(trained, { initFromFirstBatch: true });   // a copy with fake quant inserted
//   q.compile({ learningRate: 1e-4 });
//   fit(q, train, { epochs: 1 });                                     // observers update in training batches only
//   q.evaluate(test);                                                 // stored ranges, nothing updates
//   const int8 = toQuantizedModel(q);                                 // plain data for the converter
//
// What quantizeModel inserts: the input is fake-quantized with an all-values range; Conv2D kernels per
// output channel and Dense kernels per tensor (per channel as an option), symmetric narrow range with the
// last value's range; every Conv2D / Dense output after its activation (a fused ReLU, or a ReLU layer
// right after it: never between the two) with a moving-average range, decay 0.999. MaxPool, Reshape and
// Flatten pass quantization through. Biases stay float (int32 at conversion).
//
// Sparsity preservation (tfmot's PQAT) is automatic: the kernels' exact zeros, or the masks of a
// pruning-wrapped model, stay exactly zero: the latent weight, its gradient and its Adam moments are
// masked every step, and the fake quant maps 0 to 0. `preserveSparsity: false` gives tfmot's plain QAT.
//
// Ranges come from training batches only, as in tfmot: before its first one a QAT model has the initial
// ranges (input [0, 0], activations [-6, 6]), so evaluate or convert it after fit().
//
// The QAT model is a Sequential: it trains with fit(), checkpoints with saveCheckpoint() (weights) and
// qatState() (every observer's range, as JSON; restoreQatState() brings them back). Its evaluation runs
// the float fake-quant graph (Keras QAT's evaluation) or, with `evaluation: 'integer'`, the int8 model
// itself, which is by construction what the integer runtime computes.
import type { EngineBackend } from '../engine/backend.js';
import type { Param } from '../engine/params.js';
import { ConfigError } from '../errors.js';
import { Conv2D, Dense, layerFromConfig, type Layer } from '../model/layers.js';
import { Sequential, type SequentialOptions } from '../model/sequential.js';
import { applyMask } from '../prune/mask.js';
import { isPruningWrapped, pruningStateOf } from '../prune/wrap.js';
import {
  AllValuesObserver,
  LastValueObserver,
  MovingAverageObserver,
  observerFromState,
  type AllValuesState,
  type LastValueState,
  type MovingAverageState,
} from './observers.js';
import type { WeightGranularity } from './ptq.js';
import { FakeQuantLayer, KernelQuantizer, QatConv2D, QatDense, type QatContext } from './qat_layers.js';
import {
  buildQuantizedModel,
  integerForward,
  referenceInt8Kernels,
  type FloatLayerSpec,
  type Int8Kernels,
  type QuantizedModel,
  type QuantizedModelSpec,
} from './quantized_model.js';
import type { FusedActivation } from './scheme.js';

/** How a QAT model's evaluate()/predict() run. */
export type QatEvaluation = 'fake_quant' | 'integer';

export interface QuantizeModelOptions {
  /** Dense kernels per tensor (tfmot's default 8-bit QAT) or per output channel. Default 'per_tensor'. */
  denseWeights?: WeightGranularity;
  /** Decay of the activations' moving-average ranges. Default 0.999 (tfmot). */
  activationDecay?: number;
  /**
   * Start each activation's moving average at its first training batch's range instead of tfmot's
   * [-6, 6]. Default false (tfmot). With decay 0.999 the [-6, 6] start fades as 0.999^steps, so after a
   * short fine-tune a post-ReLU range still reaches far below 0 and wastes int8 levels
   * (tensorflow/model-optimization#368).
   */
  initFromFirstBatch?: boolean;
  /** Keep every zero of the kernels (or the pruning masks) exactly zero. Default true; false is tfmot's plain QAT. */
  preserveSparsity?: boolean;
  /** 'fake_quant' (default): float fake-quant graph, as Keras. 'integer': the int8 model, bit-exact with the runtime. */
  evaluation?: QatEvaluation;
  /** Engine backend of the QAT model; default the float model's. */
  backend?: EngineBackend;
}

const OPTION_KEYS = ['denseWeights', 'activationDecay', 'initFromFirstBatch', 'preserveSparsity', 'evaluation', 'backend'];

/** A Sequential with fake quantization inserted: train it with fit(), convert it with toQuantizedModel(). */
export class QatModel extends Sequential {
  /** Which forward evaluate()/predict() run (training always runs the fake-quant graph). */
  evaluation: QatEvaluation;
  /** The int8 kernels of the integer evaluation (default: the TypeScript reference twins of the runtime's). */
  int8Kernels: Int8Kernels = referenceInt8Kernels;
  private readonly masked: { param: Param; mask: Uint8Array }[] = [];
  /** Bumped by every training batch and state restore: the cached int8 model is rebuilt when it moves. */
  private version = 0;
  private int8: { model: QuantizedModel; version: number; weights: Float32Array } | null = null;

  constructor(layers: Layer[], opts: SequentialOptions, readonly ctx: QatContext, evaluation: QatEvaluation) {
    super(layers, opts);
    this.evaluation = evaluation;
    for (const l of this.layers) {
      if ((l instanceof QatConv2D || l instanceof QatDense) && l.weights.mask) this.masked.push({ param: l.params[0], mask: l.weights.mask });
    }
  }

  /** A training batch: observers update, then the masked kernels' gradients and Adam moments are zeroed. */
  override lossAndGradients(labels: ArrayLike<number>, batch: number): { loss: number; correct: number } {
    this.version++;
    this.ctx.mode = 'train';
    let result: { loss: number; correct: number };
    try {
      result = super.lossAndGradients(labels, batch);
    } finally {
      this.ctx.mode = 'eval';
    }
    for (const { param, mask } of this.masked) {
      applyMask(param.grad, mask);
      applyMask(param.m, mask);
      applyMask(param.v, mask);
    }
    return result;
  }

  override forward(batch: number): Float32Array {
    if (this.ctx.mode !== 'eval' || this.evaluation === 'fake_quant') return super.forward(batch);
    return integerForward(this.quantizedModel(), this.inputBuffer(batch), batch, this.int8Kernels).logits;
  }

  /** The int8 model of the current weights and ranges (cached until either changes). */
  quantizedModel(): QuantizedModel {
    const values = this.store.values;
    const c = this.int8;
    if (c && c.version === this.version && sameValues(c.weights, values)) return c.model;
    const model = buildQuantizedModel(quantizedModelSpec(this, 'per_tensor'));
    this.int8 = { model, version: this.version, weights: values.slice() };
    return model;
  }

  /** Marks the ranges as changed (restoreQatState calls it). */
  touch(): void {
    this.version++;
  }
}

/** A copy of `model` prepared for quantization-aware training (tfmot quantize_model, default 8-bit scheme). */
export function quantizeModel(model: Sequential, options: QuantizeModelOptions = {}): QatModel {
  checkOptionKeys(options, OPTION_KEYS, 'quantizeModel');
  if (model instanceof QatModel || model.layers.some((l) => l instanceof FakeQuantLayer)) {
    throw new ConfigError('ALREADY_QUANTIZED', 'quantizeModel: this model already has fake quantization; train it as it is, or quantize its float source');
  }
  const decay = options.activationDecay ?? 0.999;
  const initFromFirstBatch = options.initFromFirstBatch ?? false;
  const granularity = options.denseWeights ?? 'per_tensor';
  if (granularity !== 'per_tensor' && granularity !== 'per_channel') {
    throw new ConfigError('QAT_OPTION', `quantizeModel: denseWeights must be 'per_tensor' or 'per_channel', got '${String(granularity)}'`);
  }
  const evaluation = options.evaluation ?? 'fake_quant';
  if (evaluation !== 'fake_quant' && evaluation !== 'integer') {
    throw new ConfigError('QAT_OPTION', `quantizeModel: evaluation must be 'fake_quant' or 'integer', got '${String(evaluation)}'`);
  }
  new MovingAverageObserver({ decay }); // throws on a bad decay before anything is built
  const backend = options.backend ?? model.backend;
  const masks = options.preserveSparsity === false ? new Map<Param, Uint8Array>() : sparsityMasks(model);
  const ctx: QatContext = { mode: 'eval' };
  const layers = insertFakeQuant(model, {
    input: () => new FakeQuantLayer('input', new AllValuesObserver(), ctx),
    activation: () => new FakeQuantLayer('activation', new MovingAverageObserver({ decay, initFromFirstBatch }), ctx),
    conv2d: (l) => new QatConv2D(l.config, new KernelQuantizer('per_channel', l.config.filters, masks.get(l.params[0]) ?? null, backend.alloc), ctx),
    dense: (l) => new QatDense(l.config, new KernelQuantizer(granularity, l.config.units, masks.get(l.params[0]) ?? null, backend.alloc), ctx),
  });
  const qat = new QatModel(layers, { inputShape: [...model.inputShape], backend }, ctx, evaluation);
  copyWeights(model, qat);
  for (const l of qat.layers) {
    if ((l instanceof QatConv2D || l instanceof QatDense) && l.weights.mask) applyMask(l.params[0].value, l.weights.mask);
  }
  return qat;
}

/**
 * The kernels' sparsity masks: a pruning-wrapped model's own masks, else 0 at every exact zero of a
 * kernel (tfmot PQAT: divide_no_nan(w, w) taken once). Kernels without a zero get no mask.
 */
function sparsityMasks(model: Sequential): Map<Param, Uint8Array> {
  const out = new Map<Param, Uint8Array>();
  const state = isPruningWrapped(model) ? pruningStateOf(model) : undefined;
  for (const layer of model.layers) {
    if (!(layer instanceof Conv2D || layer instanceof Dense)) continue;
    const kernel = layer.params[0];
    const t = state?.tensors.findIndex((x) => x.name === `${kernel.layer}/${kernel.name}`) ?? -1;
    const mask = t >= 0 ? state!.masks[t].slice() : Uint8Array.from(kernel.value, (w) => (w !== 0 ? 1 : 0));
    if (mask.includes(0)) out.set(kernel, mask);
  }
  return out;
}

interface Instruments {
  input: () => FakeQuantLayer;
  activation: () => FakeQuantLayer;
  conv2d: (l: Conv2D) => Layer;
  dense: (l: Dense) => Layer;
}

/**
 * The layers of `model` with fake quantization around them: the input first, then each Conv2D/Dense
 * output after its activation. Layer names are kept, so parameters line up with the float model.
 */
export function insertFakeQuant(model: Sequential, make: Instruments): Layer[] {
  const named = (l: Layer, name: string) => ((l.name = name), l);
  const out: Layer[] = [named(make.input(), 'input_quant')];
  const src = model.layers;
  for (let i = 0; i < src.length; i++) {
    const l = src[i];
    const type = l.config.type;
    if (l instanceof Conv2D || l instanceof Dense) {
      out.push(named(l instanceof Conv2D ? make.conv2d(l) : make.dense(l), l.name));
      let last = l as Layer;
      if (src[i + 1]?.config.type === 'relu') {
        last = src[++i];
        out.push(named(layerFromConfig(last.config), last.name));
      }
      out.push(named(make.activation(), `${last.name}_quant`));
    } else if (type === 'relu') {
      throw new ConfigError('QAT_RELU', `quantization: ReLU layer '${l.name}' does not follow a Conv2D or Dense layer, and the int8 model has no stand-alone ReLU; fuse it (activation: 'relu') into the layer before it`);
    } else if (type === 'fake_quant') {
      throw new ConfigError('ALREADY_QUANTIZED', `quantization: layer '${l.name}' already fake-quantizes; quantize the float model instead`);
    } else {
      out.push(named(layerFromConfig(l.config), l.name));
    }
  }
  return out;
}

/** Copies every parameter of `from` into the same-architecture `to` (fake-quant layers have none). */
export function copyWeights(from: Sequential, to: Sequential): void {
  const a = from.params.map((p) => `${p.layer}.${p.name}[${p.shape}]`).join();
  const b = to.params.map((p) => `${p.layer}.${p.name}[${p.shape}]`).join();
  if (a !== b) throw new ConfigError('QAT_PARAMS', `internal: instrumented model parameters (${b}) do not match the float model's (${a})`);
  to.store.values.set(from.store.values);
}

// ---------------------------------------------------------------------------------------------
// To the int8 model

/** The int8 model a QAT model has been trained into: plain data for the converter and integerForward. */
export function toQuantizedModel(model: QatModel): QuantizedModel {
  if (!(model instanceof QatModel)) {
    throw new ConfigError('NOT_QAT', 'toQuantizedModel: the model has no quantization ranges; train the model quantizeModel() returned, or use quantizeInt8(model, samples) for post-training quantization');
  }
  return buildQuantizedModel(quantizedModelSpec(model, 'per_tensor'));
}

/**
 * The float spec of an instrumented model: each Conv2D/Dense with the range of the fake quant after
 * it. A QAT kernel contributes its fake-quantized values and LastValue half-ranges (so the int8 levels
 * are the ones training saw); a plain kernel its float values (PTQ: max|w| ranges) at `denseGranularity`.
 */
export function quantizedModelSpec(model: Sequential, denseGranularity: WeightGranularity): QuantizedModelSpec {
  const [first, ...rest] = model.layers;
  if (!(first instanceof FakeQuantLayer) || first.config.role !== 'input') {
    throw new ConfigError('NOT_QAT', 'the model does not start with an input fake quant; build it with quantizeModel()');
  }
  const layers: FloatLayerSpec[] = [];
  for (let i = 0; i < rest.length; i++) {
    const l = rest[i];
    const c = l.config;
    if (c.type === 'reshape') layers.push({ kind: 'reshape', shape: [...c.targetShape] });
    else if (c.type === 'flatten') layers.push({ kind: 'flatten' });
    else if (c.type === 'maxpool2d') layers.push({ kind: 'maxpool2d', pool: c.poolSize, strides: c.strides, padding: c.padding });
    else if (l instanceof Conv2D || l instanceof Dense) {
      let activation: FusedActivation = l.config.activation === 'relu' ? 'relu' : 'none';
      if (rest[i + 1]?.config.type === 'relu') {
        activation = 'relu';
        i++;
      }
      const fq = rest[++i];
      if (!(fq instanceof FakeQuantLayer)) throw new ConfigError('NOT_QAT', `layer '${l.name}' has no fake quant after it; build the model with quantizeModel()`);
      const outRange = fq.observer.range();
      const w = l.params[0].value;
      const quantizer = l instanceof QatConv2D || l instanceof QatDense ? l.weights : null;
      const kernel = quantizer ? quantizer.quantize(w, false).slice() : w;
      const weightHalfRanges = quantizer?.halfRanges();
      const bias = l.params[1].value;
      if (l instanceof Conv2D) {
        const g = l.geometry;
        layers.push({ kind: 'conv2d', kernel, kernelShape: [g.kh, g.kw, g.inC, g.outC], bias, strides: l.config.strides, padding: l.config.padding, activation, outRange, weightHalfRanges });
      } else {
        const weightGranularity = quantizer ? quantizer.granularity : denseGranularity;
        layers.push({ kind: 'dense', kernel, kernelShape: [l.geometry.inF, l.geometry.outF], bias, activation, outRange, weightGranularity, weightHalfRanges });
      }
    } else {
      throw new ConfigError('QAT_LAYER', `layer '${l.name}' (${c.type}) has no int8 counterpart`);
    }
  }
  return { input: { shape: [...model.inputShape], range: first.observer.range() }, layers };
}

// ---------------------------------------------------------------------------------------------
// Checkpointing the ranges

/** Every range of a QAT model as plain JSON-able data (the weights go in an ordinary checkpoint). */
export interface QatState {
  format: 'topiary-qat-state';
  version: 1;
  layers: ({ name: string; kind: 'activation'; observer: AllValuesState | MovingAverageState } | { name: string; kind: 'kernel'; observer: LastValueState })[];
}

export function qatState(model: QatModel): QatState {
  const layers: QatState['layers'] = [];
  for (const l of model.layers) {
    if (l instanceof FakeQuantLayer) layers.push({ name: l.name, kind: 'activation', observer: l.observer.state() });
    if (l instanceof QatConv2D || l instanceof QatDense) layers.push({ name: l.name, kind: 'kernel', observer: l.weights.observer.state() });
  }
  return { format: 'topiary-qat-state', version: 1, layers };
}

/** Puts back ranges saved by qatState() into a QAT model of the same architecture (quantizeModel of the same float model). */
export function restoreQatState(model: QatModel, state: QatState): void {
  if (state?.format !== 'topiary-qat-state' || state.version !== 1 || !Array.isArray(state.layers)) {
    throw new ConfigError('QAT_STATE', 'not a topiary QAT state (format topiary-qat-state, version 1); save one with qatState(model)');
  }
  const mine = qatState(model).layers.map((l) => `${l.name}:${l.kind}:${l.observer.kind}`);
  const theirs = state.layers.map((l) => `${l.name}:${l.kind}:${l.observer?.kind}`);
  if (mine.join() !== theirs.join()) {
    throw new ConfigError('QAT_STATE', `the QAT state holds ranges for ${theirs.join(', ')} but this model has ${mine.join(', ')}; restore it into quantizeModel() of the same float model with the same options`);
  }
  const byName = new Map(state.layers.map((l) => [l.name, l]));
  for (const l of model.layers) {
    const s = byName.get(l.name);
    if (!s) continue;
    const observer = observerFromState(s.observer);
    if (l instanceof FakeQuantLayer) l.observer = observer as AllValuesObserver | MovingAverageObserver;
    else if (l instanceof QatConv2D || l instanceof QatDense) {
      if (!(observer instanceof LastValueObserver) || observer.channels !== l.weights.channels) {
        throw new ConfigError('QAT_STATE', `layer '${l.name}': the state's kernel ranges have ${observer instanceof LastValueObserver ? observer.channels : 0} channels, the model's ${l.weights.channels}; was it saved with another denseWeights option?`);
      }
      l.weights.observer = observer;
    }
  }
  model.touch();
}

// ---------------------------------------------------------------------------------------------

export function checkOptionKeys(options: object, keys: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw new ConfigError('QAT_OPTION', `${where}: unknown option '${key}'; the options are ${keys.join(', ')}`);
  }
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
