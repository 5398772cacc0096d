// The qs8 packers: layouts and the requant fast path's proof (their inputs were validated by the format
// reader and the resolver). Kernel results are covered by test/runtime/kernels.test.ts.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { quantizeMultiplier } from '../../src/quant/requant.js';
import { packConv2d, packGemm, packMaxpool2d, packSpconv2d, provenAffine } from '../../src/runtime/packing/qs8.js';
import { requantize } from '../../src/runtime/reference/qs8_requantize.js';
import type { Conv2dGeometry, Pool2dGeometry, Qs8Requant } from '../../src/runtime/reference/qs8_types.js';
import { axis } from '../../src/runtime/reference/qs8_types.js';

const rq = (over: Partial<Qs8Requant> = {}): Qs8Requant => ({ multipliers: [1 << 30], shifts: [-3], zOut: -5, actMin: -5, actMax: 127, ...over });
const conv: Conv2dGeometry = { h: 6, w: 6, cin: 1, cout: 2, kh: 3, kw: 3, strideH: 1, strideW: 1, padding: 'valid' };
const pool: Pool2dGeometry = { poolH: 2, poolW: 2, strideH: 2, strideW: 2, padding: 'valid' };
const w9x2 = new Int8Array(18).fill(1);

describe('qs8 packers', () => {
  it('give a fused conv+pool its pooled output size', () => {
    expect(packConv2d(conv, w9x2, [0, 0], 0, rq(), pool)).toMatchObject({ outH: 2, outW: 2 });
    expect(packSpconv2d({ ...conv, h: 9 }, w9x2, [0, 0], 0, rq(), pool)).toMatchObject({ outH: 3, outW: 2 });
    expect(packMaxpool2d(5, 4, 3, pool)).toMatchObject({ outH: 2, outW: 2 });
  });

  it("pads like TFLite: 'same' gives ceil(in / stride) outputs and the odd pad after", () => {
    expect(axis(5, 3, 1, 'same')).toEqual({ out: 5, pad: 1 });
    expect(axis(6, 3, 2, 'same')).toEqual({ out: 3, pad: 0 }); // total 1: 0 before, 1 after
    expect(axis(7, 2, 2, 'same')).toEqual({ out: 4, pad: 0 });
    expect(axis(28, 3, 1, 'valid')).toEqual({ out: 26, pad: 0 });
    expect(axis(26, 2, 2, 'valid')).toEqual({ out: 13, pad: 0 });
  });

  it('fold the input zero point into the bias: bias - zIn * sum(w), wrapping like int32', () => {
    const w = new Int8Array([3, -1, 4, 2]); // [k=2][n=2]: column sums 7, 1
    const blob = packGemm(w, 2, 2, [100, 2 ** 31 - 1], -10, rq());
    const view = new DataView(blob.buffer);
    const offBias = view.getInt32(28, true);
    expect(view.getInt32(offBias, true)).toBe(100 + 10 * 7);
    expect(view.getInt32(offBias + 4, true)).toBe((2 ** 31 - 1 + 10) | 0);
  });
});

/** The SIMD fast path's map, as assembly/lib/requant.ts computes it in float32. */
function fastMap(M: number, C: number, r: Qs8Requant, acc: number): number {
  const v = Math.fround(Math.fround(Math.fround(acc) * M) + C);
  return Math.min(Math.max(Math.fround(v + 12582912) - 12582912 + r.zOut, r.actMin), r.actMax);
}

describe('provenAffine (the float32 requant fast path)', () => {
  it('proves a channel only when the float map equals the exact requant on every acc within the bound', () => {
    const rng = new Rng(7);
    let proven = 0, refused = 0;
    for (let t = 0; t < 60; t++) {
      const q = quantizeMultiplier(2 ** -(4 + rng.next() * 10));
      const zOut = rng.int(256) - 128, relu = t % 3 !== 0;
      const r: Qs8Requant = { multipliers: [q.multiplier], shifts: [q.shift], zOut, actMin: relu ? zOut : -128, actMax: 127 };
      const bound = 1000 + rng.int(60000);
      const fit = provenAffine(r, 0, bound);
      let same = true;
      for (let acc = -bound; acc <= bound && same; acc++) same = fit !== undefined && fastMap(fit[0], fit[1], r, acc) === requantize(acc, r, 0);
      if (fit) { proven++; expect(same).toBe(true); } else refused++;
    }
    // ReLU channels are the common case and must take the fast path; the refusals are real misses
    expect(proven).toBeGreaterThan(35);
    expect(refused).toBeGreaterThan(0);
  });

  it('refuses left shifts and bounds the float map cannot cover', () => {
    const r = rq({ multipliers: [1 << 30], shifts: [1] });
    expect(provenAffine(r, 0, 100)).toBeUndefined();
    expect(provenAffine(rq({ shifts: [-1] }), 0, 2 ** 31)).toBeUndefined();
  });

  it('refuses the channels whose exact steps fall on float32 ties or below zero', () => {
    // q = 2^30, shift -3: acc = 8 (2k + 1) is an exact tie, which the exact map rounds up and the float map to even
    expect(provenAffine(rq({ multipliers: [1 << 30], shifts: [-3], zOut: 0, actMin: 0 }), 0, 1000)).toBeUndefined();
    // without a ReLU the negative side rounds ties away from zero: no single C fits both sides
    const q = quantizeMultiplier(0.0123);
    const relu = rq({ multipliers: [q.multiplier], shifts: [q.shift], zOut: 3, actMin: 3 });
    expect(provenAffine(relu, 0, 40000)).toBeDefined();
    expect(provenAffine({ ...relu, actMin: -128 }, 0, 40000)).toBeUndefined();
  });
});
