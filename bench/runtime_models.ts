// Stand-ins for the converter (src/convert, not landed yet) used by bench/runtime.ts and the runtime
// tests: engine models as model files built by hand. f32 and dynamic range from a Sequential's
// weights; full int8 from a QuantizedModel built with per-layer min/max calibration (PTQ's global
// min/max); magnitude pruning. Replace with src/convert once it exists.
import type { FormatModel, FormatOp, FormatTensor, Quantization } from '../src/format/model.js';
import type { Layer } from '../src/model/layers.js';
import type { Sequential } from '../src/model/sequential.js';
import type { Range } from '../src/quant/observers.js';
import { buildQuantizedModel, type FloatLayerSpec, type QuantizedModel } from '../src/quant/quantized_model.js';
import { quantizeWeights } from '../src/quant/scheme.js';

/** Zeroes the `sparsity` smallest-magnitude weights of every kernel (ties broken by index). */
export function pruneKernels(m: Sequential, sparsity: number): Sequential {
  for (const p of m.params) {
    if (p.name !== 'kernel') continue;
    const order = [...p.value.keys()].sort((a, b) => Math.abs(p.value[a]) - Math.abs(p.value[b]) || a - b);
    for (let i = 0; i < Math.round(sparsity * p.size); i++) p.value[order[i]] = 0;
  }
  return m;
}

const f32 = (name: string, shape: number[], data?: Float32Array): FormatTensor => (data ? { name, dtype: 'f32', shape, data } : { name, dtype: 'f32', shape });

/** The f32 model file of a Sequential; with `dynamic`, kernels as int8 per channel (dynamic range). */
export function floatModel(m: Sequential, dynamic = false): FormatModel {
  const tensors: FormatTensor[] = [f32('input', [...m.inputShape])];
  const ops: FormatOp[] = [];
  let x = 0;
  for (const layer of m.layers) {
    const out = tensors.push(f32(layer.name, [...layer.outShape])) - 1;
    const op = layerOp(layer, x, out, () => {
      const k = layer.param('kernel'), cout = k.shape[k.shape.length - 1];
      const kernel = dynamic ? int8Kernel(k.value, [...k.shape], cout) : f32(`${layer.name}/kernel`, [...k.shape], k.value.slice());
      return [tensors.push(kernel) - 1, tensors.push(f32(`${layer.name}/bias`, [cout], layer.param('bias').value.slice())) - 1];
    });
    ops.push(op);
    x = out;
  }
  return { tensors, ops, input: 0, output: x };
}

export function int8Kernel(w: Float32Array, shape: number[], cout: number): FormatTensor {
  const halfRanges = new Float32Array(cout);
  for (let i = 0; i < w.length; i++) halfRanges[i % cout] = Math.max(halfRanges[i % cout], Math.abs(w[i]));
  const q = quantizeWeights(w, halfRanges);
  return { name: 'kernel', dtype: 'int8', shape, data: q.values, quant: { scale: q.scales, zeroPoint: new Int32Array(cout), axis: shape.length - 1 } };
}

function layerOp(layer: Layer, input: number, output: number, weights: () => [number, number]): FormatOp {
  const c = layer.config;
  switch (c.type) {
    case 'reshape': return { op: 'reshape', input, output };
    case 'flatten': return { op: 'flatten', input, output };
    case 'maxpool2d': return { op: 'maxpool2d', input, output, pool: c.poolSize, strides: c.strides, padding: c.padding };
    case 'conv2d': {
      const [kernel, bias] = weights();
      return { op: 'conv2d', input, output, kernel, bias, strides: c.strides, padding: c.padding, activation: c.activation === 'relu' ? 'relu' : 'none' };
    }
    case 'dense': {
      const [kernel, bias] = weights();
      return { op: 'dense', input, output, kernel, bias, activation: c.activation === 'relu' ? 'relu' : 'none' };
    }
    default: throw new Error(`no format op for layer ${c.type}`);
  }
}

// A backend never frees what it allocates, so layerRanges keeps its buffers per backend, by role and
// length, and reuses them: a sweep calibrating model after model on one backend used to run it out of memory.
const kept = new WeakMap<object, Map<string, Float32Array>>();

function buffer(m: Sequential, role: string, n: number): Float32Array {
  let mine = kept.get(m.backend);
  if (!mine) kept.set(m.backend, (mine = new Map()));
  const key = `${role}/${n}`;
  let b = mine.get(key);
  if (!b) mine.set(key, (b = m.backend.alloc(n)));
  return b;
}

/** Per layer output ranges of `m` on `x` (reshape and flatten pass their input's), for calibration. */
export function layerRanges(m: Sequential, x: Float32Array, batch: number): Range[] {
  // buffers from the model's backend: a WASM backend only takes views of its own memory
  let act = buffer(m, 'input', x.length);
  act.set(x);
  return m.layers.map((layer, i) => {
    if (!layer.passthrough) {
      const y = buffer(m, `layer ${i}`, batch * layer.outShape.reduce((a, b) => a * b, 1));
      layer.forward(m.backend, act, y, batch);
      act = y;
    }
    let min = Infinity, max = -Infinity;
    for (const v of act) { min = Math.min(min, v); max = Math.max(max, v); }
    return { min, max };
  });
}

