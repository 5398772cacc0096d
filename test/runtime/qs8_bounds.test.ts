// The int8 kernels whose SIMD lanes are 16 rows read whole 16-row blocks: qs8_spmm 16 rows of x (its
// last block overlapping the one before, or x copied to scratch below 16 rows), the convs 16 patches
// (past the kept ones: stale scratch); qs8_gemm reads whole 8-byte steps of x. None may read past its
// buffers: here x, or the conv's scratch, ends exactly at linear memory's end, where one byte more
// traps, and the outputs match the references.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { quantizeMultiplier } from '../../src/quant/requant.js';
import type { Qs8Exports } from '../../src/runtime/kernels_qs8.js';
import { packConv2d, packGemm, packSpconv2d, packSpmm, spmmScratchBytes } from '../../src/runtime/packing/qs8.js';
import { qs8_conv2d_maxpool2d, qs8_conv2d_nhwc } from '../../src/runtime/reference/qs8_conv2d_nhwc.js';
import { qs8_gemm } from '../../src/runtime/reference/qs8_gemm.js';
import type { Conv2dGeometry, Pool2dGeometry, Qs8Requant } from '../../src/runtime/reference/qs8_types.js';
import { kernelRequantize } from '../../src/runtime/resolver_qs8.js';
import { FULL_BUILD } from '../../src/runtime/wasm_full.js';

type Exports = Qs8Exports & { memory: WebAssembly.Memory; alloc(bytes: number): number };

/** A fresh SIMD instance: `put` copies bytes in, `last` places a buffer so that it ends at memory's end (after every other). */
function instance() {
  const k = FULL_BUILD.instantiate<Exports>(true).exports;
  const bytes = (ptr: number, n: number) => new Uint8Array(k.memory.buffer, ptr, n);
  return {
    k,
    put(a: ArrayBufferView): number {
      const ptr = k.alloc(a.byteLength);
      bytes(ptr, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return ptr;
    },
    last(a: ArrayBufferView | number): number {
      const n = typeof a === 'number' ? a : a.byteLength, free = k.memory.buffer.byteLength - k.alloc(0);
      if (free < n) k.memory.grow(Math.ceil((n - free) / 65536));
      const ptr = k.memory.buffer.byteLength - n;
      if (typeof a !== 'number') bytes(ptr, n).set(new Uint8Array(a.buffer, a.byteOffset, n));
      return ptr;
    },
    out: (ptr: number, n: number) => new Int8Array(k.memory.buffer, ptr, n).slice(),
  };
}

function int8s(rng: Rng, n: number): Int8Array {
  return Int8Array.from({ length: n }, () => rng.int(256) - 128);
}

function sparseWeights(rng: Rng, n: number): Int8Array {
  return Int8Array.from({ length: n }, () => (rng.next() < 0.5 ? 0 : rng.int(255) - 127));
}

function requantFor(rng: Rng, taps: number, channels: number): Qs8Requant {
  const multipliers = new Int32Array(channels), shifts = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const q = quantizeMultiplier((40 / (Math.sqrt(taps) * 73 * 90)) * 2 ** (rng.next() * 2 - 1));
    multipliers[c] = q.multiplier;
    shifts[c] = q.shift;
  }
  return { multipliers, shifts, zOut: rng.int(256) - 128, actMin: -128, actMax: 127 };
}

const biases = (rng: Rng, n: number, taps: number) => Int32Array.from({ length: n }, () => Math.round((rng.next() - 0.5) * Math.sqrt(taps) * 73 * 60));

