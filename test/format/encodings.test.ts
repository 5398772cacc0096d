import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { ByteReader } from '../../src/format/bytes.js';
import { decodeData } from '../../src/format/decode.js';
import { encodeData, encodeSmallest, type EncodingName } from '../../src/format/encode.js';
import { FormatError } from '../../src/format/errors.js';
import type { DType, TensorData } from '../../src/format/model.js';
import { rangeDecoder } from '../../src/format/range_decoder.js';
import { RangeEncoder } from '../../src/format/range_encoder.js';
import { ENCODINGS } from '../../src/format/spec.js';
import { prunedInt8, prunedWeights } from './realistic.js';

const SPARSITIES = [0, 0.5, 0.8, 0.95, 1];
const DTYPES: DType[] = ['f32', 'int8', 'int32'];

/** Seeded data of `shape` with `sparsity` zeros: pruned weights (f32, int8), biases-like ints (int32). */
function sample(dtype: DType, shape: number[], sparsity: number, seed: number): TensorData {
  const rng = new Rng(seed);
  if (dtype === 'f32') return prunedWeights(rng, shape, sparsity);
  if (dtype === 'int8') return prunedInt8(rng, shape, sparsity).q;
  const w = prunedWeights(rng, shape, sparsity);
  return Int32Array.from(w, (v) => Math.round(v * 2 ** (8 + rng.int(20))));
}

function decode(payload: Uint8Array, encoding: EncodingName, dtype: DType, shape: number[]): TensorData {
  return decodeData(new ByteReader(payload), encoding, dtype, shape);
}

const bits = (d: TensorData) => (d instanceof Float32Array ? new Int32Array(d.buffer, d.byteOffset, d.length) : d);

describe('encodings', () => {
  const shapes = [[3, 3, 1, 12], [203, 10], [37]];
  for (const dtype of DTYPES) {
    for (const sparsity of SPARSITIES) {
      it(`${dtype} at sparsity ${sparsity}: every encoding round-trips and the smallest is picked`, () => {
        shapes.forEach((shape, s) => {
          const data = sample(dtype, shape, sparsity, 100 * s + 7);
          const sizes: number[] = [];
          for (const encoding of ENCODINGS) {
            const payload = encodeData(data, shape, encoding);
            expect(bits(decode(payload, encoding, dtype, shape)), `${encoding} [${shape}]`).toEqual(bits(data));
            sizes.push(payload.length);
          }
          const best = encodeSmallest(data, shape);
          expect(best.payload.length).toBe(Math.min(...sizes));
          expect(best.encoding).toBe(ENCODINGS[sizes.indexOf(Math.min(...sizes))]);
        });
      });
    }
  }

  it('codes the extremes of each dtype and single elements', () => {
    const cases: [DType, TensorData][] = [
      ['int8', Int8Array.of(-128, 127, -127, 1, -1, 0)],
      ['int32', Int32Array.of(-0x80000000, 0x7fffffff, -1, 1, 0)],
      ['f32', Float32Array.of(-0, 3.4028234663852886e38, -1.401298464324817e-45, Infinity, NaN, 0)],
      ['int8', Int8Array.of(5)],
      ['f32', Float32Array.of(0)],
    ];
    for (const [dtype, data] of cases) {
      for (const encoding of ENCODINGS) {
        expect(bits(decode(encodeData(data, [data.length], encoding), encoding, dtype, [data.length])), `${dtype} ${encoding}`).toEqual(bits(data));
      }
    }
  });

  it('entropy-codes a pruned int8 kernel close to its order-0 entropy', () => {
    const { q } = prunedInt8(new Rng(1), [2028, 10], 0.8);
    const counts = new Map<number, number>();
    for (const v of q) counts.set(v, (counts.get(v) ?? 0) + 1);
    let entropyBits = 0;
    for (const c of counts.values()) entropyBits -= c * Math.log2(c / q.length);
    const size = encodeData(q, [2028, 10], 'entropy').length;
    console.log(`80%-pruned int8 [2028,10]: entropy coded ${size} B, order-0 entropy ${Math.ceil(entropyBits / 8)} B`);
    expect(size).toBeLessThan(1.03 * (entropyBits / 8));
  });
});

