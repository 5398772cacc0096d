import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import {
  AllValuesObserver,
  LastValueObserver,
  MovingAverageObserver,
  channelMinMax,
  minMax,
  observerFromState,
  type ObserverState,
} from '../../src/quant/observers.js';

const f32 = (xs: number[]) => Float32Array.from(xs);

describe('MovingAverageObserver (tfmot MovingAvgQuantize)', () => {
  it('starts at [-6, 6] and takes one 0.1% step per batch toward the batch range', () => {
    const o = new MovingAverageObserver();
    expect(o.range()).toEqual({ min: -6, max: 6 });
    const r = o.observe(f32([-1, 0.5, 2]));
    expect(r.min).toBeCloseTo(-6 + 0.001 * 5, 6); // -5.995
    expect(r.max).toBeCloseTo(6 - 0.001 * 4, 6); // 5.996
  });

  it('forgets the [-6, 6] start only slowly: after 1000 steps 0.999^1000 = 37% of it remains', () => {
    const o = new MovingAverageObserver();
    const x = f32([-1, 2]);
    for (let i = 0; i < 1000; i++) o.observe(x);
    const keep = 0.999 ** 1000;
    expect(o.range().min).toBeCloseTo(-1 - 5 * keep, 3);
    expect(o.range().max).toBeCloseTo(2 + 4 * keep, 3);
  });

  it('widens each batch range to include 0 (post-ReLU activations keep min at 0)', () => {
    const o = new MovingAverageObserver({ initFromFirstBatch: true });
    expect(o.observe(f32([0.5, 3]))).toEqual({ min: 0, max: 3 });
    o.observe(f32([1, 4]));
    expect(o.range().min).toBe(0);
    expect(o.range().max).toBeCloseTo(3.001, 6);
  });

  it('with initFromFirstBatch starts exactly at the first batch range', () => {
    const o = new MovingAverageObserver({ initFromFirstBatch: true });
    expect(o.observe(f32([-0.25, 1.5]))).toEqual({ min: -0.25, max: 1.5 });
  });

  it('survives a JSON round trip of its state mid-run', () => {
    const rng = new Rng(1);
    const batches = Array.from({ length: 20 }, () => Float32Array.from({ length: 16 }, () => rng.uniform(-3, 5)));
    const a = new MovingAverageObserver({ initFromFirstBatch: true });
    for (const b of batches.slice(0, 10)) a.observe(b);
    const b = observerFromState(JSON.parse(JSON.stringify(a.state())) as ObserverState) as MovingAverageObserver;
    for (const x of batches.slice(10)) {
      a.observe(x);
      b.observe(x);
    }
    expect(b.range()).toEqual(a.range());
    expect(b.state()).toEqual(a.state());
  });

  it('rejects a bad decay or an initial range without 0', () => {
    expect(() => new MovingAverageObserver({ decay: 1 })).toThrow(ConfigError);
    expect(() => new MovingAverageObserver({ initMin: 1, initMax: 2 })).toThrow(ConfigError);
    expect(() => new MovingAverageObserver().observe(new Float32Array(0))).toThrow(ShapeError);
  });
});

describe('AllValuesObserver (input quantizer, PTQ calibration)', () => {
  it('keeps the running global min and max, always including 0', () => {
    const o = new AllValuesObserver();
    expect(o.range()).toEqual({ min: 0, max: 0 });
    expect(o.observe(f32([0.2, 0.9]))).toEqual({ min: 0, max: Math.fround(0.9) });
    expect(o.observe(f32([-0.5, 0.3]))).toEqual({ min: -0.5, max: Math.fround(0.9) });
    expect(o.observe(f32([NaN, 1.25]))).toEqual({ min: -0.5, max: 1.25 });
    const back = observerFromState(o.state());
    expect(back.state()).toEqual(o.state());
  });
});

describe('LastValueObserver (weights, symmetric narrow range)', () => {
  it('sets [-max|w|, max|w|] per output channel (last axis)', () => {
    // [2 rows, 3 channels]
    const w = f32([0.5, -2, 0, -0.25, 1, 0]);
    const o = new LastValueObserver(3);
    expect(o.ranges()).toEqual({ mins: f32([-6, -6, -6]), maxs: f32([6, 6, 6]) });
    const r = o.observe(w);
    expect(Array.from(r.mins)).toEqual([-0.5, -2, -0]);
    expect(Array.from(r.maxs)).toEqual([0.5, 2, 0]);
  });

  it('with one channel takes max|w| over the whole tensor (tfmot Dense, per_axis=False)', () => {
    const o = new LastValueObserver(1);
    const r = o.observe(f32([0.5, -2, 0, -0.25, 1, 0]));
    expect(Array.from(r.mins)).toEqual([-2]);
    expect(Array.from(r.maxs)).toEqual([2]);
  });

  it('round-trips its state', () => {
    const o = new LastValueObserver(2);
    o.observe(f32([1, -3, -2, 0.5]));
    const back = observerFromState(JSON.parse(JSON.stringify(o.state())) as ObserverState) as LastValueObserver;
    expect(back.ranges()).toEqual(o.ranges());
  });

  it('rejects a weight that does not split into its channels', () => {
    expect(() => new LastValueObserver(3).observe(new Float32Array(4))).toThrow(ShapeError);
    expect(() => new LastValueObserver(0)).toThrow(ConfigError);
  });
});

describe('minMax / channelMinMax', () => {
  it('skips NaN and refuses all-NaN input', () => {
    expect(minMax(f32([NaN, 2, -1]))).toEqual({ min: -1, max: 2 });
    expect(() => minMax(f32([NaN]))).toThrow(ShapeError);
    const { mins, maxs } = channelMinMax(f32([1, 2, 3, 4, -1, 0]), 2);
    expect(Array.from(mins)).toEqual([-1, 0]);
    expect(Array.from(maxs)).toEqual([3, 4]);
  });
});
