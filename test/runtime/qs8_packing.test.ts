// The qs8 packers: layouts and the requant fast path's proof (their inputs were validated by the format
// reader and the resolver). Kernel results are covered by test/runtime/kernels.test.ts.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { quantizeMultiplier } from '../../src/quant/requant.js';
import { packConv2d, packGemm, packMaxpool2d, packSpconv2d, provenAffine } from '../../src/runtime/packing/qs8.js';
import type { Qs8Exports } from '../../src/runtime/kernels_qs8.js';
import { requantize } from '../../src/runtime/reference/qs8_requantize.js';
import { kernelRequantize } from '../../src/runtime/resolver_qs8.js';
import { FULL_BUILD } from '../../src/runtime/wasm_full.js';
import { INT8_BUILD } from '../../src/runtime/wasm_int8.js';
import type { Conv2dGeometry, Pool2dGeometry, Qs8Requant } from '../../src/runtime/reference/qs8_types.js';
import { axis } from '../../src/runtime/reference/qs8_types.js';

const rq = (over: Partial<Qs8Requant> = {}): Qs8Requant => ({ multipliers: [1 << 30], shifts: [-3], zOut: -5, actMin: -5, actMax: 127, ...over });
const conv: Conv2dGeometry = { h: 6, w: 6, cin: 1, cout: 2, kh: 3, kw: 3, strideH: 1, strideW: 1, padding: 'valid' };
const pool: Pool2dGeometry = { poolH: 2, poolW: 2, strideH: 2, strideW: 2, padding: 'valid' };
const w9x2 = new Int8Array(18).fill(1);

describe('qs8 packers', () => {
  it('give a fused conv+pool its pooled output size', () => {
    // the params' words 14 and 15 (conv), 9 and 10 (max pool): the output's height and width
    const outSize = (bytes: Uint8Array, at: number) => [...new Int32Array(bytes.buffer, bytes.byteOffset, at + 2).subarray(at)];
    expect(outSize(packConv2d(conv, w9x2, [0, 0], 0, rq(), requantize, pool).bytes, 14)).toEqual([2, 2]);
    expect(outSize(packSpconv2d({ ...conv, h: 9 }, w9x2, [0, 0], 0, rq(), requantize, pool).bytes, 14)).toEqual([3, 2]);
    expect(outSize(packMaxpool2d(5, 4, 3, pool), 9)).toEqual([2, 2]);
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
    const blob = packGemm(w, 2, 2, [100, 2 ** 31 - 1], -10, rq(), requantize);
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
      const fit = provenAffine(r, 0, bound, requantize);
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
    expect(provenAffine(r, 0, 100, requantize)).toBeUndefined();
    expect(provenAffine(rq({ shifts: [-1] }), 0, 2 ** 31, requantize)).toBeUndefined();
  });

  it('refuses the channels whose exact steps fall on float32 ties or below zero', () => {
    // q = 2^30, shift -3: acc = 8 (2k + 1) is an exact tie, which the exact map rounds up and the float map to even
    expect(provenAffine(rq({ multipliers: [1 << 30], shifts: [-3], zOut: 0, actMin: 0 }), 0, 1000, requantize)).toBeUndefined();
    // without a ReLU the negative side rounds ties away from zero: no single C fits both sides
    const q = quantizeMultiplier(0.0123);
    const relu = rq({ multipliers: [q.multiplier], shifts: [q.shift], zOut: 3, actMin: 3 });
    expect(provenAffine(relu, 0, 40000, requantize)).toBeDefined();
    expect(provenAffine({ ...relu, actMin: -128 }, 0, 40000, requantize)).toBeUndefined();
  });
});

describe('qs8_requant_one (the exact requant the runtime hands the packers)', () => {
  const builds = [INT8_BUILD.instantiate(true), INT8_BUILD.instantiate(false), FULL_BUILD.instantiate(true), FULL_BUILD.instantiate(false)];
  const exacts = builds.map((m) => kernelRequantize(m.exports as unknown as Qs8Exports));

  it('equals the TS reference bit for bit, left shifts and int32 extremes included', () => {
    const rng = new Rng(11);
    for (let t = 0; t < 3000; t++) {
      const q = quantizeMultiplier(2 ** (rng.next() * 40 - 36));
      const zOut = rng.int(256) - 128, lo = t % 2 ? Math.max(zOut, -128) : -128;
      const r: Qs8Requant = { multipliers: [q.multiplier], shifts: [q.shift], zOut, actMin: lo, actMax: 127 };
      const acc = t % 7 === 0 ? [-(2 ** 31), 2 ** 31 - 1, 0][t % 3] : (rng.next() * 2 ** (1 + rng.int(32)) - 2 ** rng.int(32)) | 0;
      const want = requantize(acc, r, 0);
      for (const exact of exacts) expect(exact(acc, r, 0)).toBe(want);
    }
  });

  it('gives the packers the same bytes as the TS reference', () => {
    const rng = new Rng(12), g: Conv2dGeometry = { h: 8, w: 8, cin: 3, cout: 5, kh: 3, kw: 3, strideH: 1, strideW: 1, padding: 'same' };
    const w = Int8Array.from({ length: 3 * 3 * 3 * 5 }, () => (rng.int(3) ? 0 : rng.int(255) - 127));
    const bias = Int32Array.from({ length: 5 }, () => rng.int(20000) - 10000);
    const q = [0.004, 0.0007, 0.02, 0.0013, 0.5].map((s) => quantizeMultiplier(s));
    const r: Qs8Requant = { multipliers: q.map((m) => m.multiplier), shifts: q.map((m) => m.shift), zOut: -7, actMin: -7, actMax: 127 };
    let proven = 0;
    for (const exact of exacts) {
      for (const pack of [packConv2d, packSpconv2d]) {
        expect(pack(g, w, bias, 3, r, exact, pool).bytes).toEqual(pack(g, w, bias, 3, r, requantize, pool).bytes);
        expect(pack(g, w, bias, 3, r, exact).bytes).toEqual(pack(g, w, bias, 3, r, requantize).bytes);
      }
      expect(packGemm(w, 27, 5, bias, 3, r, exact)).toEqual(packGemm(w, 27, 5, bias, 3, r, requantize));
      for (let c = 0; c < 5; c++) proven += +(provenAffine(r, c, 30000, exact) !== undefined);
    }
    expect(proven).toBeGreaterThan(0); // the fast path's proof ran, not only its refusals
  });
});

