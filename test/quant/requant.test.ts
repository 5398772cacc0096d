// Golden cases for TFLite's integer requantization, computed by hand from the C++ definitions
// (comments show the arithmetic), then a BigInt transcription of gemmlowp/TFLite as an oracle for
// many seeded random and edge values.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { ConfigError } from '../../src/errors.js';
import {
  INT32_MAX,
  INT32_MIN,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from '../../src/quant/requant.js';

describe('saturatingRoundingDoublingHighMul', () => {
  it.each([
    // [a, b, expected, why]
    [1, 2 ** 30, 1, '1 * 2^30 / 2^31 = 0.5: ties go up'],
    [-1, 2 ** 30, 0, '-0.5: the negative nudge 1 - 2^30 and truncation send it up to 0'],
    [3, 2 ** 30, 2, '1.5 -> 2'],
    [-3, 2 ** 30, -1, '-1.5 -> -1'],
    [2 ** 30, 2 ** 30, 2 ** 29, '2^60 / 2^31 = 2^29 exactly'],
    [INT32_MIN, 1, -1, '-2^31 / 2^31 = -1 exactly'],
    [INT32_MAX, INT32_MAX, 2147483646, '(2^31-1)^2 / 2^31 = 2^31 - 2 + 2^-31'],
    [INT32_MIN, INT32_MAX, -2147483647, '-2^31 + 1/2: rounds up'],
    [INT32_MIN, INT32_MIN, INT32_MAX, 'the one overflow: saturates'],
    [0, INT32_MIN, 0, 'zero'],
    [1000, 1610612736, 750, '1000 * 0.75'],
  ])('(%i, %i) = %i  (%s)', (a, b, want) => {
    expect(saturatingRoundingDoublingHighMul(a, b)).toBe(want);
  });
});

describe('roundingDivideByPOT', () => {
  it.each([
    [5, 1, 3, '2.5 -> 3: ties away from zero'],
    [-5, 1, -3, '-2.5 -> -3'],
    [6, 2, 2, '1.5 -> 2'],
    [-6, 2, -2, '-1.5 -> -2'],
    [7, 2, 2, '1.75 -> 2'],
    [-5, 2, -1, '-1.25 -> -1'],
    [-7, 2, -2, '-1.75 -> -2'],
    [12345, 0, 12345, 'exponent 0 is the identity'],
    [INT32_MIN, 0, INT32_MIN, 'identity at the edge'],
    [INT32_MIN, 31, -1, '-2^31 / 2^31 = -1'],
    [INT32_MAX, 31, 1, '0.99999 -> 1'],
    [2 ** 30, 31, 1, '0.5 -> 1'],
    [-(2 ** 30), 31, -1, '-0.5 -> -1'],
    [-(2 ** 30) + 1, 31, 0, 'just above -0.5 -> 0'],
  ])('(%i, %i) = %i  (%s)', (x, e, want) => {
    expect(roundingDivideByPOT(x, e)).toBe(want);
  });
});

describe('quantizeMultiplier', () => {
  it.each([
    [0, 0, 0, 'zero'],
    [0.5, 2 ** 30, 0, 'frexp(0.5) = 0.5 * 2^0'],
    [1, 2 ** 30, 1, 'frexp(1) = 0.5 * 2^1'],
    [0.75, 1610612736, 0, '0.75 * 2^31'],
    [3 / 1024, 1610612736, -8, '0.75 * 2^-8'],
    [1 / 3, 1431655765, -1, 'round((2/3) * 2^31) = round(1431655765.33)'],
    [0.5 + 2 ** -32, 1073741825, 0, 'mantissa * 2^31 = 2^30 + 0.5: tie rounds away'],
    [1 - 2 ** -33, 2 ** 30, 1, 'mantissa * 2^31 rounds to 2^31: halved, shift + 1'],
    [(1 - 2 ** -34) * 2 ** -32, 2 ** 30, -31, 'exponent -32 rounds up to -31: kept'],
    [2 ** -32, 2 ** 30, -31, 'smallest kept power of two'],
    [2 ** -33, 0, 0, 'shift -32 < -31: flushed to zero'],
    [1e-12, 0, 0, 'tiny: flushed'],
    [5e-324, 0, 0, 'subnormal: flushed'],
    [-0.75, -1610612736, 0, 'negative multipliers keep their sign'],
    [12.5, 1677721600, 4, '12.5 = 0.78125 * 2^4'],
  ])('M = %d -> {%i, %i}  (%s)', (m, q, shift) => {
    expect(quantizeMultiplier(m)).toEqual({ multiplier: q, shift });
  });

  it('rejects non-finite multipliers with a ConfigError', () => {
    expect(() => quantizeMultiplier(Number.NaN)).toThrow(ConfigError);
    expect(() => quantizeMultiplier(Infinity)).toThrow(/finite/);
  });
});

describe('multiplyByQuantizedMultiplier', () => {
  it.each([
    [1000, 2 ** 30, 0, 500, 'M = 0.5'],
    [3, 2 ** 30, -1, 1, 'M = 0.25: SRDHM 1.5 -> 2, then 2 / 2 = 1'],
    [5, 2 ** 30, -1, 2, 'double rounding: SRDHM 2.5 -> 3, then 1.5 -> 2 (exact 1.25 would give 1)'],
    [-5, 2 ** 30, -1, -1, 'SRDHM -2.5 -> -2, then -1'],
    [-3, 2 ** 30, -1, -1, 'SRDHM -1.5 -> -1, then -0.5 -> -1 (away from zero)'],
    [-6, 2 ** 30, -2, -1, 'M = 1/8: SRDHM -3, then -0.75 -> -1'],
    [3, 2 ** 30, 2, 6, 'left shift: M = 2: 12 * 0.5'],
    [2 ** 29, 2 ** 30, 3, 0, 'x * 2^3 wraps to 0 in int32'],
    [INT32_MAX, INT32_MAX, 0, 2147483646, 'largest product'],
    [INT32_MIN, INT32_MIN, 0, INT32_MAX, 'saturation passes through shift 0'],
    [INT32_MIN, INT32_MIN, -31, 1, '... and rounds 0.99999 up at shift -31'],
    [123456789, 0, 0, 0, 'a flushed multiplier gives 0'],
    [1_000_000, 1431655765, -10, 651, 'M = (2/3) * 2^-10: SRDHM 666666.67 -> 666667, then 651.04 -> 651'],
  ])('(%i, %i, %i) = %i  (%s)', (x, q, shift, want) => {
    expect(multiplyByQuantizedMultiplier(x, q, shift)).toBe(want);
  });
});

// BigInt transcription of the C++ (gemmlowp fixedpoint.h, TFLite common.cc), as literal as possible.
const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;
function wrap32(v: bigint): bigint {
  return BigInt.asIntN(32, v);
}
function srdhmOracle(a: bigint, b: bigint): bigint {
  if (a === I32_MIN && b === I32_MIN) return I32_MAX;
  const ab = a * b;
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return (ab + nudge) / (1n << 31n); // BigInt division truncates toward zero, like C++
}
function rdbpotOracle(x: bigint, e: bigint): bigint {
  const mask = (1n << e) - 1n;
  const remainder = x & mask;
  const threshold = (mask >> 1n) + (x < 0n ? 1n : 0n);
  return (x >> e) + (remainder > threshold ? 1n : 0n);
}
function mbqmOracle(x: bigint, q: bigint, shift: bigint): bigint {
  const left = shift > 0n ? shift : 0n;
  const right = shift > 0n ? 0n : -shift;
  return rdbpotOracle(srdhmOracle(wrap32(x * (1n << left)), q), right);
}

describe('against a BigInt transcription of the C++', () => {
  const rng = new Rng(20240531);
  const int32 = (): number => {
    // Mix full-range values with small ones and the edges, where rounding and saturation live.
    const r = rng.next();
    if (r < 0.05) return [INT32_MIN, INT32_MAX, 0, -1, 1, 2 ** 30, -(2 ** 30)][Math.floor(rng.next() * 7)];
    if (r < 0.4) return Math.floor(rng.next() * 2 ** 32) - 2 ** 31;
    return Math.floor((rng.next() - 0.5) * 2 ** Math.floor(rng.next() * 31));
  };

  it('saturatingRoundingDoublingHighMul on 100k pairs', () => {
    for (let i = 0; i < 100_000; i++) {
      const a = int32();
      const b = int32();
      const got = saturatingRoundingDoublingHighMul(a, b);
      if (BigInt(got) !== srdhmOracle(BigInt(a), BigInt(b))) expect([a, b, got]).toBe('match'); // names the case
    }
  });

  it('roundingDivideByPOT on 100k values', () => {
    for (let i = 0; i < 100_000; i++) {
      const x = int32();
      const e = Math.floor(rng.next() * 32);
      const got = roundingDivideByPOT(x, e);
      if (BigInt(got) !== rdbpotOracle(BigInt(x), BigInt(e))) expect([x, e, got]).toBe('match');
    }
  });

  it('multiplyByQuantizedMultiplier on 100k triples, multipliers from quantizeMultiplier', () => {
    for (let i = 0; i < 100_000; i++) {
      const x = int32();
      const m = quantizeMultiplier(2 ** (rng.next() * 40 - 36) * (0.5 + rng.next()));
      const got = multiplyByQuantizedMultiplier(x, m.multiplier, m.shift);
      if (BigInt(got) !== mbqmOracle(BigInt(x), BigInt(m.multiplier), BigInt(m.shift))) {
        expect([x, m.multiplier, m.shift, got]).toBe('match');
      }
    }
  });

  it('quantizeMultiplier reconstructs M to 31 bits', () => {
    for (let i = 0; i < 10_000; i++) {
      const m = 2 ** (rng.next() * 60 - 30) * (0.5 + rng.next());
      const { multiplier, shift } = quantizeMultiplier(m);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThan(2 ** 31);
      const back = multiplier * 2 ** (shift - 31);
      expect(Math.abs(back - m) / m).toBeLessThanOrEqual(2 ** -31);
    }
  });
});
