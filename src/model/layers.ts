// Layers in the spirit of Keras: small objects over the engine's ops. A layer builds from its input's
// per-sample shape, declares its params, and runs forward/backward on flat batches.
import type { EngineBackend } from '../engine/backend.js';
import { ConfigError, ShapeError } from '../errors.js';
import { conv2dGeometry, type Conv2dGeometry, type Padding } from '../engine/ops/conv2d.js';
import type { DenseGeometry } from '../engine/ops/dense.js';
import { maxPool2dGeometry, type MaxPool2dGeometry } from '../engine/ops/maxpool2d.js';
import type { Param, ParamSpec } from '../engine/params.js';
import { sizeOf, shapeString, type Shape } from '../engine/tensor.js';

export type Activation = 'linear' | 'relu';

export type LayerConfig =
  | { type: 'reshape'; targetShape: number[] }
  | { type: 'flatten' }
  | { type: 'conv2d'; filters: number; kernelSize: [number, number]; strides: [number, number]; padding: Padding; activation: Activation }
  | { type: 'maxpool2d'; poolSize: [number, number]; strides: [number, number]; padding: Padding }
  | { type: 'dense'; units: number; activation: Activation }
  | { type: 'relu' }
  /** Quantization-aware training's fake quantization of the input or of an activation (src/quant/qat.ts). */
  | { type: 'fake_quant'; role: 'input' | 'activation' };

export abstract class Layer {
  abstract readonly config: LayerConfig;
  name = '';
  inShape: Shape = [];
  outShape: Shape = [];
  /** Bound by the model after allocation, in paramSpecs() order. */
  params: Param[] = [];
  /** True when the output is the input reinterpreted (reshape, flatten): the model aliases the buffers. */
  readonly passthrough: boolean = false;

  /** Checks the input shape and returns the per-sample output shape. */
  abstract build(inShape: Shape): Shape;
  paramSpecs(): ParamSpec[] {
    return [];
  }
  abstract forward(ops: EngineBackend, x: Float32Array, y: Float32Array, batch: number): void;
  /** Adds parameter gradients; writes dL/dx into dx unless null. May overwrite dy. */
  abstract backward(ops: EngineBackend, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array | null, batch: number): void;

  param(name: 'kernel' | 'bias'): Param {
    const p = this.params.find((q) => q.name === name);
    if (!p) throw new ConfigError('NO_PARAM', `layer ${this.name} has no ${name}`);
    return p;
  }
}

abstract class PassthroughLayer extends Layer {
  override readonly passthrough = true;
  forward(): void {}
  backward(): void {}
}

export class Reshape extends PassthroughLayer {
  readonly config: LayerConfig;
  constructor(readonly targetShape: number[]) {
    super();
    this.config = { type: 'reshape', targetShape: [...targetShape] };
  }
  build(inShape: Shape): Shape {
    if (sizeOf(inShape) !== sizeOf(this.targetShape)) {
      throw new ShapeError('RESHAPE_SIZE', `reshape to ${shapeString(this.targetShape)} needs ${sizeOf(this.targetShape)} values per sample, the input ${shapeString(inShape)} has ${sizeOf(inShape)}`);
    }
    return [...this.targetShape];
  }
}

export class Flatten extends PassthroughLayer {
  readonly config: LayerConfig = { type: 'flatten' };
  build(inShape: Shape): Shape {
    return [sizeOf(inShape)];
  }
}

export class Conv2D extends Layer {
  readonly config: Extract<LayerConfig, { type: 'conv2d' }>;
  geometry!: Conv2dGeometry;
  constructor(cfg: { filters: number; kernelSize: number | [number, number]; strides?: number | [number, number]; padding?: Padding; activation?: Activation }) {
    super();
    this.config = {
      type: 'conv2d',
      filters: positiveInt(cfg.filters, 'conv2d filters'),
      kernelSize: pair(cfg.kernelSize, 'conv2d kernelSize'),
      strides: pair(cfg.strides ?? 1, 'conv2d strides'),
      padding: padding(cfg.padding ?? 'valid'),
      activation: activation(cfg.activation ?? 'linear'),
    };
  }
  build(inShape: Shape): Shape {
    const c = this.config;
    this.geometry = conv2dGeometry(inShape, c.kernelSize, c.filters, c.strides, c.padding);
    return [this.geometry.outH, this.geometry.outW, c.filters];
  }
  override paramSpecs(): ParamSpec[] {
    const { kh, kw, inC, outC } = this.geometry;
    return [
      { name: 'kernel', shape: [kh, kw, inC, outC], init: 'glorotUniform', fanIn: kh * kw * inC, fanOut: kh * kw * outC },
      { name: 'bias', shape: [outC], init: 'zeros', fanIn: 0, fanOut: 0 },
    ];
  }
  forward(ops: EngineBackend, x: Float32Array, y: Float32Array, batch: number): void {
    ops.conv2dForward(x, this.kernelForForward(), this.params[1].value, y, batch, this.geometry);
    if (this.config.activation === 'relu') ops.reluForward(y, y, batch * sizeOf(this.outShape));
  }
  backward(ops: EngineBackend, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array | null, batch: number): void {
    if (this.config.activation === 'relu') ops.reluBackward(y, dy, dy, batch * sizeOf(this.outShape));
    const [k, b] = this.params;
    ops.conv2dBackward(x, this.kernelForForward(), dy, dx, k.grad, b.grad, batch, this.geometry);
  }
  /** The kernel the forward multiplies by (quantization-aware training substitutes a fake-quantized copy). */
  kernelForForward(): Float32Array {
    return this.params[0].value;
  }
}

