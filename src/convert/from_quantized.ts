// An int8 QuantizedModel (QAT's toQuantizedModel, or quantizeInt8) -> the format's graph, integers
// unchanged: every int8 weight and int32 bias is stored as it is, with the float32 scales and zero
// points it was built with. The file stores no requantization multipliers: a reader derives them from
// the scales as TFLite does (outputMultipliers: s_in * s_w[c] / s_out in double for conv2d and
// per-channel dense, s_in * s_w in float32 first for per-tensor dense). So this checks that the
// model's own multipliers are exactly those, and refuses a model whose integers the file could not
// reproduce.
import type { Quantization } from '../format/model.js';
import {
  validateQuantizedModel,
  type Conv2dLayer,
  type DenseLayer,
  type QuantizedModel,
} from '../quant/quantized_model.js';
import { outputMultipliers, type MultiplierProduct, type QuantParams } from '../quant/scheme.js';
import { ConvertError } from './errors.js';
import type { Graph } from './from_float.js';
import { GraphBuilder, perTensor, weightQuant } from './graph.js';

/**
 * `names`: one per layer between the quantize and the dequantize (e.g. the Sequential's layer names
 * the model was built from), used as tensor labels; default 'conv2d', 'conv2d_1', ... by kind.
 */
export function fromQuantized(m: QuantizedModel, names?: readonly string[]): Graph {
  validateQuantizedModel(m);
  const g = new GraphBuilder();
  const counts = new Map<string, number>();
  const nameOf = (i: number, kind: string) => {
    if (names && names.length === m.layers.length - 2) return names[i - 1];
    const n = counts.get(kind) ?? 0;
    counts.set(kind, n + 1);
    return n === 0 ? kind : `${kind}_${n}`;
  };
  const act = (p: QuantParams, what: string): Quantization => {
    checkFloat32(p.scale, what);
    return perTensor(p);
  };

  const input = g.activation('input', 'f32', m.inputShape);
  let x = input;
  m.layers.forEach((l, i) => {
    const where = `layer ${i} (${l.kind})`;
    switch (l.kind) {
      case 'quantize':
        x = g.op({ op: 'quantize', input: x, output: g.activation('quantize', 'int8', l.shape, act(l.out, `${where} output`)) });
        break;
      case 'dequantize':
        x = g.op({ op: 'dequantize', input: x, output: g.activation('dequantize', 'f32', l.shape) });
        break;
      case 'maxpool2d': {
        const w = l.window;
        const output = g.activation(nameOf(i, 'maxpool2d'), 'int8', [w.outH, w.outW, l.channels], perTensor(l.params));
        x = g.op({ op: 'maxpool2d', input: x, output, pool: [w.kernelH, w.kernelW], strides: [w.strideH, w.strideW], padding: w.padding });
        break;
      }
      case 'reshape': {
        // A QuantizedModel keeps no flatten: a reshape to rank 1 is one, and the format says so.
        const op = l.outShape.length === 1 && l.inShape.length > 1 ? 'flatten' : 'reshape';
        x = g.op({ op, input: x, output: g.activation(nameOf(i, op), 'int8', l.outShape, perTensor(l.params)) });
        break;
      }
      case 'conv2d': {
        const name = nameOf(i, 'conv2d');
        const w = l.window;
        const kernelShape = [w.kernelH, w.kernelW, l.inC, l.outC];
        checkMultipliers(l, 'float64', where);
        const kernel = g.constant(`${name}/kernel`, 'int8', kernelShape, l.weights.slice(), weightQuant(l.weightScales, 3));
        const bias = g.constant(`${name}/bias`, 'int32', [l.outC], l.bias.slice());
        const output = g.activation(name, 'int8', [w.outH, w.outW, l.outC], act(l.out, `${where} output`));
        x = g.op({ op: 'conv2d', input: x, output, kernel, bias, strides: [w.strideH, w.strideW], padding: w.padding, activation: activationOf(l, where) });
        break;
      }
      case 'dense': {
        const name = nameOf(i, 'dense');
        const kernel = g.constant(`${name}/kernel`, 'int8', [l.inFeatures, l.outFeatures], l.weights.slice(), weightQuant(l.weightScales, denseAxis(l, where)));
        const bias = g.constant(`${name}/bias`, 'int32', [l.outFeatures], l.bias.slice());
        const output = g.activation(name, 'int8', [l.outFeatures], act(l.out, `${where} output`));
        x = g.op({ op: 'dense', input: x, output, kernel, bias, activation: activationOf(l, where) });
        break;
      }
    }
  });
  return { graph: g, input, output: x, notes: [] };
}

function activationOf(l: Conv2dLayer | DenseLayer, where: string): 'none' | 'relu' {
  if (l.activation === 'relu6') {
    throw new ConvertError('unsupported_activation', `${where}: fused relu6 has no code in the model format (none, relu); build the model with relu`);
  }
  return l.activation;
}

/**
 * Dense weights per channel (axis 1) or per tensor. One scale over one output feature could be either,
 * and the two derive the multiplier differently, so the one that gives the model's multiplier wins.
 */
function denseAxis(l: DenseLayer, where: string): 1 | undefined {
  if (l.weightScales.length > 1) {
    checkMultipliers(l, 'float64', where);
    return 1;
  }
  if (l.outFeatures === 1 && !sameMultipliers(l, 'float32')) {
    checkMultipliers(l, 'float64', where);
    return 1;
  }
  checkMultipliers(l, 'float32', where);
  return undefined;
}

function sameMultipliers(l: Conv2dLayer | DenseLayer, product: MultiplierProduct): boolean {
  return firstDifference(l, product) === undefined;
}

function firstDifference(l: Conv2dLayer | DenseLayer, product: MultiplierProduct) {
  const outC = l.multipliers.length;
  const scales = l.weightScales.length === outC ? l.weightScales : new Float32Array(outC).fill(l.weightScales[0]);
  const want = outputMultipliers(l.in.scale, scales, l.out.scale, product);
  for (let c = 0; c < outC; c++) {
    if (want.multipliers[c] !== l.multipliers[c] || want.shifts[c] !== l.shifts[c]) {
      return { c, want: [want.multipliers[c], want.shifts[c]], got: [l.multipliers[c], l.shifts[c]] };
    }
  }
  return undefined;
}

function checkMultipliers(l: Conv2dLayer | DenseLayer, product: MultiplierProduct, where: string): void {
  const d = firstDifference(l, product);
  if (d) {
    throw new ConvertError(
      'inconsistent_int8',
      `${where}: channel ${d.c}'s requantization multiplier (${d.got[0]}, shift ${d.got[1]}) is not the (${d.want[0]}, shift ${d.want[1]}) its scales give; ` +
        'the file stores scales only, so a runtime would compute other integers: build the model with buildQuantizedModel (QAT and quantizeInt8 do)',
    );
  }
}

function checkFloat32(scale: number, what: string): void {
  if (Math.fround(scale) !== scale) {
    throw new ConvertError('inconsistent_int8', `${what}: scale ${scale} is not a float32 value, so the file cannot store it exactly; build the model with buildQuantizedModel`);
  }
}