describe('decoders refuse corrupt payloads', () => {
  const refuse = (payload: Uint8Array, encoding: EncodingName, dtype: DType, n: number | number[], message: RegExp) => {
    const shape = typeof n === 'number' ? [n] : n;
    expect(() => decode(payload, encoding, dtype, shape)).toThrow(FormatError);
    expect(() => decode(payload, encoding, dtype, shape)).toThrow(message);
  };

  it('dense: wrong length', () => {
    refuse(new Uint8Array(7), 'dense', 'f32', 2, /^byte 4: needs 4 bytes, 3 left$/);
    refuse(new Uint8Array(9), 'dense', 'f32', 2, /^1 bytes after its last value$/);
  });

  it('bitmask: mask bits past the end, values missing or extra, stored zeros', () => {
    refuse(Uint8Array.of(0b1000_0001, 1, 2), 'bitmask', 'int8', 7, /mask bits set past the end/);
    refuse(Uint8Array.of(0b11, 1), 'bitmask', 'int8', 8, /^byte 2: needs 1 bytes, 0 left$/);
    refuse(Uint8Array.of(0b1, 5, 6), 'bitmask', 'int8', 8, /^1 bytes after its last value$/);
    refuse(Uint8Array.of(0b1, 0), 'bitmask', 'int8', 8, /stores a zero at element 0/);
    refuse(Uint8Array.of(), 'bitmask', 'int8', 8, /needs 1 bytes/);
  });

  it('csr: counts that do not fit, indices past the end, stored zeros', () => {
    refuse(Uint8Array.of(9, 0, 1), 'csr', 'int8', 8, /9 nonzeros do not fit/);
    refuse(Uint8Array.of(2, 3, 0xff, 1, 2), 'csr', 'int8', 8, /index .* past the end|varint/);
    refuse(Uint8Array.of(1, 8, 1), 'csr', 'int8', 8, /index 8 is past the end \(8\)/);
    refuse(Uint8Array.of(1, 0, 0), 'csr', 'int8', 8, /stores a zero at element 0/);
    refuse(Uint8Array.of(1, 0, 1, 1), 'csr', 'int8', 8, /^1 bytes after its last value$/);
  });

  it('entropy: streams cut short or with bytes left over', () => {
    const payload = encodeData(prunedInt8(new Rng(2), [200, 10], 0.8).q, [200, 10], 'entropy');
    expect(decode(payload, 'entropy', 'int8', [200, 10]).length).toBe(2000);
    for (const cut of [0, 3, payload.length - 1]) {
      refuse(payload.subarray(0, cut), 'entropy', 'int8', [200, 10], /ends before its last value/);
    }
    const longer = new Uint8Array(payload.length + 1);
    longer.set(payload);
    refuse(longer, 'entropy', 'int8', [200, 10], /1 bytes after its last value/);
  });

  it('entropy: a decoded value out of the dtype range', () => {
    const payload = encodeData(Int32Array.of(200), [1], 'entropy');
    refuse(payload, 'entropy', 'int8', 1, /200 at element 0 is out of int8 range/);
  });
});

describe('range coder', () => {
  it('decodes exactly what was encoded, for skewed and even bits in many contexts', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 100; t++) {
      const n = 1 + rng.int(5000);
      const p = rng.next() ** 3;
      const want = Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));
      const e = new RangeEncoder();
      const counts = new Uint32Array(64);
      want.forEach((b, i) => e.bit(counts, i % 32, b));
      const stream = e.finish();
      const d = rangeDecoder(stream, 0, stream.length);
      counts.fill(0);
      expect(want.map((_, i) => d.bit(counts, i % 32))).toEqual(want);
      expect(d.end()).toBe(stream.length);
    }
  });

  it('costs close to the entropy: 10,000 bits with P(1) = 0.2 take about 902 bytes', () => {
    const rng = new Rng(4);
    const e = new RangeEncoder();
    const counts = new Uint32Array(2);
    let ones = 0;
    for (let i = 0; i < 10000; i++) {
      const b = rng.next() < 0.2 ? 1 : 0;
      ones += b;
      e.bit(counts, 0, b);
    }
    const p = ones / 10000;
    const entropyBytes = (10000 * -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p))) / 8;
    expect(e.finish().length).toBeLessThan(entropyBytes + 12);
  });
});
