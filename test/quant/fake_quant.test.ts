import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import {
  fakeQuant,
  fakeQuantGrad,
  fakeQuantPerChannel,
  fakeQuantPerChannelGrad,
  nudge,
} from '../../src/quant/fake_quant.js';

const f32 = (xs: number[]) => Float32Array.from(xs);
/** The next float32 above / below v. */
function nextUp(v: number): number {
  if (v === 0) return 2 ** -149;
  const b = new Float32Array([v]);
  const u = new Int32Array(b.buffer);
  u[0] += v > 0 ? 1 : -1;
  return b[0];
}
function nextDown(v: number): number {
  return -nextUp(-v);
}

describe('nudge', () => {
  it('keeps a range whose zero point is already an integer (scale 1/4, zero point 40)', () => {
    const r = nudge(-10, 53.75);
    expect(r).toMatchObject({ min: -10, max: 53.75, scale: 0.25, zeroPoint: 40 });
  });

  it('moves the zero point down when min/scale rounds down (0.4 -> 0)', () => {
    const r = nudge(-0.1, 63.65);
    expect(r).toMatchObject({ min: 0, max: 63.75, scale: 0.25, zeroPoint: 0 });
  });

  it('rounds a zero point of exactly 0.5 away from zero (std::round), not to even', () => {
    const r = nudge(-0.125, 63.625);
    expect(r).toMatchObject({ min: -0.25, max: 63.5, scale: 0.25, zeroPoint: 1 });
    // 2.5 -> 3 (half-to-even would give 2)
    const r2 = nudge(-0.625, 63.125);
    expect(r2.zeroPoint).toBe(3);
  });

  it('uses levels [1, 255] with narrowRange', () => {
    // scale = 63.5 / 254 = 0.25; zero point from min = 1 + 0.4 -> 1; range [0, 63.5]
    const r = nudge(-0.1, 63.4, { narrowRange: true });
    expect(r).toMatchObject({ min: 0, max: 63.5, scale: 0.25, zeroPoint: 1, quantMin: 1, quantMax: 255 });
  });

  it('makes a symmetric narrow range [-a, a] centred on level 128 (int8 zero point 0)', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const a = Math.fround(rng.uniform(1e-3, 10));
      const r = nudge(-a, a, { narrowRange: true });
      expect(r.zeroPoint).toBe(128);
      expect(r.scale).toBe(Math.fround(a / 127));
    }
  });

  it('puts 0.0 exactly on the grid for random ranges', () => {
    const rng = new Rng(4);
    for (let i = 0; i < 500; i++) {
      const min = -rng.uniform(0, 5);
      const max = rng.uniform(1e-3, 5);
      const r = nudge(min, max);
      expect(fakeQuant(f32([0]), min, max)[0]).toBe(0);
      expect(r.min).toBeLessThanOrEqual(0);
      expect(r.max).toBeGreaterThanOrEqual(0);
    }
  });

  it('rejects ranges that exclude 0 or are not finite', () => {
    expect(() => nudge(0.5, 1)).toThrow(ConfigError);
    expect(() => nudge(-1, -0.5)).toThrow(ConfigError);
    expect(() => nudge(NaN, 1)).toThrow(ConfigError);
    expect(() => nudge(-1, Infinity)).toThrow(ConfigError);
    expect(() => nudge(-1, 1, { numBits: 1 })).toThrow(ConfigError);
  });
});

