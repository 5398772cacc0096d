// A float Sequential -> the format's graph, in one of two precisions:
//   f32      every weight and bias as it is, bit for bit;
//   dynamic  TFLite's dynamic range: kernels of at least `minElements` (1024) values become int8 with
//            symmetric per-output-channel scales (quantizeDynamic), smaller kernels and every bias
//            stay f32, activations stay f32. On the MNIST CNN the conv kernel (108 values) stays f32
//            and the dense kernel (20,280) is int8.
import type { Sequential } from '../model/sequential.js';
import type { DynamicRangeWeight, WeightGranularity } from '../quant/ptq.js';
import { quantizeDynamic } from '../quant/ptq_model.js';
import { ConvertError } from './errors.js';
import { GraphBuilder, weightQuant } from './graph.js';
import type { Plan } from './plan.js';

export interface DynamicOptions {
  minElements: number;
  denseWeights: WeightGranularity;
}

export interface Graph {
  graph: GraphBuilder;
  input: number;
  output: number;
  notes: string[];
}

export function fromFloat(model: Sequential, plan: Plan, dynamic?: DynamicOptions): Graph {
  const g = new GraphBuilder();
  const notes: string[] = [];
  const kernels = new Map<string, DynamicRangeWeight>();
  if (dynamic) {
    const q = quantizeDynamic(model, { minElements: dynamic.minElements, denseGranularity: dynamic.denseWeights });
    for (const k of q.kernels) {
      kernels.set(k.name, k);
      notes.push(k.quantized ? `${k.name}: int8, ${k.granularity === 'per_channel' ? `${k.scales.length} per-channel scales` : 'one scale'}` : `${k.name}: kept f32 (${k.reason})`);
    }
  }

  const input = g.activation('input', 'f32', model.inputShape);
  let x = input;
  for (const step of plan.steps) {
    const { layer } = step;
    const output = g.activation(layer.name, 'f32', layer.outShape);
    if (step.op === 'conv2d' || step.op === 'dense') {
      const [k, b] = layer.params;
      const label = `${layer.name}/${k.name}`;
      const q = kernels.get(label);
      const kernel = q?.quantized
        ? g.constant(label, 'int8', k.shape, q.values, weightQuant(q.scales, q.granularity === 'per_channel' ? k.shape.length - 1 : undefined))
        : g.constant(label, 'f32', k.shape, k.value.slice());
      const bias = g.constant(`${layer.name}/${b.name}`, 'f32', b.shape, b.value.slice());
      const activation = step.relu ? 'relu' : 'none';
      if (step.op === 'conv2d') {
        const c = step.layer.config;
        g.op({ op: 'conv2d', input: x, output, kernel, bias, strides: [...c.strides], padding: c.padding, activation });
      } else {
        g.op({ op: 'dense', input: x, output, kernel, bias, activation });
      }
    } else if (step.op === 'maxpool2d') {
      const c = step.layer.config;
      g.op({ op: 'maxpool2d', input: x, output, pool: [...c.poolSize], strides: [...c.strides], padding: c.padding });
    } else {
      g.op({ op: step.op, input: x, output });
    }
    x = output;
  }
  return { graph: g, input, output: x, notes };
}

/** Throws a ConvertError naming the first weight or bias that is NaN or infinite. */
export function checkFinite(model: Sequential): void {
  for (const p of model.params) {
    const bad = p.value.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new ConvertError('not_finite', `layer '${p.layer}' ${p.name} has ${p.value[bad]} at element ${bad}: the model diverged; convert a checkpoint from before it did, or retrain with a lower learning rate`);
    }
  }
}
