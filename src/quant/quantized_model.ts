// The int8 model as plain data: what QAT and full-int8 PTQ both end with, and what the converter
// serializes. Every number a kernel needs is stored explicitly (padding offsets, per-channel
// multipliers and shifts, activation clamps), so neither the converter nor the runtime has to re-derive
// anything; `integerForward` runs it in integer arithmetic exactly as the runtime does.
//
// Layouts: activations NHWC, batch first and not part of any shape here; conv weights Keras HWIO
// [kh, kw, cin, cout]; dense weights [in, out]; flatten is Keras order (a no-op reshape of NHWC).
import { ConfigError, ShapeError } from '../errors.js';
import { qs8_conv2d_nhwc } from '../runtime/reference/qs8_conv2d_nhwc.js';
import { qs8_gemm } from '../runtime/reference/qs8_gemm.js';
import { qs8_maxpool2d } from '../runtime/reference/qs8_maxpool2d.js';
import { qs8_dequantize, qs8_quantize } from '../runtime/reference/qs8_quantize.js';
import type { Range } from './observers.js';
import type { WeightGranularity } from './ptq.js';
import {
  INT32_MAX,
  INT8_MAX,
  INT8_MIN,
  WEIGHT_MAX,
  activationRange,
  asymmetricParams,
  channelAbsMax,
  checkQuantParams,
  outputMultipliers,
  quantizeBias,
  quantizeWeights,
  type FusedActivation,
  type MultiplierProduct,
  type QuantParams,
} from './scheme.js';

export type Padding = 'valid' | 'same';

/** Spatial geometry of a conv or pool window, all derived sizes included (TFLite's padding rule). */
export interface Window2d {
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padding: Padding;
  /** Rows/columns of implicit padding before the input (the rest of the total goes after). */
  padTop: number;
  padLeft: number;
}

export interface QuantizeLayer {
  kind: 'quantize';
  /** Per-sample shape of the float input. */
  shape: number[];
  out: QuantParams;
}

export interface Conv2dLayer {
  kind: 'conv2d';
  window: Window2d;
  inC: number;
  outC: number;
  /** int8 HWIO [kernelH, kernelW, inC, outC], zero point 0, values in [-127, 127]. */
  weights: Int8Array;
  /** Per output channel (length outC). */
  weightScales: Float32Array;
  /** int32, scale in.scale * weightScales[c], zero point 0. */
  bias: Int32Array;
  in: QuantParams;
  out: QuantParams;
  /** Per output channel Q31 multiplier and shift of in.scale * weightScales[c] / out.scale. */
  multipliers: Int32Array;
  shifts: Int32Array;
  activation: FusedActivation;
  /** int8 clamp of the fused activation (activationRange(activation, out)). */
  actMin: number;
  actMax: number;
}

export interface DenseLayer {
  kind: 'dense';
  inFeatures: number;
  outFeatures: number;
  /** int8 [inFeatures, outFeatures], zero point 0, values in [-127, 127]. */
  weights: Int8Array;
  /** Length 1 (per tensor) or outFeatures (per channel): the granularity to store in the file. */
  weightScales: Float32Array;
  bias: Int32Array;
  in: QuantParams;
  out: QuantParams;
  /** Always one per output feature (a per-tensor scale is repeated) so kernels have one path. */
  multipliers: Int32Array;
  shifts: Int32Array;
  activation: FusedActivation;
  actMin: number;
  actMax: number;
}

export interface MaxPool2dLayer {
  kind: 'maxpool2d';
  window: Window2d;
  channels: number;
  /** Input and output share these (TFLite requires it). */
  params: QuantParams;
}

/** Reshape and flatten: the int8 bytes do not move; params pass through. */
export interface ReshapeLayer {
  kind: 'reshape';
  inShape: number[];
  outShape: number[];
  params: QuantParams;
}

export interface DequantizeLayer {
  kind: 'dequantize';
  shape: number[];
  in: QuantParams;
}

export type QuantizedLayer = QuantizeLayer | Conv2dLayer | MaxPool2dLayer | ReshapeLayer | DenseLayer | DequantizeLayer;

