// A float Sequential as the format sees it: one step per op, each ReLU layer fused into the Conv2D or
// Dense before it (the format has no stand-alone ReLU). ReLU commutes with max pooling, reshape and
// flatten (max and ReLU are both monotonic, the others move values without changing them), so a ReLU
// fuses into the last Conv2D/Dense even across them: maxpool(relu(y)) == relu(maxpool(y)) bit for bit.
import { Conv2D, Dense, MaxPool2D, layerFromConfig, type Layer } from '../model/layers.js';
import { Sequential } from '../model/sequential.js';
import { ConvertError } from './errors.js';

export type Step =
  | { op: 'reshape' | 'flatten'; layer: Layer }
  | { op: 'maxpool2d'; layer: MaxPool2D }
  | { op: 'conv2d'; layer: Conv2D; relu: boolean }
  | { op: 'dense'; layer: Dense; relu: boolean };

export interface Plan {
  steps: Step[];
  /** What was fused and where, in words, for the conversion report. */
  notes: string[];
}

const FORMAT_LAYERS = 'reshape, flatten, conv2d, maxpool2d, dense, and relu fused into the conv2d or dense before it';

export function planLayers(layers: readonly Layer[]): Plan {
  const steps: Step[] = [];
  const notes: string[] = [];
  let linear: Extract<Step, { relu: boolean }> | undefined;
  const between: string[] = [];
  layers.forEach((layer, i) => {
    const type = layer.config.type;
    const where = `layer ${i} '${layer.name}' (${type})`;
    if ((type === 'conv2d' && layer instanceof Conv2D) || (type === 'dense' && layer instanceof Dense)) {
      const relu = layer.config.activation === 'relu';
      linear = layer instanceof Conv2D ? { op: 'conv2d', layer, relu } : { op: 'dense', layer, relu };
      steps.push(linear);
      between.length = 0;
    } else if (type === 'maxpool2d' && layer instanceof MaxPool2D) {
      steps.push({ op: type, layer });
      between.push(`'${layer.name}'`);
    } else if (type === 'reshape' || type === 'flatten') {
      steps.push({ op: type, layer });
      between.push(`'${layer.name}'`);
    } else if (type === 'relu') {
      if (!linear) {
        throw new ConvertError('unfoldable_relu', `${where} has no conv2d or dense layer before it to fuse into, and the model format has no stand-alone relu; remove it or put it after a conv2d or dense layer`);
      }
      const across = between.length > 0 ? ` (moved before ${between.join(', ')}, which it commutes with)` : '';
      notes.push(linear.relu
        ? `relu '${layer.name}' dropped: '${linear.layer.name}' already ends in relu`
        : `relu '${layer.name}' fused into ${linear.op} '${linear.layer.name}'${across}`);
      linear.relu = true;
    } else {
      const qat = type === 'fake_quant' ? '; a QAT model converts with quantize \'int8\' (pass the model quantizeModel() returned)' : '';
      throw new ConvertError('unsupported_layer', `${where} has no op in the model format, which has ${FORMAT_LAYERS}${qat}`);
    }
  });
  return { steps, notes };
}

/** The same model with each ReLU layer fused into its Conv2D/Dense (same names, same weights). */
export function fusedModel(model: Sequential, plan: Plan): Sequential {
  const layers = plan.steps.map((s) => {
    const config = s.op === 'conv2d' || s.op === 'dense' ? { ...s.layer.config, activation: s.relu ? 'relu' : 'linear' } : s.layer.config;
    const copy = layerFromConfig(config as Layer['config']);
    copy.name = s.layer.name;
    return copy;
  });
  const fused = new Sequential(layers, { inputShape: [...model.inputShape], backend: model.backend });
  // ReLU layers hold no parameters, so both stores list the same tensors in the same order.
  fused.store.values.set(model.store.values);
  return fused;
}
