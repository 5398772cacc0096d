import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { constantSparsity, polynomialDecay, shouldPrune } from '../../src/prune/schedule.js';

describe('polynomialDecay', () => {
  // tfmot's pruning tutorial: 2 epochs x 422 steps, PolynomialDecay(0.5 -> 0.8, 0, 844), frequency 100.
  const tutorial = polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 844 });

  it('updates masks at steps 100, 200, ..., 800 only over the tutorial run (steps 1..844)', () => {
    const updates: number[] = [];
    for (let step = 1; step <= 844; step++) if (tutorial(step).prune) updates.push(step);
    expect(updates).toEqual([100, 200, 300, 400, 500, 600, 700, 800]);
  });

  it("gives tfmot's float32 sparsities at those steps", () => {
    const expected = [0.5945, 0.66672, 0.71967, 0.75632, 0.77969, 0.79275, 0.79851, 0.79996];
    const got = [100, 200, 300, 400, 500, 600, 700, 800].map((s) => tutorial(s).sparsity);
    got.forEach((s, i) => expect(s).toBeCloseTo(expected[i], 5));
    for (const s of got) expect(Math.fround(s)).toBe(s); // float32 values, as tfmot's tensors
  });

  it('starts at initialSparsity, ends at finalSparsity and clamps outside [begin, end]', () => {
    const s = polynomialDecay({ initialSparsity: 0.25, finalSparsity: 0.75, beginStep: 10, endStep: 110, frequency: 10 });
    expect(s(10).sparsity).toBe(Math.fround(0.25));
    expect(s(0).sparsity).toBe(Math.fround(0.25));
    expect(s(110).sparsity).toBe(Math.fround(0.75));
    expect(s(5000).sparsity).toBe(Math.fround(0.75));
    expect(s(10).prune).toBe(true);
    expect(s(110).prune).toBe(true);
    expect(s(120).prune).toBe(false); // past endStep
    expect(s(0).prune).toBe(false); // before beginStep
    // power 1 is a straight line: halfway = mean
    const linear = polynomialDecay({ initialSparsity: 0.2, finalSparsity: 0.6, beginStep: 0, endStep: 100, power: 1 });
    expect(linear(50).sparsity).toBeCloseTo(0.4, 6);
  });

  it('keeps its config with defaults filled in', () => {
    expect(tutorial.config).toEqual({ kind: 'polynomialDecay', initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 844, power: 3, frequency: 100 });
  });
});

describe('constantSparsity', () => {
  it('prunes forever by default (endStep -1) at a constant float32 sparsity', () => {
    const s = constantSparsity({ targetSparsity: 0.5, beginStep: 0 });
    expect(s.config).toEqual({ kind: 'constantSparsity', targetSparsity: 0.5, beginStep: 0, endStep: -1, frequency: 100 });
    expect(s(100)).toEqual({ prune: true, sparsity: 0.5 });
    expect(s(1_000_000)).toEqual({ prune: true, sparsity: 0.5 });
    expect(s(150)).toEqual({ prune: false, sparsity: 0.5 });
    expect(constantSparsity({ targetSparsity: 0.9, beginStep: 0 })(1).sparsity).toBe(Math.fround(0.9));
  });

  it('respects beginStep, endStep and frequency', () => {
    const s = constantSparsity({ targetSparsity: 0.8, beginStep: 3, endStep: 11, frequency: 4 });
    const updates = Array.from({ length: 20 }, (_, i) => i).filter((step) => s(step).prune);
    expect(updates).toEqual([3, 7, 11]);
  });
});

describe('shouldPrune', () => {
  it('uses a floor modulo, so steps before begin are never a turn by accident', () => {
    expect(shouldPrune(-3, 2, -1, 5)).toBe(false);
    expect(shouldPrune(2, 2, 2, 5)).toBe(true);
    expect(shouldPrune(7, 2, -1, 5)).toBe(true);
  });
});

describe('schedule validation', () => {
  const bad: Array<[string, () => unknown, RegExp]> = [
    ['sparsity 1', () => constantSparsity({ targetSparsity: 1, beginStep: 0 }), /targetSparsity must be in range \[0,1\)/],
    ['negative sparsity', () => polynomialDecay({ initialSparsity: -0.1, finalSparsity: 0.5, beginStep: 0, endStep: 10 }), /initialSparsity must be in range/],
    ['NaN sparsity', () => polynomialDecay({ initialSparsity: 0.1, finalSparsity: NaN, beginStep: 0, endStep: 10 }), /finalSparsity must be in range/],
    ['begin < 0', () => constantSparsity({ targetSparsity: 0.5, beginStep: -1 }), /beginStep should be >= 0/],
    ['end before begin', () => constantSparsity({ targetSparsity: 0.5, beginStep: 10, endStep: 5 }), /beginStep \(10\) should be <= endStep \(5\)/],
    ['end -1 for decay', () => polynomialDecay({ initialSparsity: 0.1, finalSparsity: 0.5, beginStep: 0, endStep: -1 }), /endStep cannot be -1/],
    ['end -2', () => constantSparsity({ targetSparsity: 0.5, beginStep: 0, endStep: -2 }), /endStep can be -1/],
    ['end == begin for decay', () => polynomialDecay({ initialSparsity: 0.1, finalSparsity: 0.5, beginStep: 5, endStep: 5 }), /no length/],
    ['frequency 0', () => constantSparsity({ targetSparsity: 0.5, beginStep: 0, frequency: 0 }), /frequency should be > 0/],
    ['fractional step', () => constantSparsity({ targetSparsity: 0.5, beginStep: 1.5 }), /beginStep must be an integer/],
    ['power 0', () => polynomialDecay({ initialSparsity: 0.1, finalSparsity: 0.5, beginStep: 0, endStep: 10, power: 0 }), /power must be a positive number/],
  ];
  it.each(bad)('rejects %s with a ConfigError', (_name, make, message) => {
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(message);
  });

  it('accepts end == begin for constantSparsity (one update) and frequency 1', () => {
    const s = constantSparsity({ targetSparsity: 0, beginStep: 4, endStep: 4, frequency: 1 });
    expect([3, 4, 5].map((t) => s(t).prune)).toEqual([false, true, false]);
  });
});
