// A sweep beside qs8_bounds.test.ts: the int8 kernels whose SIMD code reads whole vectors or 16-row blocks,
// each buffer in turn ending exactly at linear memory's end (one byte more traps), over every small size:
// qs8_spmm at m 1..70 (x copied to scratch below 16 rows, the last block overlapping above), also in
// scratch planned for 70 rows as the interpreter plans it; qs8_gemm at k 1..40 (x read from up to 7 bytes
// before each row); qs8_requantize (a row's last n % 4 staged), qs8_dequantize, qs8_maxpool2d (lane 0
// near the ends). Both builds; outputs equal the references.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { quantizeMultiplier } from '../../src/quant/requant.js';
import type { Qs8Exports } from '../../src/runtime/kernels_qs8.js';
import { packGemm, packMaxpool2d, packRequantize, packSpmm, spmmScratchBytes } from '../../src/runtime/packing/qs8.js';
import { qs8_gemm } from '../../src/runtime/reference/qs8_gemm.js';
import { qs8_maxpool2d } from '../../src/runtime/reference/qs8_maxpool2d.js';
import { qs8_dequantize } from '../../src/runtime/reference/qs8_quantize.js';
import { qs8_requantize } from '../../src/runtime/reference/qs8_requantize.js';
import type { Qs8Requant } from '../../src/runtime/reference/qs8_types.js';
import { kernelRequantize } from '../../src/runtime/resolver_qs8.js';
import { FULL_BUILD } from '../../src/runtime/wasm_full.js';

type Exports = Qs8Exports & { memory: WebAssembly.Memory; alloc(bytes: number): number };
function instance(simd: boolean) {
  const k = FULL_BUILD.instantiate<Exports>(simd).exports;
  const bytes = (ptr: number, n: number) => new Uint8Array(k.memory.buffer, ptr, n);
  return {
    k,
    put(a: ArrayBufferView): number { const ptr = k.alloc(a.byteLength); bytes(ptr, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)); return ptr; },
    last(a: ArrayBufferView | number): number {
      const n = typeof a === 'number' ? a : a.byteLength, free = k.memory.buffer.byteLength - k.alloc(0);
      if (free < n + 4096) k.memory.grow(Math.ceil((n + 4096 - free) / 65536) + 1);
      const ptr = k.memory.buffer.byteLength - n;
      if (typeof a !== 'number') bytes(ptr, n).set(new Uint8Array(a.buffer, a.byteOffset, n));
      return ptr;
    },
    out: (ptr: number, n: number) => Array.from(new Int8Array(k.memory.buffer, ptr, n)),
  };
}
const int8s = (rng: Rng, n: number) => Int8Array.from({ length: n }, () => rng.int(256) - 128);
const sparseW = (rng: Rng, n: number) => Int8Array.from({ length: n }, () => (rng.next() < 0.6 ? 0 : rng.int(255) - 127));
function rqFor(rng: Rng, taps: number, n: number): Qs8Requant {
  const multipliers = new Int32Array(n), shifts = new Int32Array(n);
  for (let c = 0; c < n; c++) { const q = quantizeMultiplier((40 / (Math.sqrt(taps) * 73 * 90)) * 2 ** (rng.next() * 2 - 1)); multipliers[c] = q.multiplier; shifts[c] = q.shift; }
  return { multipliers, shifts, zOut: rng.int(256) - 128, actMin: -128, actMax: 127 };
}
const biases = (rng: Rng, n: number, taps: number) => Int32Array.from({ length: n }, () => Math.round((rng.next() - 0.5) * Math.sqrt(taps) * 73 * 60));