export class MaxPool2D extends Layer {
  readonly config: Extract<LayerConfig, { type: 'maxpool2d' }>;
  geometry!: MaxPool2dGeometry;
  constructor(cfg: { poolSize?: number | [number, number]; strides?: number | [number, number]; padding?: Padding } = {}) {
    super();
    const poolSize = pair(cfg.poolSize ?? 2, 'maxpool2d poolSize');
    this.config = { type: 'maxpool2d', poolSize, strides: pair(cfg.strides ?? poolSize, 'maxpool2d strides'), padding: padding(cfg.padding ?? 'valid') };
  }
  build(inShape: Shape): Shape {
    this.geometry = maxPool2dGeometry(inShape, this.config.poolSize, this.config.strides, this.config.padding);
    return [this.geometry.outH, this.geometry.outW, this.geometry.c];
  }
  forward(ops: EngineBackend, x: Float32Array, y: Float32Array, batch: number): void {
    ops.maxPool2dForward(x, y, batch, this.geometry);
  }
  backward(ops: EngineBackend, x: Float32Array, _y: Float32Array, dy: Float32Array, dx: Float32Array | null, batch: number): void {
    if (dx) ops.maxPool2dBackward(x, dy, dx, batch, this.geometry);
  }
}

export class Dense extends Layer {
  readonly config: Extract<LayerConfig, { type: 'dense' }>;
  geometry!: DenseGeometry;
  constructor(cfg: { units: number; activation?: Activation }) {
    super();
    this.config = { type: 'dense', units: positiveInt(cfg.units, 'dense units'), activation: activation(cfg.activation ?? 'linear') };
  }
  build(inShape: Shape): Shape {
    if (inShape.length !== 1) throw new ShapeError('BAD_RANK', `dense expects flat inputs, got ${shapeString(inShape)}; add flatten() before it`);
    this.geometry = { inF: inShape[0], outF: this.config.units };
    return [this.config.units];
  }
  override paramSpecs(): ParamSpec[] {
    const { inF, outF } = this.geometry;
    return [
      { name: 'kernel', shape: [inF, outF], init: 'glorotUniform', fanIn: inF, fanOut: outF },
      { name: 'bias', shape: [outF], init: 'zeros', fanIn: 0, fanOut: 0 },
    ];
  }
  forward(ops: EngineBackend, x: Float32Array, y: Float32Array, batch: number): void {
    ops.denseForward(x, this.kernelForForward(), this.params[1].value, y, batch, this.geometry);
    if (this.config.activation === 'relu') ops.reluForward(y, y, batch * this.config.units);
  }
  backward(ops: EngineBackend, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array | null, batch: number): void {
    if (this.config.activation === 'relu') ops.reluBackward(y, dy, dy, batch * this.config.units);
    const [k, b] = this.params;
    ops.denseBackward(x, this.kernelForForward(), dy, dx, k.grad, b.grad, batch, this.geometry);
  }
  kernelForForward(): Float32Array {
    return this.params[0].value;
  }
}

export class ReLU extends Layer {
  readonly config: LayerConfig = { type: 'relu' };
  build(inShape: Shape): Shape {
    return [...inShape];
  }
  forward(ops: EngineBackend, x: Float32Array, y: Float32Array, batch: number): void {
    ops.reluForward(x, y, batch * sizeOf(this.inShape));
  }
  backward(ops: EngineBackend, _x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array | null, batch: number): void {
    if (dx) ops.reluBackward(y, dy, dx, batch * sizeOf(this.inShape));
  }
}

/** Rebuilds a layer from its config (checkpoints, model files). */
export function layerFromConfig(c: LayerConfig): Layer {
  switch (c.type) {
    case 'reshape': return new Reshape(c.targetShape);
    case 'flatten': return new Flatten();
    case 'conv2d': return new Conv2D(c);
    case 'maxpool2d': return new MaxPool2D(c);
    case 'dense': return new Dense(c);
    case 'relu': return new ReLU();
    case 'fake_quant':
      // Its ranges are state, not config: a bare layer would quantize with made-up ranges.
      throw new ConfigError('QAT_LAYER', `a fake_quant layer cannot be rebuilt from its config alone; rebuild the QAT model with quantizeModel(floatModel) and restore its ranges with restoreQatState()`);
  }
}

// Keras-style factories.
export const reshape = (targetShape: number[]) => new Reshape(targetShape);
export const flatten = () => new Flatten();
export const conv2d = (cfg: ConstructorParameters<typeof Conv2D>[0]) => new Conv2D(cfg);
export const maxPool2d = (cfg?: ConstructorParameters<typeof MaxPool2D>[0]) => new MaxPool2D(cfg);
export const dense = (cfg: ConstructorParameters<typeof Dense>[0]) => new Dense(cfg);
export const relu = () => new ReLU();

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new ConfigError('BAD_LAYER', `${what} must be a positive integer, got ${v}`);
  return v;
}

function pair(v: number | [number, number], what: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  positiveInt(p[0], what);
  positiveInt(p[1], what);
  return p;
}

function padding(p: string): Padding {
  if (p !== 'valid' && p !== 'same') throw new ConfigError('BAD_LAYER', `padding must be 'valid' or 'same', got '${p}'`);
  return p;
}

function activation(a: string): Activation {
  if (a !== 'linear' && a !== 'relu') throw new ConfigError('BAD_LAYER', `activation must be 'linear' or 'relu', got '${a}'`);
  return a;
}
