// Hand-built models for the format tests: the seed architecture (or a small copy of it) in f32,
// full int8 and dynamic-range precision, with seeded, optionally pruned weights.
//   input f32 [h*w] -> (quantize) -> reshape [h, w, 1] -> conv2d 3x3 valid relu -> maxpool 2x2
//   -> flatten -> dense -> (dequantize) -> output f32 [classes]
import { Rng } from '../../src/data/rng.js';
import type { FormatModel, FormatOp, FormatTensor, Precision, Quantization } from '../../src/format/model.js';
import { prunedWeights, quantizePerChannel } from './realistic.js';

export interface SeedModelOptions {
  precision: Precision;
  /** Fraction of kernel weights pruned to zero (biases are never pruned). */
  sparsity?: number;
  seed?: number;
  /** Give tensors names such as 'conv2d/kernel'. */
  names?: boolean;
  /** Input h = w, conv filters, classes: default the seed model's 28, 12, 10. */
  size?: number;
  filters?: number;
  classes?: number;
}

const perTensor = (scale: number, zeroPoint: number): Quantization => ({
  scale: Float32Array.of(scale),
  zeroPoint: Int32Array.of(zeroPoint),
});

export function seedModel(o: SeedModelOptions): FormatModel {
  const rng = new Rng(o.seed ?? 1);
  const [size, filters, classes, sparsity] = [o.size ?? 28, o.filters ?? 12, o.classes ?? 10, o.sparsity ?? 0];
  const conv = size - 2;
  const pooled = Math.floor(conv / 2);
  const flat = pooled * pooled * filters;
  const tensors: FormatTensor[] = [];
  const add = (t: FormatTensor) => tensors.push(o.names ? t : { ...t, name: '' }) - 1;
  const int8 = o.precision === 'int8';
  const act = (name: string, shape: number[], q?: Quantization) =>
    add(int8 && q ? { name, dtype: 'int8', shape, quant: q } : { name, dtype: 'f32', shape });

  // activations: scales and zero points as a calibrated converter would set them
  const inQ = perTensor(1 / 255, -128);
  const convQ = perTensor(0.0213, -128); // after relu: zero point at the bottom
  const outQ = perTensor(0.1187, 9);

  const input = add({ name: 'input', dtype: 'f32', shape: [size * size] });
  const ops: FormatOp[] = [];
  let x = input;
  if (int8) {
    const q = act('quantize', [size * size], inQ);
    ops.push({ op: 'quantize', input: x, output: q });
    x = q;
  }
  const image = act('reshape', [size, size, 1], inQ);
  ops.push({ op: 'reshape', input: x, output: image });

  const layer = (name: string, shape: number[], inScale: number) => {
    const w = prunedWeights(rng, shape, sparsity);
    const cout = shape[shape.length - 1];
    const b = Float32Array.from({ length: cout }, () => 0.05 * rng.normal());
    if (o.precision === 'f32') {
      return { kernel: add({ name: `${name}/kernel`, dtype: 'f32', shape, data: w }), bias: add({ name: `${name}/bias`, dtype: 'f32', shape: [cout], data: b }) };
    }
    const { q, scales } = quantizePerChannel(w, cout);
    const kernel = add({ name: `${name}/kernel`, dtype: 'int8', shape, data: q, quant: { scale: scales, zeroPoint: new Int32Array(cout), axis: shape.length - 1 } });
    const bias = int8
      ? add({ name: `${name}/bias`, dtype: 'int32', shape: [cout], data: Int32Array.from(b, (v, c) => Math.round(v / (inScale * scales[c]))) })
      : add({ name: `${name}/bias`, dtype: 'f32', shape: [cout], data: b });
    return { kernel, bias };
  };

  const c = layer('conv2d', [3, 3, 1, filters], inQ.scale[0]);
  const convOut = act('conv2d', [conv, conv, filters], convQ);
  ops.push({ op: 'conv2d', input: image, output: convOut, kernel: c.kernel, bias: c.bias, strides: [1, 1], padding: 'valid', activation: 'relu' });
  const poolOut = act('max_pooling2d', [pooled, pooled, filters], convQ);
  ops.push({ op: 'maxpool2d', input: convOut, output: poolOut, pool: [2, 2], strides: [2, 2], padding: 'valid' });
  const flatOut = act('flatten', [flat], convQ);
  ops.push({ op: 'flatten', input: poolOut, output: flatOut });
  const d = layer('dense', [flat, classes], convQ.scale[0]);
  const logits = act('dense', [classes], outQ);
  ops.push({ op: 'dense', input: flatOut, output: logits, kernel: d.kernel, bias: d.bias, activation: 'none' });
  let output = logits;
  if (int8) {
    output = add({ name: 'dequantize', dtype: 'f32', shape: [classes] });
    ops.push({ op: 'dequantize', input: logits, output });
  }
  return { tensors, ops, input, output };
}

/** The small copy: 8x8 input, 4 filters, 5 classes (3x3x4 after pooling, dense 36x5). */
export function smallModel(precision: Precision, sparsity = 0.5, seed = 1): FormatModel {
  return seedModel({ precision, sparsity, seed, names: true, size: 8, filters: 4, classes: 5 });
}
