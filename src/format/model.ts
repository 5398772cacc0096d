// The in-memory model of the format: what the converter builds, the writer stores, the reader
// returns and the runtime prepares. A flat list of tensors and a list of ops, in execution order,
// that name their tensors by index. Byte layout: spec.ts. Validation: validate.ts.
//
// Precision is not stored on an op: it follows from the op's tensors (opPrecision):
//   f32      f32 input, f32 weights, f32 bias, f32 output
//   int8     int8 input and output (per-tensor scale and zero point), int8 symmetric weights
//            (zero points 0, per tensor or per output channel), int32 bias whose scale is implied:
//            input scale × weight scale[c], zero point 0 (TFLite's int8 spec), so it is not stored
//   dynamic  f32 input and output, int8 symmetric weights with scales, f32 bias (dynamic range)

export type DType = 'f32' | 'int8' | 'int32';
export type Padding = 'valid' | 'same';
export type Activation = 'none' | 'relu';
export type TensorData = Float32Array | Int8Array | Int32Array;

/** real = scale * (q - zeroPoint). */
export interface Quantization {
  /** One scale per tensor, or one per index of `axis`; float32, finite, > 0. */
  scale: Float32Array;
  /** Same length as `scale`; in [-128, 127] for int8, 0 for weights. */
  zeroPoint: Int32Array;
  /** Per-channel only: the channel axis (TFLite's quantized_dimension), e.g. 3 for a Conv2D kernel
   * [kh, kw, cin, cout], 1 for a Dense kernel [in, out]. Absent: per-tensor (one scale). */
  axis?: number;
}

export interface FormatTensor {
  /** Free text for people and tools, e.g. 'conv2d/kernel'; '' costs one bit in the file. */
  name: string;
  dtype: DType;
  /** Row-major; activations without the batch axis, e.g. [26, 26, 12]; weights in Keras layout. */
  shape: number[];
  /** Required for int8 tensors; absent for f32 and int32 ones. */
  quant?: Quantization;
  /** Constant data (weights, biases), row-major: Float32Array for f32, Int8Array for int8,
   * Int32Array for int32. Absent for activations. */
  data?: TensorData;
}

interface OpTensors {
  /** Tensor indices: the op reads `input` and writes `output`. */
  input: number;
  output: number;
}

/** Same elements, new shape (dtype and quantization pass through). */
export interface ReshapeOp extends OpTensors {
  op: 'reshape';
}

/** NHWC convolution: input [H, W, cin], kernel [kh, kw, cin, cout], bias [cout], output [Ho, Wo, cout]. */
export interface Conv2DOp extends OpTensors {
  op: 'conv2d';
  kernel: number;
  bias?: number;
  /** [strideH, strideW], e.g. [1, 1]. */
  strides: [number, number];
  padding: Padding;
  /** Fused after the bias: for int8, relu clamps to [max(-128, output zero point), 127]. */
  activation: Activation;
}

/** Max over [poolH, poolW] windows: input [H, W, C], output [Ho, Wo, C]; quantization passes through. */
export interface MaxPool2DOp extends OpTensors {
  op: 'maxpool2d';
  pool: [number, number];
  strides: [number, number];
  padding: Padding;
}

/** To rank 1 in row-major (Keras) order: [H, W, C] -> [H*W*C]. */
export interface FlattenOp extends OpTensors {
  op: 'flatten';
}

/** Over the last axis: input [..., in], kernel [in, out], bias [out], output [..., out]. */
export interface DenseOp extends OpTensors {
  op: 'dense';
  kernel: number;
  bias?: number;
  activation: Activation;
}

/** f32 -> int8 with the output's scale and zero point: q = clamp(round(x / scale) + zeroPoint). */
export interface QuantizeOp extends OpTensors {
  op: 'quantize';
}

/** int8 -> f32 with the input's scale and zero point. */
export interface DequantizeOp extends OpTensors {
  op: 'dequantize';
}

export type FormatOp = ReshapeOp | Conv2DOp | MaxPool2DOp | FlattenOp | DenseOp | QuantizeOp | DequantizeOp;
export type OpName = FormatOp['op'];
export type Precision = 'f32' | 'int8' | 'dynamic';

export interface FormatModel {
  tensors: FormatTensor[];
  /** In execution order; each op's input is the model input or an earlier op's output. */
  ops: FormatOp[];
  /** Tensor index of the model input (per sample, e.g. f32 [784]) and of its output (e.g. f32 [10]). */
  input: number;
  output: number;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Bytes of a tensor's values (spec.ts DTYPE_BYTES: int8 1, f32 and int32 4). */
export const tensorBytes = (t: FormatTensor): number => elementCount(t.shape) * (t.dtype === 'int8' ? 1 : 4);

/** Output length along one spatial axis (TensorFlow): 'valid' floor((n - k) / s) + 1, 'same' ceil(n / s). */
export function convOutputSize(n: number, k: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / stride) : n < k ? 0 : Math.floor((n - k) / stride) + 1;
}

/** Zero rows/columns [before, after] that 'same' padding adds along one axis (TensorFlow puts the odd one after). */
export function samePadding(n: number, k: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(n / stride) - 1) * stride + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** The precision of an op, from its tensors (see the top of this file); quantize and dequantize are 'int8'. */
export function opPrecision(model: FormatModel, op: FormatOp): Precision {
  const input = model.tensors[op.input].dtype;
  if (op.op === 'conv2d' || op.op === 'dense') {
    const kernel = model.tensors[op.kernel].dtype;
    return input === 'int8' ? 'int8' : kernel === 'int8' ? 'dynamic' : 'f32';
  }
  return op.op === 'quantize' || input === 'int8' ? 'int8' : 'f32';
}

/** The constant tensors an op reads (kernel and bias), for tools that walk weights. */
export function opWeights(op: FormatOp): number[] {
  if (op.op !== 'conv2d' && op.op !== 'dense') return [];
  return op.bias === undefined ? [op.kernel] : [op.kernel, op.bias];
}