export interface QuantizedModel {
  format: 'topiary-int8';
  version: 1;
  /** Per-sample float input and output shapes (batch excluded). */
  inputShape: number[];
  outputShape: number[];
  /** quantize first, dequantize last, integer layers between. */
  layers: QuantizedLayer[];
}

// ---------------------------------------------------------------------------------------------
// Builder: float weights + observed ranges -> QuantizedModel

export interface Conv2dSpec {
  kind: 'conv2d';
  /**
   * Float HWIO kernel and its shape [kh, kw, cin, cout]. After QAT pass the fake-quantized kernel (what
   * the QAT forward used): its values sit on the grid, so the int8 levels come out exactly. Raw weights
   * round differently at ties (fake quant rounds half up, TFLite half away from zero): measured 4 in
   * 200,000 weights (test/quant/scheme.test.ts).
   */
  kernel: Float32Array;
  kernelShape: [number, number, number, number];
  /** Float bias [cout]; omitted = zeros. */
  bias?: Float32Array;
  strides?: [number, number];
  padding?: Padding;
  activation: FusedActivation;
  /** Range of the layer's output after the activation (tfmot quantizes after ReLU). */
  outRange: Range;
  /** Per-channel weight half-ranges (QAT LastValue a_c); default max|w| per output channel. */
  weightHalfRanges?: ArrayLike<number>;
}

export interface DenseSpec {
  kind: 'dense';
  /** Float [in, out] kernel and its shape (after QAT: the fake-quantized kernel, as for conv2d). */
  kernel: Float32Array;
  kernelShape: [number, number];
  bias?: Float32Array;
  activation: FusedActivation;
  outRange: Range;
  /** Default 'per_tensor': tfmot's default 8-bit QAT scheme. TFLite's newer PTQ uses 'per_channel'. */
  weightGranularity?: WeightGranularity;
  /** One half-range (per tensor) or one per output feature; default max|w| at the chosen granularity. */
  weightHalfRanges?: ArrayLike<number>;
}

export interface MaxPool2dSpec {
  kind: 'maxpool2d';
  pool: [number, number];
  /** Default = pool (Keras). */
  strides?: [number, number];
  padding?: Padding;
}

export type FloatLayerSpec =
  | Conv2dSpec
  | DenseSpec
  | MaxPool2dSpec
  | { kind: 'flatten' }
  | { kind: 'reshape'; shape: number[] };

export interface QuantizedModelSpec {
  /** Per-sample input shape (e.g. [28, 28] or [28, 28, 1]) and its observed range. */
  input: { shape: number[]; range: Range };
  layers: FloatLayerSpec[];
}

/** Builds the int8 model from float weights and per-layer ranges (QAT's observers or PTQ calibration). */
export function buildQuantizedModel(spec: QuantizedModelSpec): QuantizedModel {
  const inputShape = checkShape(spec.input.shape, 'input shape');
  let params = asymmetricParams(spec.input.range.min, spec.input.range.max);
  checkQuantParams(params, 'input');
  const layers: QuantizedLayer[] = [{ kind: 'quantize', shape: inputShape.slice(), out: params }];
  let shape = inputShape.slice();

  spec.layers.forEach((l, i) => {
    const where = `layer ${i} (${l.kind})`;
    switch (l.kind) {
      case 'conv2d': {
        const layer = buildConv2d(l, shape, params, where);
        layers.push(layer);
        params = layer.out;
        shape = [layer.window.outH, layer.window.outW, layer.outC];
        break;
      }
      case 'dense': {
        const layer = buildDense(l, shape, params, where);
        layers.push(layer);
        params = layer.out;
        shape = [layer.outFeatures];
        break;
      }
      case 'maxpool2d': {
        if (shape.length !== 3) throw new ShapeError('qmodel_shape', `${where}: needs an [h, w, c] input, got [${shape}]`);
        const [ph, pw] = l.pool;
        const [sh, sw] = l.strides ?? l.pool;
        const window = window2d(shape[0], shape[1], ph, pw, sh, sw, l.padding ?? 'valid', where);
        layers.push({ kind: 'maxpool2d', window, channels: shape[2], params });
        shape = [window.outH, window.outW, shape[2]];
        break;
      }
      case 'flatten':
      case 'reshape': {
        const outShape = l.kind === 'flatten' ? [size(shape)] : checkShape(l.shape, `${where} shape`);
        if (size(outShape) !== size(shape)) {
          throw new ShapeError('qmodel_shape', `${where}: cannot reshape [${shape}] to [${outShape}]`);
        }
        layers.push({ kind: 'reshape', inShape: shape, outShape, params });
        shape = outShape.slice();
        break;
      }
      default:
        throw new ConfigError('qmodel_layer', `${where}: unknown layer kind ${String((l as { kind: unknown }).kind)}`);
    }
  });

  layers.push({ kind: 'dequantize', shape: shape.slice(), in: params });
  return { format: 'topiary-int8', version: 1, inputShape, outputShape: shape.slice(), layers };
}

