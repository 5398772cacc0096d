// Post-training quantization, TFLiteConverter with optimizations=[DEFAULT] (anchors/features.md §2.4):
// - dynamic range: int8 symmetric weights, float activations (no representative data);
// - full int8: activation ranges calibrated on representative samples (plain global min/max, as
//   TFLite's calibration logger does), then the same int8 model that QAT ends with
//   (`buildQuantizedModel` in ./quantized_model.ts).
import { ConfigError, ShapeError } from '../errors.js';
import { minMax, type Range } from './observers.js';
import { channelAbsMax, quantizeWeights } from './scheme.js';

/**
 * TFLite's kWeightsMinNumElementsDefault: smaller weight tensors stay float in dynamic-range mode.
 * On the MNIST CNN the conv kernel (108 values) stays float and the dense kernel (20,280) goes int8.
 */
export const TFLITE_MIN_WEIGHT_ELEMENTS = 1024;

/** Per output channel or one scale for the whole tensor. */
export type WeightGranularity = 'per_channel' | 'per_tensor';

/** A float weight in Keras layout: conv2d [kh, kw, cin, cout] (HWIO), dense [in, out]. */
export interface FloatWeight {
  name: string;
  kind: 'conv2d' | 'dense';
  shape: number[];
  values: Float32Array;
}

export interface DynamicRangeOptions {
  /** Weights with fewer elements stay float. Default 1024, TFLite's value; 0 quantizes every weight. */
  minElements?: number;
  /**
   * Dense kernels per channel (TFLite converters since about TF 2.16) or per tensor (older converters,
   * and what TFLM and NNAPI accepted until 2024). Default 'per_channel'. Conv kernels are always per channel.
   */
  denseGranularity?: WeightGranularity;
}

export type DynamicRangeWeight =
  | {
      name: string;
      kind: 'conv2d' | 'dense';
      shape: number[];
      quantized: true;
      granularity: WeightGranularity;
      /** int8, same layout as the float weight, zero point 0. */
      values: Int8Array;
      /** One scale per output channel (last axis), or one for the tensor. */
      scales: Float32Array;
    }
  | {
      name: string;
      kind: 'conv2d' | 'dense';
      shape: number[];
      quantized: false;
      /** Why it stayed float (e.g. below the element threshold). */
      reason: string;
      values: Float32Array;
    };

/** Dynamic-range quantization of a model's weights. Biases are not weights here: they stay float. */
export function dynamicRangeQuantize(weights: FloatWeight[], opts: DynamicRangeOptions = {}): DynamicRangeWeight[] {
  const minElements = opts.minElements ?? TFLITE_MIN_WEIGHT_ELEMENTS;
  const denseGranularity = opts.denseGranularity ?? 'per_channel';
  if (!Number.isInteger(minElements) || minElements < 0) {
    throw new ConfigError('ptq_min_elements', `minElements must be a non-negative integer, got ${minElements}`);
  }
  return weights.map((w) => {
    checkWeightShape(w);
    if (w.values.length < minElements) {
      return {
        name: w.name,
        kind: w.kind,
        shape: w.shape.slice(),
        quantized: false as const,
        reason: `${w.values.length} elements < minElements ${minElements}`,
        values: w.values.slice(),
      };
    }
    const granularity: WeightGranularity = w.kind === 'conv2d' ? 'per_channel' : denseGranularity;
    const channels = granularity === 'per_channel' ? w.shape[w.shape.length - 1] : 1;
    const { values, scales } = quantizeWeights(w.values, channelAbsMax(w.values, channels));
    return { name: w.name, kind: w.kind, shape: w.shape.slice(), quantized: true as const, granularity, values, scales };
  });
}

/** Float weights back from int8 values and scales (channel of values[i] is i % scales.length). */
export function dequantizeWeights(values: Int8Array, scales: Float32Array): Float32Array {
  if (scales.length < 1 || values.length % scales.length !== 0) {
    throw new ShapeError('ptq_scales', `${values.length} weights do not split into ${scales.length} channels`);
  }
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.fround(values[i] * scales[i % scales.length]);
  return out;
}

/**
 * Full-int8 calibration: the running global min and max of each named tensor over every
 * representative sample given (NaNs skipped; no moving average, no percentiles: TFLite's
 * calibration_logger). Feed it each tensor the float model produces, batch by batch.
 */
export class RangeCalibrator {
  private readonly seen = new Map<string, Range>();

  observe(name: string, values: ArrayLike<number>): void {
    const r = minMax(values);
    const old = this.seen.get(name);
    this.seen.set(name, old ? { min: Math.min(old.min, r.min), max: Math.max(old.max, r.max) } : r);
  }

  /** The calibrated range of one tensor; throws if it was never observed. */
  range(name: string): Range {
    const r = this.seen.get(name);
    if (!r) {
      const known = [...this.seen.keys()].join(', ') || 'none';
      throw new ConfigError('ptq_uncalibrated', `tensor '${name}' was never observed during calibration (observed: ${known})`);
    }
    return { ...r };
  }

  /** All calibrated ranges, as plain data. */
  ranges(): Record<string, Range> {
    return Object.fromEntries([...this.seen].map(([k, v]) => [k, { ...v }]));
  }
}

function checkWeightShape(w: FloatWeight): void {
  const rank = w.kind === 'conv2d' ? 4 : 2;
  const n = w.shape.reduce((a, b) => a * b, 1);
  if (w.shape.length !== rank || n !== w.values.length || !w.shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(
      'ptq_weight_shape',
      `${w.kind} weight '${w.name}' must have a rank-${rank} Keras shape matching its ${w.values.length} values, got [${w.shape}]`,
    );
  }
}
