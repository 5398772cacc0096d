import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import {
  RangeCalibrator,
  TFLITE_MIN_WEIGHT_ELEMENTS,
  dequantizeWeights,
  dynamicRangeQuantize,
  type FloatWeight,
} from '../../src/quant/ptq.js';

function weight(rng: Rng, name: string, kind: 'conv2d' | 'dense', shape: number[]): FloatWeight {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, kind, shape, values: Float32Array.from({ length: n }, () => rng.normal() * 0.2) };
}

describe('dynamicRangeQuantize', () => {
  const rng = new Rng(21);
  const conv = weight(rng, 'conv', 'conv2d', [3, 3, 1, 12]);
  const dense = weight(rng, 'dense', 'dense', [2028, 10]);

  it("follows TFLite's 1024-element threshold by default: the MNIST conv kernel stays float", () => {
    expect(TFLITE_MIN_WEIGHT_ELEMENTS).toBe(1024);
    const [c, d] = dynamicRangeQuantize([conv, dense]);
    expect(c.quantized).toBe(false);
    expect(c.values).toEqual(conv.values);
    expect(d.quantized).toBe(true);
    if (!d.quantized) return;
    expect(d.granularity).toBe('per_channel');
    expect(d.scales.length).toBe(10);
    expect(d.values.length).toBe(20280);
  });

  it('quantizes every weight with minElements 0; conv per channel, dense per tensor on request', () => {
    const [c, d] = dynamicRangeQuantize([conv, dense], { minElements: 0, denseGranularity: 'per_tensor' });
    expect(c.quantized && c.granularity).toBe('per_channel');
    expect(d.quantized && d.granularity).toBe('per_tensor');
    if (!c.quantized || !d.quantized) return;
    expect(c.scales.length).toBe(12);
    expect(d.scales.length).toBe(1);
    // every weight is within half a step of its float value, and each channel uses +-127
    for (const [q, w] of [[c, conv], [d, dense]] as const) {
      const back = dequantizeWeights(q.values, q.scales);
      let maxErrSteps = 0;
      for (let i = 0; i < back.length; i++) {
        const s = q.scales[i % q.scales.length];
        maxErrSteps = Math.max(maxErrSteps, Math.abs(back[i] - w.values[i]) / s);
      }
      expect(maxErrSteps).toBeLessThanOrEqual(0.5 + 1e-4);
      expect(Math.max(...Array.from(q.values, Math.abs))).toBe(127);
    }
  });

  it('rejects a weight whose shape does not match its values or kind', () => {
    expect(() => dynamicRangeQuantize([{ ...conv, shape: [3, 3, 12] }])).toThrow(ShapeError);
    expect(() => dynamicRangeQuantize([{ ...dense, shape: [2000, 10] }])).toThrow(ShapeError);
    expect(() => dynamicRangeQuantize([dense], { minElements: -1 })).toThrow(ConfigError);
  });
});

describe('RangeCalibrator (global min/max over representative samples)', () => {
  it('keeps the min and max over every batch of each tensor', () => {
    const c = new RangeCalibrator();
    c.observe('input', [0.2, 0.9]);
    c.observe('conv', [-3, 1]);
    c.observe('input', [0.1, 0.5]);
    c.observe('conv', [NaN, 4]);
    expect(c.range('input')).toEqual({ min: 0.1, max: 0.9 });
    expect(c.ranges()).toEqual({ input: { min: 0.1, max: 0.9 }, conv: { min: -3, max: 4 } });
    expect(() => c.range('dense')).toThrow(ConfigError);
  });
});