function buildConv2d(l: Conv2dSpec, shape: number[], inParams: QuantParams, where: string): Conv2dLayer {
  const [kh, kw, cin, cout] = checkShape(l.kernelShape, `${where} kernel shape`);
  if (shape.length !== 3 || shape[2] !== cin) {
    throw new ShapeError('qmodel_shape', `${where}: kernel [${l.kernelShape}] needs an [h, w, ${cin}] input, got [${shape}]`);
  }
  checkLength(l.kernel, kh * kw * cin * cout, `${where} kernel`);
  const [sh, sw] = l.strides ?? [1, 1];
  const window = window2d(shape[0], shape[1], kh, kw, sh, sw, l.padding ?? 'valid', where);
  const halfRanges = l.weightHalfRanges ?? channelAbsMax(l.kernel, cout);
  checkLength(halfRanges, cout, `${where} weightHalfRanges`);
  const q = integerParts(l.kernel, l.bias, cout, halfRanges, inParams, l.outRange, l.activation, 'float64', where);
  return { kind: 'conv2d', window, inC: cin, outC: cout, ...q };
}

function buildDense(l: DenseSpec, shape: number[], inParams: QuantParams, where: string): DenseLayer {
  const [inF, outF] = checkShape(l.kernelShape, `${where} kernel shape`);
  if (shape.length !== 1 || shape[0] !== inF) {
    throw new ShapeError('qmodel_shape', `${where}: kernel [${l.kernelShape}] needs a [${inF}] input (flatten first), got [${shape}]`);
  }
  checkLength(l.kernel, inF * outF, `${where} kernel`);
  const granularity = l.weightGranularity ?? 'per_tensor';
  const channels = granularity === 'per_channel' ? outF : 1;
  const halfRanges = l.weightHalfRanges ?? channelAbsMax(l.kernel, channels);
  checkLength(halfRanges, channels, `${where} weightHalfRanges (${granularity})`);
  // TFLite: per-channel FC goes through PopulateConvolutionQuantizationParams (double), per-tensor FC
  // through GetQuantizedConvolutionMultipler (s_in * s_w in float).
  const product: MultiplierProduct = granularity === 'per_channel' ? 'float64' : 'float32';
  const q = integerParts(l.kernel, l.bias, outF, halfRanges, inParams, l.outRange, l.activation, product, where);
  return { kind: 'dense', inFeatures: inF, outFeatures: outF, ...q };
}

/** The integer parts shared by conv2d and dense. */
function integerParts(
  kernel: Float32Array,
  bias: Float32Array | undefined,
  outC: number,
  halfRanges: ArrayLike<number>,
  inParams: QuantParams,
  outRange: Range,
  activation: FusedActivation,
  product: MultiplierProduct,
  where: string,
) {
  if (bias) checkLength(bias, outC, `${where} bias`);
  const { values, scales } = quantizeWeights(kernel, halfRanges);
  const out = asymmetricParams(outRange.min, outRange.max);
  checkQuantParams(out, `${where} output`);
  const biasQ = quantizeBias(bias ?? new Float32Array(outC), inParams.scale, scales);
  const perChannelScales = scales.length === outC ? scales : new Float32Array(outC).fill(scales[0]);
  const { multipliers, shifts } = outputMultipliers(inParams.scale, perChannelScales, out.scale, product);
  const { min: actMin, max: actMax } = activationRange(activation, out);
  return {
    weights: values,
    weightScales: scales,
    bias: biasQ,
    in: { ...inParams },
    out,
    multipliers,
    shifts,
    activation,
    actMin,
    actMax,
  };
}

