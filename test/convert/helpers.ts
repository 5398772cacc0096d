// Models and tiny interpreters for the converter tests.
import { Rng } from '../../src/data/rng.js';
import type { Dataset } from '../../src/data/dataset.js';
import { samePadding, type FormatModel, type FormatTensor, type Quantization } from '../../src/format/model.js';
import { conv2d, dense, flatten, maxPool2d, relu, reshape } from '../../src/model/layers.js';
import { Sequential } from '../../src/model/sequential.js';
import { dequantizeWeights } from '../../src/quant/ptq.js';
import { window2d, type QuantizedLayer, type QuantizedModel } from '../../src/quant/quantized_model.js';
import { activationRange, outputMultipliers, type QuantParams } from '../../src/quant/scheme.js';

/** The seed architecture at toy size: [8, 8] -> reshape -> conv 3x3 (4, relu) -> maxpool 2x2 -> flatten -> dense 5. */
export function toySeed(seed = 1): Sequential {
  const m = new Sequential(
    [reshape([8, 8, 1]), conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), maxPool2d({ poolSize: 2 }), flatten(), dense({ units: 5 })],
    { inputShape: [8, 8], seed },
  );
  return perturb(m, seed);
}

/**
 * Every layer the engine has, in awkward geometries: 'same' conv with stride 2 and a non-square kernel,
 * a ReLU layer after max pooling (fused across it), a redundant ReLU, a same-padded overlapping pool,
 * a hidden dense with a ReLU layer, and a final dense.
 */
export function zoo(seed = 2): Sequential {
  const m = new Sequential(
    [
      reshape([9, 7, 2]),
      conv2d({ filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same' }),
      maxPool2d({ poolSize: 2, strides: 1, padding: 'same' }),
      relu(),
      conv2d({ filters: 5, kernelSize: 2, activation: 'relu' }),
      relu(),
      maxPool2d({ poolSize: [3, 2], strides: [2, 2], padding: 'same' }),
      flatten(),
      dense({ units: 6 }),
      relu(),
      dense({ units: 4 }),
    ],
    { inputShape: [126], seed },
  );
  return perturb(m, seed);
}

/** Nonzero biases (the initializer leaves them 0) and, optionally, each kernel pruned by magnitude. */
export function perturb(m: Sequential, seed: number, sparsity = 0): Sequential {
  const rng = new Rng(seed + 1000);
  for (const p of m.params) {
    if (p.name === 'bias') p.value.forEach((_, i) => (p.value[i] = 0.1 * rng.normal()));
    else if (sparsity > 0) prune(p.value, sparsity);
  }
  return m;
}

/** Zeroes the `sparsity` fraction of smallest |w| (ties at the threshold kept). */
export function prune(w: Float32Array, sparsity: number): void {
  const sorted = Float32Array.from(w, Math.abs).sort();
  const threshold = sorted[Math.round(w.length * sparsity)];
  for (let i = 0; i < w.length; i++) if (Math.abs(w[i]) < threshold) w[i] = 0;
}

export function randomImages(n: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * size }, () => rng.next());
}

export function randomDataset(n: number, h: number, w: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  return { images: randomImages(n, h * w, seed + 1), labels: Uint8Array.from({ length: n }, () => rng.int(classes)), count: n, height: h, width: w, channels: 1 };
}

export const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

// ---------------------------------------------------------------------------------------------
// A plain interpreter of f32 and dynamic-range format models (dynamic kernels are dequantized first).

