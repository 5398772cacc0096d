// A Keras-style sequential model: layers built in order from the input shape, all parameters in one
// ParamStore, activation buffers allocated once per batch capacity (reshape/flatten alias them).
import { Rng } from '../data/rng.js';
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { Adam, type AdamConfig } from '../engine/adam.js';
import type { EngineBackend } from '../engine/backend.js';
import { defaultEngineBackend } from '../engine/backend_default.js';
import { initialize } from '../engine/init.js';
import { softmaxCrossEntropy } from '../engine/ops/softmax_xent.js';
import { ParamStore, type Param } from '../engine/params.js';
import { sizeOf, shapeString, type Shape } from '../engine/tensor.js';
import { ConfigError, ShapeError } from '../errors.js';
import { layerFromConfig, type Layer } from './layers.js';

export interface SequentialOptions {
  /** Per-sample input shape, e.g. [28, 28] for MNIST images. */
  inputShape: number[];
  /** Seed of the weight initializers (glorot-uniform kernels, zero biases). */
  seed?: number;
  /** Where the ops run; default: the WASM SIMD training kernels when available (defaultEngineBackend). */
  backend?: EngineBackend;
}

export class Sequential {
  readonly layers: Layer[];
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly store: ParamStore;
  readonly backend: EngineBackend;
  optimizer: Adam;
  private capacity = 0;
  private acts: Float32Array[] = [];
  private grads: Float32Array[] = [];

  constructor(layers: Layer[], opts: SequentialOptions) {
    if (layers.length === 0) throw new ConfigError('EMPTY_MODEL', 'a sequential model needs at least one layer');
    this.layers = layers;
    this.backend = opts.backend ?? defaultEngineBackend();
    this.inputShape = [...opts.inputShape];
    let shape: Shape = this.inputShape;
    const counts = new Map<string, number>();
    for (const layer of layers) {
      const n = counts.get(layer.config.type) ?? 0;
      counts.set(layer.config.type, n + 1);
      if (!layer.name) layer.name = n === 0 ? layer.config.type : `${layer.config.type}_${n}`;
      layer.inShape = shape;
      shape = layer.build(shape);
      layer.outShape = shape;
    }
    this.outputShape = shape;
    const specs = layers.flatMap((layer) => layer.paramSpecs().map((spec) => ({ layer: layer.name, spec })));
    this.store = new ParamStore(specs, this.backend.alloc);
    let at = 0;
    for (const layer of layers) {
      const k = layer.paramSpecs().length;
      layer.params = this.store.params.slice(at, at + k);
      at += k;
    }
    this.initialize(opts.seed ?? 0);
    this.optimizer = new Adam();
  }

  /** Re-draws every parameter from `seed` (kernels then biases, layer by layer) and resets the optimizer. */
  initialize(seed: number): void {
    const rng = new Rng(seed);
    for (const layer of this.layers) {
      layer.paramSpecs().forEach((spec, i) => initialize(spec.init, layer.params[i].value, spec.fanIn, spec.fanOut, rng));
    }
    this.compile();
  }

  /** Keras' compile: a fresh Adam (moments and step count reset). */
  compile(adam: Partial<AdamConfig> = {}): void {
    this.optimizer = new Adam(adam);
    this.store.m.fill(0);
    this.store.v.fill(0);
  }

  get params(): Param[] {
    return this.store.params;
  }

  get classes(): number {
    return sizeOf(this.outputShape);
  }

  get inputSize(): number {
    return sizeOf(this.inputShape);
  }

  /** The input buffer for a batch of `batch` samples: write samples here, then call forward(). */
  inputBuffer(batch: number): Float32Array {
    this.ensureCapacity(batch);
    return this.acts[0].subarray(0, batch * this.inputSize);
  }

  /** Runs every layer on the samples in inputBuffer(batch); returns the output (a view, reused). */
  forward(batch: number): Float32Array {
    this.ensureCapacity(batch);
    this.layers.forEach((layer, i) => layer.forward(this.backend, this.acts[i], this.acts[i + 1], batch));
    return this.acts[this.layers.length].subarray(0, batch * this.classes);
  }