/** Output size and padding offsets as TFLite computes them (ComputePaddingHeightWidth, dilation 1). */
export function window2d(
  inH: number,
  inW: number,
  kernelH: number,
  kernelW: number,
  strideH: number,
  strideW: number,
  padding: Padding,
  where = 'window',
): Window2d {
  for (const [v, name] of [[kernelH, 'kernel height'], [kernelW, 'kernel width'], [strideH, 'stride'], [strideW, 'stride']] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError('qmodel_window', `${where}: ${name} must be a positive integer, got ${v}`);
  }
  if (padding !== 'valid' && padding !== 'same') {
    throw new ConfigError('qmodel_padding', `${where}: padding must be 'valid' or 'same', got ${String(padding)}`);
  }
  const out = (n: number, k: number, s: number) => (padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1);
  const outH = out(inH, kernelH, strideH);
  const outW = out(inW, kernelW, strideW);
  if (outH < 1 || outW < 1) {
    throw new ShapeError('qmodel_shape', `${where}: a ${kernelH}x${kernelW} window does not fit a ${inH}x${inW} input`);
  }
  const pad = (o: number, k: number, s: number, n: number) => Math.floor(Math.max((o - 1) * s + k - n, 0) / 2);
  return {
    inH, inW, outH, outW, kernelH, kernelW, strideH, strideW, padding,
    padTop: pad(outH, kernelH, strideH, inH),
    padLeft: pad(outW, kernelW, strideW, inW),
  };
}

// ---------------------------------------------------------------------------------------------
// Integer forward: the whole model in int8/int32 arithmetic, layer by layer, as the runtime runs it.

/** The int8 kernels a forward needs; the default is the plain-TS reference twins of the WASM kernels. */
export interface Int8Kernels {
  quantize(x: Float32Array, p: QuantParams): Int8Array;
  conv2d(x: Int8Array, batch: number, layer: Conv2dLayer): Int8Array;
  maxpool2d(x: Int8Array, batch: number, layer: MaxPool2dLayer): Int8Array;
  dense(x: Int8Array, batch: number, layer: DenseLayer): Int8Array;
  dequantize(q: Int8Array, p: QuantParams): Float32Array;
}

export const referenceInt8Kernels: Int8Kernels = {
  quantize: (x, p) => qs8_quantize(x, p.scale, p.zeroPoint),
  conv2d: (x, batch, l) => {
    const w = l.window;
    const g = {
      h: w.inH, w: w.inW, cin: l.inC, cout: l.outC, kh: w.kernelH, kw: w.kernelW,
      strideH: w.strideH, strideW: w.strideW, padding: w.padding,
    };
    return qs8_conv2d_nhwc(x, batch, g, l.weights, l.bias, l.in.zeroPoint, requantOf(l)).y;
  },
  maxpool2d: (x, batch, l) => {
    const w = l.window;
    const pool = { poolH: w.kernelH, poolW: w.kernelW, strideH: w.strideH, strideW: w.strideW, padding: w.padding };
    return qs8_maxpool2d(x, batch, w.inH, w.inW, l.channels, pool).y;
  },
  dense: (x, batch, l) =>
    qs8_gemm(x, batch, l.inFeatures, l.outFeatures, l.in.zeroPoint, l.weights, l.bias, requantOf(l)),
  dequantize: (q, p) => qs8_dequantize(q, p.scale, p.zeroPoint),
};

function requantOf(l: Conv2dLayer | DenseLayer) {
  return { multipliers: l.multipliers, shifts: l.shifts, zOut: l.out.zeroPoint, actMin: l.actMin, actMax: l.actMax };
}

