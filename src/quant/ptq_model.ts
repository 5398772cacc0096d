// Post-training quantization of a trained float Sequential (TFLiteConverter with Optimize.DEFAULT,
// anchors features.md §2.4), over the tensor-level pieces in ./ptq.ts:
//   quantizeDynamic(model)           dynamic range: int8 kernels (>= 1024 elements), float activations
//   quantizeInt8(model, samples)     full int8: activation ranges calibrated as global min/max over the
//                                    samples, then the same QuantizedModel QAT ends with
import type { Dataset } from '../data/dataset.js';
import { sizeOf } from '../engine/tensor.js';
import { ShapeError } from '../errors.js';
import { Conv2D, Dense, layerFromConfig, type LayerConfig } from '../model/layers.js';
import { Sequential } from '../model/sequential.js';
import { AllValuesObserver } from './observers.js';
import { dynamicRangeQuantize, type DynamicRangeOptions, type DynamicRangeWeight, type WeightGranularity } from './ptq.js';
import { checkOptionKeys, copyWeights, insertFakeQuant, quantizedModelSpec } from './qat.js';
import { FakeQuantLayer, type QatContext } from './qat_layers.js';
import { buildQuantizedModel, type QuantizedModel } from './quantized_model.js';

/** A dynamic-range model as plain data: the layers, int8 (or small float) kernels, float biases. */
export interface DynamicRangeModel {
  format: 'topiary-dynamic-range';
  version: 1;
  inputShape: number[];
  layers: { name: string; config: LayerConfig }[];
  /** One per Conv2D/Dense kernel, named '<layer>/kernel', in layer order. */
  kernels: DynamicRangeWeight[];
  biases: { name: string; values: Float32Array }[];
}

/** Dynamic-range PTQ: kernels of at least `minElements` (1024) values to int8 (conv per channel, dense per channel by default). */
export function quantizeDynamic(model: Sequential, options: DynamicRangeOptions = {}): DynamicRangeModel {
  checkOptionKeys(options, ['minElements', 'denseGranularity'], 'quantizeDynamic');
  const layers = model.layers.filter((l): l is Conv2D | Dense => l instanceof Conv2D || l instanceof Dense);
  const kernels = dynamicRangeQuantize(
    layers.map((l) => {
      const k = l.params[0];
      return { name: `${l.name}/kernel`, kind: l.config.type, shape: [...k.shape], values: k.value.slice() };
    }),
    options,
  );
  return {
    format: 'topiary-dynamic-range',
    version: 1,
    inputShape: [...model.inputShape],
    layers: model.layers.map((l) => ({ name: l.name, config: structuredClone(l.config) })),
    kernels,
    biases: layers.map((l) => ({ name: `${l.name}/bias`, values: l.params[1].value.slice() })),
  };
}

export interface Int8Options {
  /** Dense kernels per output channel (TFLite converters since about TF 2.16, the default) or per tensor. */
  denseWeights?: WeightGranularity;
  /** Samples per calibration forward. Default 32. */
  batchSize?: number;
}

/**
 * Full-int8 PTQ: runs the float model over every representative sample, takes each quantized tensor's
 * global min/max (the input, each Conv2D/Dense output after its activation), then builds the int8
 * model with max|w| weight ranges. `representative` is a Dataset or its images (N x input size floats).
 */
export function quantizeInt8(model: Sequential, representative: Dataset | Float32Array, options: Int8Options = {}): QuantizedModel {
  checkOptionKeys(options, ['denseWeights', 'batchSize'], 'quantizeInt8');
  const images = representative instanceof Float32Array ? representative : representative.images;
  const per = sizeOf(model.inputShape);
  if (images.length === 0 || images.length % per !== 0) {
    throw new ShapeError('PTQ_SAMPLES', `quantizeInt8: the representative data has ${images.length} values, not a positive multiple of the model's input size ${per}; pass at least one sample (TFLite's guide uses a few hundred)`);
  }
  const ctx: QatContext = { mode: 'calibrate' };
  const layers = insertFakeQuant(model, {
    input: () => new FakeQuantLayer('input', new AllValuesObserver(), ctx),
    activation: () => new FakeQuantLayer('activation', new AllValuesObserver(), ctx),
    conv2d: (l) => layerFromConfig(l.config),
    dense: (l) => layerFromConfig(l.config),
  });
  const calibration = new Sequential(layers, { inputShape: [...model.inputShape], backend: model.backend });
  copyWeights(model, calibration);
  calibration.predict(images, options.batchSize ?? 32);
  return buildQuantizedModel(quantizedModelSpec(calibration, options.denseWeights ?? 'per_channel'));
}
