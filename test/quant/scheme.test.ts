import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { fakeQuantPerChannel, nudge } from '../../src/quant/fake_quant.js';
import {
  INT32_MAX,
  activationRange,
  asymmetricParams,
  biasScales,
  channelAbsMax,
  checkQuantParams,
  dequantize,
  dequantizeArray,
  outputMultipliers,
  quantize,
  quantizeArray,
  quantizeBias,
  quantizeMultiplier,
  quantizeWeights,
} from '../../src/quant/scheme.js';

const f = Math.fround;

describe('asymmetricParams (GetAsymmetricQuantizationParams, int8)', () => {
  it('keeps an exact zero point: [-10, 53.75] -> scale 1/4, zero point -128 + 40', () => {
    expect(asymmetricParams(-10, 53.75)).toEqual({ scale: 0.25, zeroPoint: -88 });
  });

  it('rounds a zero point tie away from zero', () => {
    // -128 + 0.5 = -127.5 -> -128 (half up would give -127)
    expect(asymmetricParams(-0.125, 63.625)).toEqual({ scale: 0.25, zeroPoint: -128 });
    // -128 + 1.5 = -126.5 -> -127 (half to even and half up give -126)
    expect(asymmetricParams(-0.375, 63.375)).toEqual({ scale: 0.25, zeroPoint: -127 });
  });

  it('widens a range that excludes 0', () => {
    expect(asymmetricParams(2, 5)).toEqual({ scale: f(5 / 255), zeroPoint: -128 });
    expect(asymmetricParams(-5, -2)).toEqual({ scale: f(5 / 255), zeroPoint: 127 });
  });

  it('gives scale 0 for [0, 0], which checkQuantParams rejects', () => {
    const p = asymmetricParams(0, 0);
    expect(p).toEqual({ scale: 0, zeroPoint: -128 });
    expect(() => checkQuantParams(p, 'x')).toThrow(ConfigError);
    expect(() => asymmetricParams(1, -1)).toThrow(ConfigError);
    expect(() => asymmetricParams(NaN, 1)).toThrow(ConfigError);
  });

  it('agrees with the fake-quant nudge (same float32 scale, zero point shifted by 128)', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 2000; i++) {
      const min = f(-rng.uniform(0, 4));
      const max = f(rng.uniform(1e-3, 8));
      const p = asymmetricParams(min, max);
      const r = nudge(min, max);
      expect(p.scale).toBe(r.scale);
      expect(p.zeroPoint).toBe(r.zeroPoint - 128);
    }
  });
});

describe('quantizeWeights (symmetric, narrow range, per channel on the last axis)', () => {
  it('scales by max|w| / 127, rounds ties away from zero and clamps to [-127, 127]', () => {
    // [3 rows, 2 channels]; channel 0 half-range 1, channel 1 half-range 0.5 given smaller than max|w| = 2
    const w = Float32Array.from([0.5, 2, -0.5, -2, 1, 0.25]);
    const { values, scales } = quantizeWeights(w, [1, 0.5]);
    expect(Array.from(scales)).toEqual([f(1 / 127), f(0.5 / 127)]);
    // 0.5 * 127 = 63.5 -> 64 ; -63.5 -> -64 ; 2 * 254 -> clamp 127 ; 0.25 * 254 = 63.5 -> 64
    expect(Array.from(values)).toEqual([64, 127, -64, -127, 127, 64]);
  });

  it('per tensor with one half-range', () => {
    const w = Float32Array.from([0.1, -0.4, 0.2, 0.3]);
    const a = channelAbsMax(w, 1);
    expect(Array.from(a)).toEqual([f(0.4)]);
    const { values, scales } = quantizeWeights(w, a);
    expect(scales.length).toBe(1);
    expect(values[1]).toBe(-127);
    expect(Array.from(values)).toEqual(Array.from(w, (v) => Math.round(f(v * f(127 / f(0.4))))));
  });

  it('gives an all-zero channel scale 1 and zero weights', () => {
    const w = Float32Array.from([0, 1, 0, -1]);
    const { values, scales } = quantizeWeights(w, channelAbsMax(w, 2));
    expect(Array.from(scales)).toEqual([1, f(1 / 127)]);
    expect(Array.from(values)).toEqual([0, 127, 0, -127]);
  });

  it('recovers exactly the levels of fake-quantized weights (QAT -> int8 model)', () => {
    const rng = new Rng(12);
    const channels = 12;
    const w = Float32Array.from({ length: 108 * 40 }, () => rng.normal() * 0.3);
    const a = channelAbsMax(w, channels);
    const mins = Array.from(a, (v) => -v);
    const fq = fakeQuantPerChannel(w, mins, a, { narrowRange: true });
    const { values, scales } = quantizeWeights(fq, a);
    for (let i = 0; i < w.length; i++) {
      const c = i % channels;
      const level = (fq[i] - nudge(mins[c], a[c], { narrowRange: true }).min) / scales[c] - 127;
      expect(values[i]).toBe(Math.round(level) + 0);
      expect(Math.abs(level - values[i])).toBeLessThan(1e-3);
    }
  });

  it('quantizing raw weights lands on the fake-quant level except at float32 near-ties', () => {
    const rng = new Rng(14);
    const channels = 10;
    const w = Float32Array.from({ length: 200_000 }, () => rng.normal() * 0.1);
    const a = channelAbsMax(w, channels);
    const mins = Array.from(a, (v) => -v);
    const fromFq = quantizeWeights(fakeQuantPerChannel(w, mins, a, { narrowRange: true }), a).values;
    const direct = quantizeWeights(w, a).values;
    let differ = 0;
    for (let i = 0; i < w.length; i++) {
      if (direct[i] === fromFq[i]) continue;
      differ++;
      // only where w * 127 / a sits on a rounding tie, within float32 error
      const v = (w[i] * 127) / a[i % channels];
      expect(Math.abs(Math.abs(v - Math.trunc(v)) - 0.5)).toBeLessThan(1e-4);
    }
    console.log(`raw vs fake-quant weight levels: ${differ} of ${w.length} differ`);
  });

  it('rejects bad shapes and ranges', () => {
    expect(() => quantizeWeights(new Float32Array(5), [1, 1])).toThrow(ShapeError);
    expect(() => quantizeWeights(new Float32Array(2), [-1, 1])).toThrow(ConfigError);
    expect(() => channelAbsMax(new Float32Array(5), 2)).toThrow(ShapeError);
  });
});

