// The int8 scheme math, in one place: QAT, PTQ, the converter and the kernel references all take their
// scales, zero points, int8 weights, int32 biases and requantization multipliers from here.
// Semantics: TFLite's int8 spec and its tools (tensorflow/lite/tools/optimize/quantization_utils.cc,
// kernels/kernel_util.cc, reference/quantize.h, dequantize.h); see ../shared/anchors/features.md §2.
//
// TFLite does this arithmetic in float32 with float32 parameters; Math.fround marks each place where a
// C++ float expression rounds, so the results are the ones TFLite computes, tie for tie.
import { ConfigError, ShapeError } from '../errors.js';
import { INT32_MAX, quantizeMultiplier } from './requant.js';
import { roundHalfAwayFromZero } from './rounding.js';

export * from './requant.js';
export { roundHalfAwayFromZero } from './rounding.js';

const f = Math.fround;

export const INT8_MIN = -128;
export const INT8_MAX = 127;
/** Weights use the narrow range [-127, 127] so that the range is symmetric around zero point 0. */
export const WEIGHT_MAX = 127;

/** Affine int8 parameters of one tensor: real = scale * (q - zeroPoint). scale is a float32 value. */
export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/**
 * Per-tensor asymmetric activation parameters from an observed range (TFLite
 * GetAsymmetricQuantizationParams, int8): the range is widened to include 0, scale = (max - min) / 255,
 * zero point = qmin - min / scale rounded half away from zero and clamped to [qmin, qmax].
 * A [0, 0] range gives scale 0, which no kernel accepts: `checkQuantParams` rejects it.
 */
export function asymmetricParams(min: number, max: number, qmin = INT8_MIN, qmax = INT8_MAX): QuantParams {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || min > max) {
    throw new ConfigError('quant_range', `activation range must be finite with min <= max, got [${min}, ${max}]`);
  }
  const lo = f(Math.min(f(min), 0));
  const hi = f(Math.max(f(max), 0));
  const scale = f(f(hi - lo) / (qmax - qmin));
  const zeroPointFromMin = scale !== 0 ? f(qmin - f(lo / scale)) : qmin;
  const zeroPoint =
    zeroPointFromMin < qmin ? qmin : zeroPointFromMin > qmax ? qmax : roundHalfAwayFromZero(zeroPointFromMin);
  return { scale, zeroPoint };
}

/** Throws unless p can drive an int8 kernel: scale finite and > 0, zero point an int8. */
export function checkQuantParams(p: QuantParams, what: string): void {
  if (!(Number.isFinite(p.scale) && p.scale > 0)) {
    throw new ConfigError(
      'quant_scale',
      `${what}: scale must be finite and > 0, got ${p.scale}; a [0, 0] range means the tensor was never ` +
        'observed or is always zero: calibrate with real samples',
    );
  }
  if (!Number.isInteger(p.zeroPoint) || p.zeroPoint < INT8_MIN || p.zeroPoint > INT8_MAX) {
    throw new ConfigError('quant_zero_point', `${what}: zero point must be an integer in [-128, 127], got ${p.zeroPoint}`);
  }
}

/** Per-channel max|w| over every axis but the last (Keras kernels keep output channels last). */
export function channelAbsMax(w: ArrayLike<number>, channels: number): Float32Array {
  if (!Number.isInteger(channels) || channels < 1 || w.length % channels !== 0) {
    throw new ShapeError('quant_channels', `cannot split ${w.length} weights into ${channels} output channels`);
  }
  const a = new Float32Array(channels);
  for (let i = 0; i < w.length; i++) {
    const v = Math.abs(w[i]);
    if (v > a[i % channels]) a[i % channels] = v;
  }
  return a;
}

/** Int8 weights and their per-channel (or, with one entry, per-tensor) scales; zero point is 0. */
export interface QuantizedWeights {
  values: Int8Array;
  scales: Float32Array;
}

/**
 * Symmetric narrow-range weight quantization (TFLite SymmetricPerChannelQuantization):
 * s_c = a_c / 127, q = clamp(round(w * (127 / a_c)), -127, 127) with a_c = halfRanges[c] (max|w| of the
 * channel, or the LastValue range from QAT). halfRanges.length 1 = per tensor; otherwise the channel of
 * w[i] is i % halfRanges.length (last axis).
 * An all-zero channel (a_c = 0; TFLite would store scale 0 and drop its bias) gets scale 1, as TFLite's
 * per-tensor SymmetricQuantizeFloats does, so the channel's bias still reaches the output.
 */
export function quantizeWeights(w: ArrayLike<number>, halfRanges: ArrayLike<number>): QuantizedWeights {
  const channels = halfRanges.length;
  if (channels < 1 || w.length % channels !== 0) {
    throw new ShapeError('quant_channels', `cannot split ${w.length} weights into ${channels} channels`);
  }
  const scales = new Float32Array(channels);
  const inv = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const a = f(halfRanges[c]);
    if (!(Number.isFinite(a) && a >= 0)) {
      throw new ConfigError('quant_weight_range', `weight half-range of channel ${c} must be finite and >= 0, got ${a}`);
    }
    scales[c] = a === 0 ? 1 : f(a / WEIGHT_MAX);
    inv[c] = a === 0 ? 0 : f(WEIGHT_MAX / a);
  }
  const values = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const q = roundHalfAwayFromZero(f(w[i] * inv[i % channels]));
    values[i] = q > WEIGHT_MAX ? WEIGHT_MAX : q < -WEIGHT_MAX ? -WEIGHT_MAX : q;
  }
  return { values, scales };
}