  /** Forward, loss and backward for one batch: param grads are overwritten (not accumulated). */
  lossAndGradients(labels: ArrayLike<number>, batch: number): { loss: number; correct: number } {
    const logits = this.forward(batch);
    const L = this.layers.length;
    const result = softmaxCrossEntropy(logits, labels, this.grads[L], batch, this.classes);
    this.store.grads.fill(0);
    for (let i = L - 1; i >= 0; i--) {
      const layer = this.layers[i];
      const dx = i === 0 || this.isFrozenBelow(i) ? null : this.grads[i];
      layer.backward(this.backend, this.acts[i], this.acts[i + 1], this.grads[i + 1], dx, batch);
    }
    return result;
  }

  /** Logits for `count` samples of `images` (N x inputSize), in batches of `batchSize`. */
  predict(images: Float32Array, batchSize = 32): Float32Array {
    const n = this.checkImages(images);
    const out = new Float32Array(n * this.classes);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      this.inputBuffer(b).set(images.subarray(start * this.inputSize, (start + b) * this.inputSize));
      out.set(this.forward(b), start * this.classes);
    }
    return out;
  }

  /** Mean loss and accuracy on a dataset (Keras evaluate, batch 32). */
  evaluate(data: Dataset, batchSize = 32): { loss: number; accuracy: number } {
    this.checkDataset(data);
    let loss = 0;
    let correct = 0;
    for (let start = 0; start < data.count; start += batchSize) {
      const b = Math.min(batchSize, data.count - start);
      this.inputBuffer(b).set(data.images.subarray(start * this.inputSize, (start + b) * this.inputSize));
      const logits = this.forward(b);
      const r = softmaxCrossEntropy(logits, data.labels.subarray(start, start + b), null, b, this.classes);
      loss += r.loss * b;
      correct += r.correct;
    }
    return { loss: loss / data.count, accuracy: correct / data.count };
  }

  /** Throws a ShapeError unless the dataset's samples fit this model's input. */
  checkDataset(data: Dataset): void {
    if (sampleSize(data) !== this.inputSize) {
      throw new ShapeError('INPUT_SIZE', `the model takes ${shapeString(this.inputShape)} inputs (${this.inputSize} values), the dataset has ${data.height}x${data.width}x${data.channels} samples`);
    }
    for (let i = 0; i < data.count; i++) {
      if (data.labels[i] >= this.classes) throw new ShapeError('LABEL_RANGE', `label ${data.labels[i]} at sample ${i} is out of range for a model with ${this.classes} outputs`);
    }
  }

  /** One line per layer: name, output shape, parameter count (Keras' summary). */
  summary(): string {
    const rows = this.layers.map((l) => `${l.name.padEnd(14)} ${shapeString(l.outShape).padEnd(16)} ${l.params.reduce((n, p) => n + p.size, 0)}`);
    return [`${'layer'.padEnd(14)} ${'output'.padEnd(16)} params`, ...rows, `total params: ${this.store.size}`].join('\n');
  }

  private checkImages(images: Float32Array): number {
    if (images.length % this.inputSize !== 0) {
      throw new ShapeError('INPUT_SIZE', `predict got ${images.length} values, not a multiple of the model's input size ${this.inputSize} (${shapeString(this.inputShape)})`);
    }
    return images.length / this.inputSize;
  }

  /** No layer below i has parameters, so dL/dx of layer i is never needed. */
  private isFrozenBelow(i: number): boolean {
    return this.layers.slice(0, i).every((l) => l.params.length === 0);
  }

  private ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    const alloc = this.backend.alloc;
    this.acts = [alloc(batch * this.inputSize)];
    this.grads = [alloc(batch * this.inputSize)];
    this.layers.forEach((layer, i) => {
      const n = batch * sizeOf(layer.outShape);
      this.acts.push(layer.passthrough ? this.acts[i] : alloc(n));
      this.grads.push(layer.passthrough ? this.grads[i] : alloc(n));
    });
    this.capacity = batch;
  }
}

export function sequential(layers: Layer[], opts: SequentialOptions): Sequential {
  return new Sequential(layers, opts);
}

/** A new model of the same architecture with a copy of `model`'s weights (fresh optimizer). */
export function cloneModel(model: Sequential, opts: { backend?: EngineBackend } = {}): Sequential {
  const layers = model.layers.map((l) => {
    const copy = layerFromConfig(l.config);
    copy.name = l.name;
    return copy;
  });
  const clone = new Sequential(layers, { inputShape: [...model.inputShape], backend: opts.backend ?? model.backend });
  clone.store.values.set(model.store.values);
  return clone;
}
