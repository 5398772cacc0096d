// Integer requantization, bit for bit TFLite's default (double-rounding) path:
//   QuantizeMultiplier          tensorflow/lite/kernels/internal/quantization_util.cc
//   MultiplyByQuantizedMultiplier  tensorflow/lite/kernels/internal/common.cc
//   SaturatingRoundingDoublingHighMul, RoundingDivideByPOT   gemmlowp fixedpoint.h
// Plain doubles, no BigInt: every intermediate below stays under 2^53, so it is exact and fast
// (the whole-model integer reference calls multiplyByQuantizedMultiplier millions of times).
// The AssemblyScript twin is assembly/lib/requant.ts; tests: test/quant/requant.test.ts.
import { ConfigError } from '../errors.js';
import { multiplierOf } from './multiplier.js';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** A real multiplier M as q * 2^(shift - 31): q a Q31 mantissa in [2^30, 2^31) (or 0), shift an integer. */
export interface QuantizedMultiplier {
  multiplier: number;
  shift: number;
}

/**
 * TFLite's QuantizeMultiplier: M = q * 2^(shift - 31) with q = round(frexp mantissa * 2^31), ties away
 * from zero. A mantissa that rounds up to 2^31 becomes 2^30 with shift + 1; a shift below -31 flushes
 * the multiplier to {0, 0}.
 */
export function quantizeMultiplier(m: number): QuantizedMultiplier {
  if (!Number.isFinite(m)) {
    throw new ConfigError('quant_multiplier', `requantization multiplier must be finite, got ${m}; check the scales it was made from`);
  }
  const [q, shift] = multiplierOf(Math.abs(m)); // a negative M: frexp's mantissa and its rounding are symmetric
  return { multiplier: m < 0 ? -q | 0 : q, shift };
}

/**
 * gemmlowp's SaturatingRoundingDoublingHighMul: round(a * b / 2^31) with ties toward +infinity (the
 * nudge plus C++ truncation amounts to floor((a*b + 2^30) / 2^31)); INT32_MIN * INT32_MIN saturates.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  // a*b + 2^30 = hi * 2^16 + lo, with b = bh * 2^16 + bl: |hi| <= 2^46 and |lo| < 2^48, both exact,
  // and floor((hi * 2^16 + lo) / 2^31) = floor((hi + floor(lo / 2^16)) / 2^15).
  const hi = a * (b >> 16);
  const lo = a * (b & 0xffff) + 1073741824;
  return Math.floor((hi + Math.floor(lo * 2 ** -16)) * 2 ** -15) | 0; // power-of-two scalings: exact
}

/** gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero. exponent in [0, 31]. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  const mask = ((1 << exponent) - 1) | 0; // exponent 31: (-2^31 - 1) | 0 = 2^31 - 1
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * TFLite's MultiplyByQuantizedMultiplier (default double rounding):
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^left, q), right), left = max(shift, 0),
 * right = max(-shift, 0). x * 2^left wraps modulo 2^32, as the int32 product does in TFLite builds.
 * shift must be in [-31, 31].
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  if (shift > 0) return saturatingRoundingDoublingHighMul(Math.imul(x, 1 << shift), multiplier);
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, multiplier), -shift);
}