describe('qs8 kernels read nothing past their buffers', () => {
  // m below 16 (x copied to scratch), 16, and past 16 (the last block overlapping the one before)
  it.each([[2, 16, 3], [7, 40, 17], [15, 33, 5], [16, 20, 4], [17, 20, 5], [33, 70, 17]])('qs8_spmm, x at memory end: m %i k %i n %i', (m, k, n) => {
    const rng = new Rng(m * 1000 + k);
    const x = int8s(rng, m * k), w = sparseWeights(rng, k * n), bias = biases(rng, n, k), zIn = rng.int(256) - 128, rq = requantFor(rng, k, n);
    const inst = instance();
    const wp = inst.put(packSpmm(w, k, n, bias, zIn, rq, kernelRequantize(inst.k))), y = inst.k.alloc(m * n), scratch = inst.k.alloc(spmmScratchBytes(m, k));
    inst.k.qs8_spmm(wp, inst.last(x), y, m, scratch);
    expect(Array.from(inst.out(y, m * n))).toEqual(Array.from(qs8_gemm(x, m, k, n, zIn, w, bias, rq)));
  });

  // the interpreter plans scratch for its largest batch and runs smaller batches in it
  it('qs8_spmm with fewer than 16 rows in scratch planned for 32, the scratch at memory end', () => {
    const m = 5, k = 40, n = 7, rng = new Rng(5);
    const x = int8s(rng, m * k), w = sparseWeights(rng, k * n), bias = biases(rng, n, k), zIn = rng.int(256) - 128, rq = requantFor(rng, k, n);
    const inst = instance();
    const wp = inst.put(packSpmm(w, k, n, bias, zIn, rq, kernelRequantize(inst.k))), xp = inst.put(x), y = inst.k.alloc(m * n);
    inst.k.qs8_spmm(wp, xp, y, m, inst.last(spmmScratchBytes(32, k)));
    expect(Array.from(inst.out(y, m * n))).toEqual(Array.from(qs8_gemm(x, m, k, n, zIn, w, bias, rq)));
  });

  // qs8_gemm reads each row of x from up to 7 bytes before it (against its weights' zero padding), never past it
  it.each([[5, 13, 3], [4, 16, 2], [9, 45, 17]])('qs8_gemm, x at memory end: m %i k %i n %i', (m, k, n) => {
    const rng = new Rng(m * 1000 + k);
    const x = int8s(rng, m * k), w = int8s(rng, k * n), bias = biases(rng, n, k), zIn = rng.int(256) - 128, rq = requantFor(rng, k, n);
    const inst = instance();
    const wp = inst.put(packGemm(w, k, n, bias, zIn, rq, kernelRequantize(inst.k))), y = inst.k.alloc(m * n);
    inst.k.qs8_gemm(wp, inst.last(x), y, m);
    expect(Array.from(inst.out(y, m * n))).toEqual(Array.from(qs8_gemm(x, m, k, n, zIn, w, bias, rq)));
  });

  const geometry = (h: number, w: number, cin: number, cout: number): Conv2dGeometry => ({ h, w, cin, cout, kh: 3, kw: 3, strideH: 1, strideW: 1, padding: 'valid' });
  const pool2: Pool2dGeometry = { poolH: 2, poolW: 2, strideH: 2, strideW: 2, padding: 'valid' };
  // output pixels (patches) per image not a multiple of 16: the last block has fewer than 16
  const convs: [string, Conv2dGeometry, Pool2dGeometry | undefined][] = [
    ['7x9 cin1 cout5', geometry(7, 9, 1, 5), undefined],
    ['12x12 cin1 cout12 (quad)', geometry(12, 12, 1, 12), undefined],
    ['9x11 cin3 cout17 pooled', geometry(9, 11, 3, 17), pool2],
    ['16x16 cin1 cout12 pooled', geometry(16, 16, 1, 12), pool2],
  ];
  describe.each(['x', 'scratch'])('%s at memory end', (at) => {
    it.each(convs)('qs8_conv2d / qs8_spconv2d %s', (_, g, pool) => {
      for (const sparse of [false, true]) {
        const rng = new Rng(g.h * 100 + g.cout);
        const taps = g.kh * g.kw * g.cin, batch = 2;
        const x = int8s(rng, batch * g.h * g.w * g.cin), w = sparseWeights(rng, taps * g.cout), bias = biases(rng, g.cout, taps);
        const zIn = rng.int(256) - 128, rq = requantFor(rng, taps, g.cout);
        const inst = instance();
        const packed = (sparse ? packSpconv2d : packConv2d)(g, w, bias, zIn, rq, kernelRequantize(inst.k), pool);
        const want = pool ? qs8_conv2d_maxpool2d(x, batch, g, pool, w, bias, zIn, rq).y : qs8_conv2d_nhwc(x, batch, g, w, bias, zIn, rq).y;
        const outs = want.length;
        const wp = inst.put(packed.bytes), y = inst.k.alloc(outs);
        const xp = at === 'x' ? inst.last(x) : inst.put(x), scratch = at === 'scratch' ? inst.last(packed.scratchBytes) : inst.k.alloc(packed.scratchBytes);
        const name = `qs8_${sparse ? 'sp' : ''}conv2d_${pool ? 'maxpool2d' : 'nhwc'}` as const;
        inst.k[name](wp, xp, y, batch, scratch);
        expect(Array.from(inst.out(y, outs)), name).toEqual(Array.from(want));
      }
    });
  });
});