/** The int8 model of `m` calibrated on `x` (global min/max), as PTQ would build it. */
export function quantizedModel(m: Sequential, x: Float32Array, batch: number, denseGranularity: 'per_tensor' | 'per_channel' = 'per_tensor'): QuantizedModel {
  // a layer whose outputs are all one value (e.g. an all-zero kernel before a ReLU) gets a unit range
  const ranges = layerRanges(m, x, batch).map((r) => (r.max > r.min ? r : { min: r.min, max: r.min + 1 }));
  let inMin = Infinity, inMax = -Infinity;
  for (const v of x) { inMin = Math.min(inMin, v); inMax = Math.max(inMax, v); }
  const layers: FloatLayerSpec[] = m.layers.map((layer, i) => {
    const c = layer.config;
    switch (c.type) {
      case 'reshape': return { kind: 'reshape', shape: c.targetShape };
      case 'flatten': return { kind: 'flatten' };
      case 'maxpool2d': return { kind: 'maxpool2d', pool: c.poolSize, strides: c.strides, padding: c.padding };
      case 'conv2d': {
        const k = layer.param('kernel');
        return { kind: 'conv2d', kernel: k.value, kernelShape: k.shape as [number, number, number, number], bias: layer.param('bias').value, strides: c.strides, padding: c.padding, activation: c.activation === 'relu' ? 'relu' : 'none', outRange: ranges[i] };
      }
      case 'dense': {
        const k = layer.param('kernel');
        return { kind: 'dense', kernel: k.value, kernelShape: k.shape as [number, number], bias: layer.param('bias').value, activation: c.activation === 'relu' ? 'relu' : 'none', outRange: ranges[i], weightGranularity: denseGranularity };
      }
      default: throw new Error(`no int8 layer for ${c.type}`);
    }
  });
  return buildQuantizedModel({ input: { shape: [...m.inputShape], range: { min: inMin, max: inMax } }, layers });
}

const quant = (p: { scale: number; zeroPoint: number }): Quantization => ({ scale: Float32Array.of(p.scale), zeroPoint: Int32Array.of(p.zeroPoint) });

/** The int8 model file of a QuantizedModel: quantize, integer layers, dequantize. */
export function int8Model(qm: QuantizedModel): FormatModel {
  const tensors: FormatTensor[] = [f32('input', qm.inputShape)];
  const ops: FormatOp[] = [];
  const add = (t: FormatTensor) => tensors.push(t) - 1;
  let x = 0;
  for (const l of qm.layers) {
    switch (l.kind) {
      case 'quantize': {
        const y = add({ name: 'quantize', dtype: 'int8', shape: l.shape, quant: quant(l.out) });
        ops.push({ op: 'quantize', input: x, output: y });
        x = y;
        break;
      }
      case 'dequantize': {
        const y = add(f32('dequantize', l.shape));
        ops.push({ op: 'dequantize', input: x, output: y });
        x = y;
        break;
      }
      case 'reshape': {
        const y = add({ name: 'reshape', dtype: 'int8', shape: l.outShape, quant: quant(l.params) });
        ops.push({ op: l.outShape.length === 1 && l.inShape.length > 1 ? 'flatten' : 'reshape', input: x, output: y });
        x = y;
        break;
      }
      case 'maxpool2d': {
        const w = l.window;
        const y = add({ name: 'maxpool2d', dtype: 'int8', shape: [w.outH, w.outW, l.channels], quant: quant(l.params) });
        ops.push({ op: 'maxpool2d', input: x, output: y, pool: [w.kernelH, w.kernelW], strides: [w.strideH, w.strideW], padding: w.padding });
        x = y;
        break;
      }
      case 'conv2d': {
        const w = l.window;
        const kernel = add({ name: 'conv2d/kernel', dtype: 'int8', shape: [w.kernelH, w.kernelW, l.inC, l.outC], data: l.weights, quant: { scale: l.weightScales, zeroPoint: new Int32Array(l.outC), axis: 3 } });
        const bias = add({ name: 'conv2d/bias', dtype: 'int32', shape: [l.outC], data: l.bias });
        const y = add({ name: 'conv2d', dtype: 'int8', shape: [w.outH, w.outW, l.outC], quant: quant(l.out) });
        ops.push({ op: 'conv2d', input: x, output: y, kernel, bias, strides: [w.strideH, w.strideW], padding: w.padding, activation: activation(l.activation) });
        x = y;
        break;
      }
      case 'dense': {
        const perChannel = l.weightScales.length > 1;
        const scales: Quantization = perChannel
          ? { scale: l.weightScales, zeroPoint: new Int32Array(l.outFeatures), axis: 1 }
          : { scale: l.weightScales, zeroPoint: new Int32Array(1) };
        const kernel = add({ name: 'dense/kernel', dtype: 'int8', shape: [l.inFeatures, l.outFeatures], data: l.weights, quant: scales });
        const bias = add({ name: 'dense/bias', dtype: 'int32', shape: [l.outFeatures], data: l.bias });
        const y = add({ name: 'dense', dtype: 'int8', shape: [l.outFeatures], quant: quant(l.out) });
        ops.push({ op: 'dense', input: x, output: y, kernel, bias, activation: activation(l.activation) });
        x = y;
        break;
      }
    }
  }
  return { tensors, ops, input: 0, output: x };
}

function activation(a: string): 'relu' | 'none' {
  if (a === 'relu') return 'relu';
  if (a === 'none') return 'none';
  throw new Error(`the format has no fused ${a}`);
}