export function interpretFloat(fm: FormatModel, input: Float32Array, batch: number): Float32Array {
  const values = new Map<number, Float32Array>([[fm.input, input]]);
  const weights = (t: FormatTensor) => (t.dtype === 'int8' ? dequantizeWeights(t.data as Int8Array, t.quant!.scale) : (t.data as Float32Array));
  for (const op of fm.ops) {
    const x = values.get(op.input)!;
    const inShape = fm.tensors[op.input].shape;
    const outShape = fm.tensors[op.output].shape;
    const outSize = outShape.reduce((a, b) => a * b, 1);
    const y = new Float32Array(batch * outSize);
    if (op.op === 'reshape' || op.op === 'flatten') y.set(x);
    else if (op.op === 'conv2d' || op.op === 'maxpool2d') {
      const [h, w, cin] = inShape;
      const [oh, ow, cout] = outShape;
      const [kh, kw] = op.op === 'conv2d' ? fm.tensors[op.kernel].shape : op.pool;
      const [sh, sw] = op.strides;
      const [pt, pl] = op.padding === 'same' ? [samePadding(h, kh, sh)[0], samePadding(w, kw, sw)[0]] : [0, 0];
      const k = op.op === 'conv2d' ? weights(fm.tensors[op.kernel]) : undefined;
      const bias = op.op === 'conv2d' && op.bias !== undefined ? (fm.tensors[op.bias].data as Float32Array) : undefined;
      for (let b = 0; b < batch; b++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++)
            for (let co = 0; co < cout; co++) {
              let acc = k ? (bias?.[co] ?? 0) : -Infinity;
              for (let r = 0; r < kh; r++)
                for (let s = 0; s < kw; s++) {
                  const iy = oy * sh + r - pt;
                  const ix = ox * sw + s - pl;
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                  if (!k) acc = Math.max(acc, x[((b * h + iy) * w + ix) * cin + co]);
                  else for (let ci = 0; ci < cin; ci++) acc += x[((b * h + iy) * w + ix) * cin + ci] * k[((r * kw + s) * cin + ci) * cout + co];
                }
              y[((b * oh + oy) * ow + ox) * cout + co] = op.op === 'conv2d' && op.activation === 'relu' ? Math.max(acc, 0) : acc;
            }
    } else if (op.op === 'dense') {
      const k = weights(fm.tensors[op.kernel]);
      const bias = op.bias !== undefined ? (fm.tensors[op.bias].data as Float32Array) : undefined;
      const [inF, outF] = fm.tensors[op.kernel].shape;
      for (let b = 0; b < batch; b++)
        for (let o = 0; o < outF; o++) {
          let acc = bias?.[o] ?? 0;
          for (let i = 0; i < inF; i++) acc += x[b * inF + i] * k[i * outF + o];
          y[b * outF + o] = op.activation === 'relu' ? Math.max(acc, 0) : acc;
        }
    } else {
      throw new Error(`interpretFloat: ${op.op} is not an f32 op`);
    }
    values.set(op.output, y);
  }
  return values.get(fm.output)!;
}

// ---------------------------------------------------------------------------------------------
// An int8 format model back to a QuantizedModel, deriving every integer a kernel needs from the file
// alone (as a runtime must): multipliers from the scales as TFLite does, clamps from the activation.

export function quantizedModelOf(fm: FormatModel): QuantizedModel {
  const t = fm.tensors;
  const params = (q: Quantization | undefined): QuantParams => ({ scale: q!.scale[0], zeroPoint: q!.zeroPoint[0] });
  const layers: QuantizedLayer[] = fm.ops.map((op): QuantizedLayer => {
    const [x, y] = [t[op.input], t[op.output]];
    switch (op.op) {
      case 'quantize':
        return { kind: 'quantize', shape: x.shape, out: params(y.quant) };
      case 'dequantize':
        return { kind: 'dequantize', shape: x.shape, in: params(x.quant) };
      case 'reshape':
      case 'flatten':
        return { kind: 'reshape', inShape: x.shape, outShape: y.shape, params: params(x.quant) };
      case 'maxpool2d':
        return { kind: 'maxpool2d', window: window2d(x.shape[0], x.shape[1], ...op.pool, ...op.strides, op.padding), channels: x.shape[2], params: params(x.quant) };
      case 'conv2d':
      case 'dense': {
        const k = t[op.kernel];
        const outC = k.shape[k.shape.length - 1];
        const [inP, outP] = [params(x.quant), params(y.quant)];
        const scales = k.quant!.scale;
        const perChannel = scales.length === outC ? scales : new Float32Array(outC).fill(scales[0]);
        const product = op.op === 'dense' && k.quant!.axis === undefined ? 'float32' : 'float64';
        const { multipliers, shifts } = outputMultipliers(inP.scale, perChannel, outP.scale, product);
        const { min, max } = activationRange(op.activation, outP);
        const common = {
          weights: k.data as Int8Array, weightScales: scales, bias: t[op.bias!].data as Int32Array, in: inP, out: outP,
          multipliers, shifts, activation: op.activation, actMin: min, actMax: max,
        };
        if (op.op === 'dense') return { kind: 'dense', inFeatures: k.shape[0], outFeatures: outC, ...common };
        const window = window2d(x.shape[0], x.shape[1], k.shape[0], k.shape[1], ...op.strides, op.padding);
        return { kind: 'conv2d', window, inC: k.shape[2], outC, ...common };
      }
    }
  });
  return { format: 'topiary-int8', version: 1, inputShape: t[fm.input].shape, outputShape: t[fm.output].shape, layers };
}