/** Bias scales s_in * s_w[c], rounded to float32 as TFLite stores them. */
export function biasScales(inScale: number, weightScales: ArrayLike<number>): Float32Array {
  const s = new Float32Array(weightScales.length);
  for (let c = 0; c < s.length; c++) s[c] = f(f(inScale) * f(weightScales[c]));
  return s;
}

/**
 * Int32 bias (TFLite SymmetricPerChannelBiasQuantize): q = round(b * float(1 / (s_in * s_w[c]))),
 * clamped to the symmetric range [-INT32_MAX, INT32_MAX]. One weight scale broadcasts to every channel.
 */
export function quantizeBias(b: ArrayLike<number>, inScale: number, weightScales: ArrayLike<number>): Int32Array {
  if (weightScales.length !== 1 && weightScales.length !== b.length) {
    throw new ShapeError('quant_bias', `bias has ${b.length} channels but there are ${weightScales.length} weight scales`);
  }
  const scales = biasScales(inScale, weightScales);
  const out = new Int32Array(b.length);
  for (let c = 0; c < b.length; c++) {
    if (!Number.isFinite(b[c])) {
      throw new ConfigError('quant_bias', `bias[${c}] is ${b[c]}: the float model is broken (diverged training?)`);
    }
    const s = scales[scales.length === 1 ? 0 : c];
    const inv = s === 0 ? 0 : f(1 / s); // 1.0 / scale in double, stored to float
    const q = roundHalfAwayFromZero(f(f(b[c]) * inv));
    out[c] = q > INT32_MAX ? INT32_MAX : q < -INT32_MAX ? -INT32_MAX : q;
  }
  return out;
}

/**
 * How TFLite forms the real multiplier s_in * s_w / s_out before QuantizeMultiplier:
 * - 'float64': every factor widened to double (PopulateConvolutionQuantizationParams: CONV_2D, and
 *   FULLY_CONNECTED with per-channel weights);
 * - 'float32': s_in * s_w multiplied in float, then divided in double (GetQuantizedConvolutionMultipler:
 *   FULLY_CONNECTED with per-tensor weights).
 */
export type MultiplierProduct = 'float64' | 'float32';

/** Per-channel requantization multipliers (Q31) and shifts for acc * s_in * s_w[c] / s_out. */
export function outputMultipliers(
  inScale: number,
  weightScales: ArrayLike<number>,
  outScale: number,
  product: MultiplierProduct,
): { multipliers: Int32Array; shifts: Int32Array } {
  const n = weightScales.length;
  const multipliers = new Int32Array(n);
  const shifts = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const sIn = f(inScale);
    const sW = f(weightScales[c]);
    const real = (product === 'float32' ? f(sIn * sW) : sIn * sW) / f(outScale);
    const { multiplier, shift } = quantizeMultiplier(real);
    multipliers[c] = multiplier;
    shifts[c] = shift;
  }
  return { multipliers, shifts };
}

/** Fused activations an int8 conv/dense can clamp to. */
export type FusedActivation = 'none' | 'relu' | 'relu6';

/**
 * The int8 clamp of a fused activation (CalculateActivationRangeQuantizedImpl):
 * RELU [max(-128, quantize(0)), 127], RELU6 [.., min(127, quantize(6))], NONE [-128, 127],
 * where quantize(x) = z_out + round(x / s_out) without clamping.
 */
export function activationRange(act: FusedActivation, out: QuantParams): { min: number; max: number } {
  const q = (x: number) => out.zeroPoint + roundHalfAwayFromZero(f(x / f(out.scale)));
  switch (act) {
    case 'none':
      return { min: INT8_MIN, max: INT8_MAX };
    case 'relu':
      return { min: Math.max(INT8_MIN, q(0)), max: INT8_MAX };
    case 'relu6':
      return { min: Math.max(INT8_MIN, q(0)), max: Math.min(INT8_MAX, q(6)) };
    default:
      throw new ConfigError('quant_activation', `unknown fused activation ${String(act)}; use 'none', 'relu' or 'relu6'`);
  }
}

/** QUANTIZE of one value: clamp(round(x / s) + z, -128, 127); NaN quantizes like 0.0. */
export function quantize(x: number, p: QuantParams): number {
  const r = roundHalfAwayFromZero(f(f(x) / f(p.scale)));
  const q = (Number.isNaN(r) ? 0 : r) + p.zeroPoint;
  return q > INT8_MAX ? INT8_MAX : q < INT8_MIN ? INT8_MIN : q;
}

/** DEQUANTIZE of one value: float32(s * (q - z)). */
export function dequantize(q: number, p: QuantParams): number {
  return f(f(p.scale) * (q - p.zeroPoint));
}

export function quantizeArray(x: ArrayLike<number>, p: QuantParams, out = new Int8Array(x.length)): Int8Array {
  for (let i = 0; i < x.length; i++) out[i] = quantize(x[i], p);
  return out;
}

export function dequantizeArray(q: ArrayLike<number>, p: QuantParams, out = new Float32Array(q.length)): Float32Array {
  for (let i = 0; i < q.length; i++) out[i] = dequantize(q[i], p);
  return out;
}