describe('quantizeBias (int32, scale s_in * s_w[c])', () => {
  it('rounds ties away from zero and saturates symmetrically at +-INT32_MAX', () => {
    // s_in 0.5 * s_w 0.25 = 0.125
    expect(Array.from(biasScales(0.5, [0.25]))).toEqual([0.125]);
    const q = quantizeBias([0.0625, -0.0625, 1e12, -1e12, 0.3], 0.5, [0.25]);
    expect(Array.from(q)).toEqual([1, -1, INT32_MAX, -INT32_MAX, 2]);
  });

  it('uses each channel its own weight scale', () => {
    const q = quantizeBias([1, 1], 0.5, [0.25, 0.5]);
    expect(Array.from(q)).toEqual([8, 4]);
    expect(() => quantizeBias([1, 1, 1], 0.5, [0.25, 0.5])).toThrow(ShapeError);
    expect(() => quantizeBias([NaN], 0.5, [0.25])).toThrow(ConfigError);
  });
});

describe('outputMultipliers', () => {
  it('turns s_in * s_w / s_out into QuantizeMultiplier form', () => {
    const { multipliers, shifts } = outputMultipliers(0.5, [0.25, 0.5], 0.125, 'float64');
    // 1.0 = 0.5 * 2^1 and 2.0 = 0.5 * 2^2
    expect(Array.from(multipliers)).toEqual([2 ** 30, 2 ** 30]);
    expect(Array.from(shifts)).toEqual([1, 2]);
  });

  it("'float32' rounds s_in * s_w to float before dividing; 'float64' does not", () => {
    const rng = new Rng(13);
    let differ = 0;
    for (let i = 0; i < 500; i++) {
      const sIn = f(rng.uniform(1e-3, 0.1));
      const sW = f(rng.uniform(1e-4, 0.05));
      const sOut = f(rng.uniform(1e-2, 0.5));
      const a = outputMultipliers(sIn, [sW], sOut, 'float64');
      const b = outputMultipliers(sIn, [sW], sOut, 'float32');
      const wantA = quantizeMultiplier((sIn * sW) / sOut);
      const wantB = quantizeMultiplier(f(sIn * sW) / sOut);
      expect([a.multipliers[0], a.shifts[0]]).toEqual([wantA.multiplier, wantA.shift]);
      expect([b.multipliers[0], b.shifts[0]]).toEqual([wantB.multiplier, wantB.shift]);
      if (a.multipliers[0] !== b.multipliers[0]) differ++;
    }
    expect(differ).toBeGreaterThan(0);
  });
});

describe('activationRange (fused activation clamp)', () => {
  it('NONE is the full int8 range; RELU starts at the zero point; RELU6 ends at quantize(6)', () => {
    expect(activationRange('none', { scale: 0.1, zeroPoint: 5 })).toEqual({ min: -128, max: 127 });
    expect(activationRange('relu', { scale: 0.1, zeroPoint: 5 })).toEqual({ min: 5, max: 127 });
    expect(activationRange('relu', { scale: f(6 / 255), zeroPoint: -128 })).toEqual({ min: -128, max: 127 });
    expect(activationRange('relu6', { scale: 0.05, zeroPoint: -100 })).toEqual({ min: -100, max: 20 });
    expect(activationRange('relu6', { scale: 0.01, zeroPoint: -128 })).toEqual({ min: -128, max: 127 });
  });
});

describe('quantize / dequantize', () => {
  const p = { scale: 0.5, zeroPoint: 3 };
  it('rounds x / s half away from zero, adds the zero point, saturates', () => {
    expect([1.25, -1.25, 0, 1000, -1000, NaN].map((x) => quantize(x, p))).toEqual([6, 0, 3, 127, -128, 3]);
    expect(Array.from(quantizeArray([1.25, -1.25], p))).toEqual([6, 0]);
  });

  it('dequantizes to s * (q - z) and round-trips every level', () => {
    expect(dequantize(127, p)).toBe(62);
    expect(dequantize(-128, p)).toBe(-65.5);
    const levels = Int8Array.from({ length: 256 }, (_, i) => i - 128);
    const q = { scale: f(0.0173), zeroPoint: -17 };
    expect(Array.from(quantizeArray(dequantizeArray(levels, q), q))).toEqual(Array.from(levels));
  });
});