/**
 * Runs `batch` samples (input: batch x inputShape floats, NHWC) through the int8 model.
 * Returns the dequantized logits and the int8 output they come from.
 */
export function integerForward(
  m: QuantizedModel,
  input: Float32Array,
  batch: number,
  kernels: Int8Kernels = referenceInt8Kernels,
): { logits: Float32Array; output: Int8Array } {
  validateQuantizedModel(m);
  if (!Number.isInteger(batch) || batch < 1) throw new ShapeError('qmodel_batch', `batch must be a positive integer, got ${batch}`);
  const per = size(m.inputShape);
  if (input.length !== batch * per) {
    throw new ShapeError('qmodel_input', `input has ${input.length} values; ${batch} samples of [${m.inputShape}] need ${batch * per}`);
  }
  let q: Int8Array = new Int8Array(0);
  let logits: Float32Array = new Float32Array(0);
  for (const l of m.layers) {
    switch (l.kind) {
      case 'quantize':
        q = kernels.quantize(input, l.out);
        break;
      case 'conv2d':
        q = kernels.conv2d(q, batch, l);
        break;
      case 'maxpool2d':
        q = kernels.maxpool2d(q, batch, l);
        break;
      case 'dense':
        q = kernels.dense(q, batch, l);
        break;
      case 'reshape':
        break; // NHWC row-major: the bytes already are in the new shape's order
      case 'dequantize':
        logits = kernels.dequantize(q, l.in);
        break;
    }
  }
  return { logits, output: q };
}

// ---------------------------------------------------------------------------------------------
// Validation: everything a converter or interpreter relies on, checked once.

/** Throws a typed error naming the first inconsistency of a QuantizedModel (e.g. one read from a file). */
export function validateQuantizedModel(m: QuantizedModel): void {
  if (m.format !== 'topiary-int8' || m.version !== 1) {
    throw new ConfigError('qmodel_version', `not a topiary-int8 v1 model (format ${String(m.format)}, version ${String(m.version)})`);
  }
  const layers = m.layers;
  if (layers.length < 2 || layers[0].kind !== 'quantize' || layers[layers.length - 1].kind !== 'dequantize') {
    throw new ConfigError('qmodel_layers', 'a quantized model starts with quantize and ends with dequantize');
  }
  let shape = checkShape(m.inputShape, 'input shape');
  let params: QuantParams | undefined;
  layers.forEach((l, i) => {
    const where = `layer ${i} (${l.kind})`;
    if ((l.kind === 'quantize') !== (i === 0) || (l.kind === 'dequantize') !== (i === layers.length - 1)) {
      throw new ConfigError('qmodel_layers', `${where}: quantize must be first and dequantize last`);
    }
    switch (l.kind) {
      case 'quantize':
        expectShape(l.shape, shape, where);
        checkQuantParams(l.out, `${where} output`);
        params = l.out;
        break;
      case 'conv2d': {
        const w = l.window;
        expectShape([w.inH, w.inW, l.inC], shape, where);
        checkWindow(w, where);
        checkIntegerLayer(l, w.kernelH * w.kernelW * l.inC, l.outC, params!, where);
        if (l.weightScales.length !== l.outC) throw new ShapeError('qmodel_scales', `${where}: needs ${l.outC} weight scales`);
        params = l.out;
        shape = [w.outH, w.outW, l.outC];
        break;
      }
      case 'dense':
        expectShape([l.inFeatures], shape, where);
        checkIntegerLayer(l, l.inFeatures, l.outFeatures, params!, where);
        if (l.weightScales.length !== 1 && l.weightScales.length !== l.outFeatures) {
          throw new ShapeError('qmodel_scales', `${where}: needs 1 or ${l.outFeatures} weight scales`);
        }
        params = l.out;
        shape = [l.outFeatures];
        break;
      case 'maxpool2d': {
        const w = l.window;
        expectShape([w.inH, w.inW, l.channels], shape, where);
        checkWindow(w, where);
        expectSameParams(l.params, params!, where);
        shape = [w.outH, w.outW, l.channels];
        break;
      }
      case 'reshape':
        expectShape(l.inShape, shape, where);
        if (size(checkShape(l.outShape, `${where} shape`)) !== size(shape)) {
          throw new ShapeError('qmodel_shape', `${where}: cannot reshape [${shape}] to [${l.outShape}]`);
        }
        expectSameParams(l.params, params!, where);
        shape = l.outShape.slice();
        break;
      case 'dequantize':
        expectShape(l.shape, shape, where);
        expectSameParams(l.in, params!, where);
        break;
      default:
        throw new ConfigError('qmodel_layer', `${where}: unknown layer kind`);
    }
  });
  expectShape(m.outputShape, shape, 'output shape');
}