describe('fakeQuant forward', () => {
  it('clamps to the nudged range and snaps to the grid', () => {
    expect(Array.from(fakeQuant(f32([-10.1, -10, -9.9, -9.75, 53.75, 53.8]), -10, 53.75))).toEqual([
      -10, -10, -10, -9.75, 53.75, 53.75,
    ]);
    expect(Array.from(fakeQuant(f32([-0.1, 0, 0.1, 0.25, 63.75, 63.8]), -0.1, 63.65))).toEqual([
      0, 0, 0, 0.25, 63.75, 63.75,
    ]);
    expect(Array.from(fakeQuant(f32([-0.26, -0.25, -0.24, 0, 63.5, 63.6]), -0.125, 63.625))).toEqual([
      -0.25, -0.25, -0.25, 0, 63.5, 63.5,
    ]);
  });

  it('rounds exact half steps up (floor(v + 0.5)), also below zero', () => {
    // Grid [-10, 53.75] step 0.25: -9.875 is half-way between -10 and -9.75 and goes up to -9.75,
    // where rounding x/scale half away from zero would give -10.
    expect(Array.from(fakeQuant(f32([-9.875, 0.125, -0.125]), -10, 53.75))).toEqual([-9.75, 0.25, 0]);
  });

  it('equals quantize-then-dequantize with the nudged scale and zero point', () => {
    const rng = new Rng(5);
    let compared = 0;
    for (let t = 0; t < 50; t++) {
      const narrowRange = t % 2 === 1;
      const min = -rng.uniform(0, 3);
      const max = rng.uniform(0.01, 3);
      const r = nudge(min, max, { narrowRange });
      const x = new Float32Array(200);
      for (let i = 0; i < x.length; i++) x[i] = rng.uniform(min * 1.3 - 0.1, max * 1.3 + 0.1);
      const y = fakeQuant(x, min, max, { narrowRange });
      for (let i = 0; i < x.length; i++) {
        const v = x[i] / r.scale; // float64 reference
        const nearTie = Math.abs(v - Math.floor(v) - 0.5) < 1e-4;
        if (nearTie) continue; // float32 vs float64 may break a near-tie differently
        const q = Math.min(r.quantMax, Math.max(r.quantMin, r.zeroPoint + Math.floor(v + 0.5)));
        const want = (q - r.zeroPoint) * r.scale;
        // same level; only float32 rounding of k * scale + nudgedMin separates the two values
        expect(Math.abs(y[i] - want)).toBeLessThanOrEqual(1e-6 * (r.max - r.min));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(9900);
  });

  it('maps the degenerate range [0, 0] to 0 (an all-zero channel)', () => {
    expect(Array.from(fakeQuant(f32([-1, 0, 2]), 0, 0))).toEqual([0, 0, 0]);
    expect(Array.from(fakeQuantGrad(f32([1, 1, 1]), f32([-1, 0, 2]), 0, 0))).toEqual([0, 1, 0]);
  });
});

describe('fakeQuant gradient (clipped straight-through)', () => {
  it('passes dy at and inside the nudged edges, blocks it just outside', () => {
    const r = nudge(-0.1, 63.65); // nudged [0, 63.75]
    const x = f32([nextDown(r.min), r.min, 1.3, nextDown(r.max), r.max, nextUp(r.max), -5, NaN]);
    const dy = f32([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(fakeQuantGrad(dy, x, -0.1, 63.65))).toEqual([0, 2, 3, 4, 5, 0, 0, 0]);
  });

  it('uses the nudged range, not the raw one', () => {
    // raw min -0.1 is outside the nudged range [0, 63.75]: no gradient there
    expect(Array.from(fakeQuantGrad(f32([1, 1]), f32([-0.05, 0]), -0.1, 63.65))).toEqual([0, 1]);
  });

  it('rejects mismatched lengths', () => {
    expect(() => fakeQuantGrad(f32([1]), f32([1, 2]), -1, 1)).toThrow(ShapeError);
  });
});

describe('per-channel fake quant (last axis)', () => {
  const rng = new Rng(6);
  const channels = 5;
  const rows = 40;
  const mins = Array.from({ length: channels }, () => -rng.uniform(0, 2));
  const maxs = Array.from({ length: channels }, () => rng.uniform(0.1, 2));
  mins[2] = 0; // one all-zero channel
  maxs[2] = 0;
  const x = new Float32Array(rows * channels);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-2.5, 2.5);
  const dy = new Float32Array(x.length).fill(1);

  function column(a: Float32Array, c: number): Float32Array {
    return Float32Array.from({ length: rows }, (_, r) => a[r * channels + c]);
  }

  it('equals the per-tensor op on each channel, forward and backward', () => {
    for (const narrowRange of [false, true]) {
      const y = fakeQuantPerChannel(x, mins, maxs, { narrowRange });
      const g = fakeQuantPerChannelGrad(dy, x, mins, maxs, { narrowRange });
      for (let c = 0; c < channels; c++) {
        expect(column(y, c)).toEqual(fakeQuant(column(x, c), mins[c], maxs[c], { narrowRange }));
        expect(column(g, c)).toEqual(fakeQuantGrad(column(dy, c), column(x, c), mins[c], maxs[c], { narrowRange }));
      }
    }
  });

  it('rejects a tensor that does not split into the channels', () => {
    expect(() => fakeQuantPerChannel(new Float32Array(7), mins, maxs)).toThrow(ShapeError);
  });
});