describe.each([true, false])('simd %s', (simd) => {
  it('qs8_spmm m 1..70, x / y / scratch (planned for 70) at memory end', () => {
    for (const [k, n] of [[17, 10], [45, 17]]) {
      const rng = new Rng(k * 31 + n), w = sparseW(rng, k * n), bias = biases(rng, n, k), zIn = rng.int(256) - 128, rq = rqFor(rng, k, n);
      for (let m = 1; m <= 70; m++) {
        const x = int8s(rng, m * k), want = Array.from(qs8_gemm(x, m, k, n, zIn, w, bias, rq));
        for (const at of ['x', 'y', 'scratch', 'scratchExact']) {
          const inst = instance(simd), wp = inst.put(packSpmm(w, k, n, bias, zIn, rq, kernelRequantize(inst.k)));
          const xp = at === 'x' ? inst.last(x) : inst.put(x);
          const sb = at === 'scratch' ? spmmScratchBytes(70, k) : spmmScratchBytes(m, k);
          const y = at === 'y' ? inst.last(m * n) : inst.k.alloc(m * n), s = at.startsWith('scratch') ? inst.last(sb) : inst.k.alloc(sb);
          inst.k.qs8_spmm(wp, xp, y, m, s);
          expect(inst.out(y, m * n), `k ${k} n ${n} m ${m} ${at}`).toEqual(want);
        }
      }
    }
  });

  it('qs8_gemm m 1, 4, 5, 9, k 1..40, x / y at memory end, x at the first free byte', () => {
    for (const n of [3, 17]) for (let k = 1; k <= 40; k++) {
      const rng = new Rng(k * 7 + n), w = int8s(rng, k * n), bias = biases(rng, n, k), zIn = rng.int(256) - 128, rq = rqFor(rng, k, n);
      for (const m of [1, 4, 5, 9]) {
        const x = int8s(rng, m * k), want = Array.from(qs8_gemm(x, m, k, n, zIn, w, bias, rq));
        for (const at of ['x', 'y', 'first']) {
          const inst = instance(simd);
          const xp = at === 'first' ? inst.put(x) : 0;
          const wp = inst.put(packGemm(w, k, n, bias, zIn, rq, kernelRequantize(inst.k)));
          const xq = at === 'x' ? inst.last(x) : at === 'first' ? xp : inst.put(x);
          const y = at === 'y' ? inst.last(m * n) : inst.k.alloc(m * n);
          inst.k.qs8_gemm(wp, xq, y, m);
          expect(inst.out(y, m * n), `k ${k} n ${n} m ${m} ${at}`).toEqual(want);
        }
      }
    }
  });

  it('qs8_requantize n 1..21, acc / out at memory end', () => {
    for (let n = 1; n <= 21; n++) for (const m of [1, 2, 5]) {
      const rng = new Rng(n * 13 + m), rq = rqFor(rng, 50, n);
      const acc = Int32Array.from({ length: m * n }, () => Math.round((rng.next() - 0.5) * 200000)), want = Array.from(qs8_requantize(acc, m, n, rq));
      for (const at of ['acc', 'out', 'params']) {
        const inst = instance(simd), packed = packRequantize(n, rq, kernelRequantize(inst.k));
        const pp = at === 'params' ? inst.last(packed) : inst.put(packed);
        const ap = at === 'acc' ? inst.last(acc) : inst.put(acc), y = at === 'out' ? inst.last(m * n) : inst.k.alloc(m * n);
        inst.k.qs8_requantize(pp, ap, y, m);
        expect(inst.out(y, m * n), `n ${n} m ${m} ${at}`).toEqual(want);
      }
    }
  });

  it('qs8_dequantize n 1..40, x / y at memory end', () => {
    for (let n = 1; n <= 40; n++) {
      const rng = new Rng(n), q = int8s(rng, n), s = 0.0123, z = rng.int(256) - 128, want = Array.from(qs8_dequantize(q, s, z));
      for (const at of ['x', 'y']) {
        const inst = instance(simd), xp = at === 'x' ? inst.last(q) : inst.put(q), y = at === 'y' ? inst.last(4 * n) : inst.k.alloc(4 * n);
        inst.k.qs8_dequantize(xp, y, n, s, z);
        expect(Array.from(new Float32Array(inst.k.memory.buffer, y, n)), `n ${n} ${at}`).toEqual(want);
      }
    }
  });

  it('qs8_maxpool2d c 1..35, x / y at memory end', () => {
    for (let c = 1; c <= 35; c++) for (const [h, w, p, st, same] of [[4, 4, 2, 2, 0], [5, 7, 2, 2, 0], [7, 8, 3, 2, 1], [3, 3, 2, 1, 0]]) {
      const pool = { poolH: p, poolW: p, strideH: st, strideW: st, padding: same ? 'same' as const : 'valid' as const };
      const rng = new Rng(c * 5 + h), nb = 2, x = int8s(rng, nb * h * w * c), lo = rng.int(100) - 128;
      const ref = qs8_maxpool2d(x, nb, h, w, c, pool, lo, 127), want = Array.from(ref.y);
      for (const at of ['x', 'y']) {
        const inst = instance(simd), pp = inst.put(packMaxpool2d(h, w, c, pool, lo, 127));
        const xp = at === 'x' ? inst.last(x) : inst.put(x), y = at === 'y' ? inst.last(want.length) : inst.k.alloc(want.length);
        inst.k.qs8_maxpool2d(pp, xp, y, nb);
        expect(inst.out(y, want.length), `c ${c} ${h}x${w} ${at}`).toEqual(want);
      }
    }
  });
});
