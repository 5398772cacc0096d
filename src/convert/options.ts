// The converter's options, checked up front: every unknown key, out-of-range value or contradiction
// is a ConvertError that says what to pass instead, before any work is done.
import type { Dataset } from '../data/dataset.js';
import type { WeightGranularity } from '../quant/ptq.js';
import { TFLITE_MIN_WEIGHT_ELEMENTS } from '../quant/ptq.js';
import { ConvertError } from './errors.js';

export type QuantizeMode = 'none' | 'dynamic' | 'int8';
export type SparseMode = 'auto' | 'never';

export interface ConvertOptions {
  /**
   * 'none': f32 weights and activations. 'dynamic': kernels of >= minElements values int8 (per-channel
   * scales), everything else f32. 'int8': int8 weights and activations, f32 in and out (quantize and
   * dequantize at the edges). Default: 'int8' for a QAT model or a QuantizedModel, else 'none'.
   */
  quantize?: QuantizeMode;
  /** quantize 'int8' of a float model: samples (a Dataset, or N x input-size floats) whose global min/max calibrate every activation. */
  representativeData?: Dataset | Float32Array;
  /** 'auto' (default): each weight and bias in the smallest encoding, sparse or entropy-coded when that is smaller. 'never': dense only. */
  sparse?: SparseMode;
  /** Store tensor names ('dense/kernel', ...) in the file; default false (they cost their bytes; the report has them either way). */
  names?: boolean;
  /** quantize 'dynamic': kernels with fewer values stay f32. Default 1024 (TFLite's kWeightsMinNumElementsDefault). */
  minElements?: number;
  /** quantize 'dynamic', or 'int8' of a float model: dense kernels 'per_channel' (default, as TFLite's converters since about 2.16) or 'per_tensor'. */
  denseWeights?: WeightGranularity;
  /** quantize 'int8' of a float model: samples per calibration forward. Default 32. */
  calibrationBatchSize?: number;
}

/** What the model is, which decides the default precision and which options apply. */
export type InputKind = 'float' | 'qat' | 'quantized';

export interface Resolved {
  quantize: QuantizeMode;
  sparse: SparseMode;
  names: boolean;
  minElements: number;
  denseWeights: WeightGranularity;
  calibrationBatchSize: number;
  representativeData?: Dataset | Float32Array;
}

const KEYS: readonly (keyof ConvertOptions)[] = ['quantize', 'representativeData', 'sparse', 'names', 'minElements', 'denseWeights', 'calibrationBatchSize'];

export function resolveOptions(options: ConvertOptions, kind: InputKind): Resolved {
  const fail = (what: string) => new ConvertError('bad_option', `convert: ${what}`);
  if (typeof options !== 'object' || options === null) throw fail('options must be an object, e.g. { quantize: \'int8\' }');
  for (const key of Object.keys(options)) {
    if (!KEYS.includes(key as keyof ConvertOptions)) throw fail(`unknown option '${key}'; the options are ${KEYS.join(', ')}`);
  }
  const choice = <T extends string>(key: keyof ConvertOptions, choices: readonly T[], fallback: T): T => {
    const v = options[key];
    if (v === undefined) return fallback;
    if (!choices.includes(v as T)) throw fail(`${key} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  const quantize = choice('quantize', ['none', 'dynamic', 'int8'] as const, kind === 'float' ? 'none' : 'int8');
  const sparse = choice('sparse', ['auto', 'never'] as const, 'auto');
  const denseWeights = choice('denseWeights', ['per_channel', 'per_tensor'] as const, 'per_channel');
  if (options.names !== undefined && typeof options.names !== 'boolean') throw fail(`names must be true or false, got ${JSON.stringify(options.names)}`);
  const minElements = options.minElements ?? TFLITE_MIN_WEIGHT_ELEMENTS;
  if (!Number.isInteger(minElements) || minElements < 0) throw fail(`minElements must be an integer >= 0, got ${minElements}`);
  const calibrationBatchSize = options.calibrationBatchSize ?? 32;
  if (!Number.isInteger(calibrationBatchSize) || calibrationBatchSize < 1) throw fail(`calibrationBatchSize must be a positive integer, got ${calibrationBatchSize}`);
  const data = options.representativeData;
  if (data !== undefined && !(data instanceof Float32Array) && !(data?.images instanceof Float32Array)) {
    throw fail('representativeData must be a Dataset or a Float32Array of samples');
  }

  if (kind !== 'float' && quantize !== 'int8') {
    const what = kind === 'qat' ? 'a QAT model' : 'a QuantizedModel';
    throw fail(`${what} is int8 already, so quantize must be 'int8' (or left out), not '${quantize}'; for f32 or dynamic range, convert the float model it came from`);
  }
  // Options that would do nothing are refused rather than ignored: they mean the caller expects something else.
  const ptq = kind === 'float' && quantize === 'int8';
  const only = (key: keyof ConvertOptions, applies: boolean, where: string) => {
    if (options[key] !== undefined && !applies) throw fail(`${key} applies only to ${where}; leave it out`);
  };
  only('representativeData', ptq, "quantize 'int8' of a float model (a QAT model or a QuantizedModel has its ranges already)");
  only('calibrationBatchSize', ptq, "quantize 'int8' of a float model");
  only('minElements', quantize === 'dynamic', "quantize 'dynamic'");
  only('denseWeights', kind === 'float' && quantize !== 'none', "quantize 'dynamic' or 'int8' of a float model (a QAT model keeps the granularity it trained with)");
  if (ptq && data === undefined) {
    throw new ConvertError('no_calibration_data', "convert: quantize 'int8' of a float model needs representativeData: a few hundred training samples whose activation ranges set the int8 scales (or fine-tune with quantizeModel and convert the QAT model)");
  }
  return { quantize, sparse, names: options.names ?? false, minElements, denseWeights, calibrationBatchSize, representativeData: data };
}
