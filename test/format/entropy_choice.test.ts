// Why the entropy encoding is what spec.ts says: on realistic pruned int8 kernels it is smaller than
// the simpler schemes the issue suggests (Golomb-Rice zero runs with raw, Rice or Huffman-coded
// values). Sizes of the alternatives are computed exactly from their code lengths; the table printed
// here is the one in docs/FORMAT.md.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { encodeData } from '../../src/format/encode.js';
import { prunedInt8 } from './realistic.js';

/** Bits of the Golomb-Rice code with parameter k for each x >= 0: unary x >> k, then k bits. */
function riceBits(xs: number[], k: number): number {
  return xs.reduce((a, x) => a + (x >> k) + 1 + k, 0);
}

/** The best Rice parameter's total bits, plus 4 bits to store that parameter. */
function bestRiceBits(xs: number[]): number {
  return 4 + Math.min(...Array.from({ length: 16 }, (_, k) => riceBits(xs, k)));
}

/** Bits of a Huffman code of `symbols`, plus a table of one 4-bit code length per int8 value (-127..127). */
function huffmanBits(symbols: number[]): number {
  const counts = new Map<number, number>();
  for (const s of symbols) counts.set(s, (counts.get(s) ?? 0) + 1);
  // total code bits = sum of the weights of all merged nodes
  const heap = [...counts.values()].sort((a, b) => a - b);
  let bits = 0;
  while (heap.length > 1) {
    const merged = heap.shift()! + heap.shift()!;
    bits += merged;
    heap.splice(heap.findIndex((w) => w >= merged) >>> 0, 0, merged);
  }
  return bits + 255 * 4;
}

function alternatives(q: Int8Array, shape: number[]): Record<string, number> {
  const gaps: number[] = [];
  const values: number[] = [];
  let last = -1;
  q.forEach((v, i) => {
    if (v === 0) return;
    gaps.push(i - last - 1);
    values.push(v);
    last = i;
  });
  const bytes = (bits: number) => Math.ceil(bits / 8);
  const sign = values.length;
  return {
    'bitmask + raw values': encodeData(q, shape, 'bitmask').length,
    'csr (varint gaps) + raw values': encodeData(q, shape, 'csr').length,
    'Rice gaps + raw values': bytes(bestRiceBits(gaps) + 8 * values.length),
    'Rice gaps + sign + Rice magnitudes': bytes(bestRiceBits(gaps) + sign + bestRiceBits(values.map((v) => Math.abs(v) - 1))),
    'Rice gaps + Huffman values (with table)': bytes(bestRiceBits(gaps) + huffmanBits(values)),
    'entropy (adaptive range coder)': encodeData(q, shape, 'entropy').length,
  };
}

describe('entropy encoding choice', () => {
  for (const dist of ['laplace', 'gauss'] as const) {
    for (const sparsity of [0.5, 0.8, 0.95]) {
      it(`is the smallest for a ${dist} [2028, 10] kernel at sparsity ${sparsity}`, () => {
        const shape = [2028, 10];
        const sizes = alternatives(prunedInt8(new Rng(1), shape, sparsity, dist).q, shape);
        console.log(`${dist} ${sparsity}: ${Object.entries(sizes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        const { 'entropy (adaptive range coder)': entropy, ...others } = sizes;
        expect(entropy).toBeLessThan(Math.min(...Object.values(others)));
      });
    }
  }
});