function checkIntegerLayer(l: Conv2dLayer | DenseLayer, fanIn: number, outC: number, inParams: QuantParams, where: string): void {
  expectSameParams(l.in, inParams, where);
  checkQuantParams(l.out, `${where} output`);
  checkLength(l.weights, fanIn * outC, `${where} weights`);
  for (let i = 0; i < l.weights.length; i++) {
    if (l.weights[i] < -WEIGHT_MAX) throw new ConfigError('qmodel_weights', `${where}: weight ${i} is -128; int8 weights use [-127, 127]`);
  }
  for (let c = 0; c < l.weightScales.length; c++) {
    if (!(Number.isFinite(l.weightScales[c]) && l.weightScales[c] > 0)) {
      throw new ConfigError('qmodel_scales', `${where}: weight scale ${c} must be finite and > 0, got ${l.weightScales[c]}`);
    }
  }
  checkLength(l.bias, outC, `${where} bias`);
  checkLength(l.multipliers, outC, `${where} multipliers`);
  checkLength(l.shifts, outC, `${where} shifts`);
  for (let c = 0; c < outC; c++) {
    if (l.bias[c] < -INT32_MAX) throw new ConfigError('qmodel_bias', `${where}: bias ${c} is INT32_MIN; biases use [-INT32_MAX, INT32_MAX]`);
    if (!(l.multipliers[c] >= 0) || l.shifts[c] < -31 || l.shifts[c] > 30) {
      throw new ConfigError('qmodel_multiplier', `${where}: multiplier ${c} (${l.multipliers[c]}, shift ${l.shifts[c]}) is out of range`);
    }
  }
  const want = activationRange(l.activation, l.out);
  if (l.actMin !== want.min || l.actMax !== want.max || l.actMin > l.actMax || l.actMin < INT8_MIN || l.actMax > INT8_MAX) {
    throw new ConfigError('qmodel_activation', `${where}: clamp [${l.actMin}, ${l.actMax}] does not match ${l.activation} on its output params`);
  }
}

function checkWindow(w: Window2d, where: string): void {
  const again = window2d(w.inH, w.inW, w.kernelH, w.kernelW, w.strideH, w.strideW, w.padding, where);
  for (const k of Object.keys(again) as (keyof Window2d)[]) {
    if (again[k] !== w[k]) {
      throw new ShapeError('qmodel_window', `${where}: window ${k} is ${w[k]} but its input, kernel and strides give ${again[k]}`);
    }
  }
}

function expectSameParams(a: QuantParams, b: QuantParams, where: string): void {
  if (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint) {
    throw new ConfigError('qmodel_params', `${where}: quantization params (${a.scale}, ${a.zeroPoint}) differ from its input's (${b.scale}, ${b.zeroPoint})`);
  }
}

function expectShape(got: number[], want: number[], where: string): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new ShapeError('qmodel_shape', `${where}: expects shape [${got}] but its input is [${want}]`);
  }
}

function checkShape(shape: readonly number[], what: string): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError('qmodel_shape', `${what} must be a list of positive integers, got [${String(shape)}]`);
  }
  return shape.slice();
}

function checkLength(a: ArrayLike<number>, n: number, what: string): void {
  if (a.length !== n) throw new ShapeError('qmodel_length', `${what} has ${a.length} values, expected ${n}`);
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
