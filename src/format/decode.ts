// Constant data: payload bytes -> typed array, one function per encoding (layouts in spec.ts).
// The caller has checked the element count against the limits and the encoding code; every decoder
// reads only inside [start, end), uses every byte of it, and refuses indices out of range and
// stored zeros.
// Twin: encode.ts. Tests: test/format/encodings.test.ts.
import { ByteReader } from './bytes.js';
import { corrupt, type FormatError } from './errors.js';
import { RangeDecoder } from './range_decoder.js';
import { ENCODINGS, ENTROPY } from './spec.js';
import type { DType, TensorData } from './model.js';

/** A new zeroed array for `n` elements of `dtype`. */
export function allocate(dtype: DType, n: number): TensorData {
  return dtype === 'f32' ? new Float32Array(n) : dtype === 'int8' ? new Int8Array(n) : new Int32Array(n);
}

/** An integer view of `data`: f32 elements as their int32 bit patterns, so zero means +0 exactly. */
export function bitsView(data: TensorData): Int8Array | Int32Array {
  return data instanceof Float32Array ? new Int32Array(data.buffer, data.byteOffset, data.length) : data;
}

/** Decodes `r.bytes[r.pos, r.end)` as `n` elements of `dtype` laid out as `shape` (row-major);
 * `what` (e.g. 'tensor 8') names it in errors. */
export function decodeData(r: ByteReader, encoding: number, dtype: DType, shape: number[], what: string): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = allocate(dtype, n);
  const bits = bitsView(data);
  const size = dtype === 'int8' ? 1 : 4;
  const name = ENCODINGS[encoding];
  const fail = (why: string) => corrupt(r.name, 'bad_data', `${what} (${name}) ${why}`);
  const values = (count: number) => {
    if (r.left() !== count * size) throw fail(`has ${r.left()} value bytes for ${count} values`);
  };
  const value = (i: number) => {
    const v = size === 1 ? (r.u8() << 24) >> 24 : r.i32();
    if (v === 0) throw fail(`stores a zero at element ${i}`);
    bits[i] = v;
  };

  if (name === 'dense') {
    values(n);
    for (let i = 0; i < n; i++) bits[i] = size === 1 ? (r.u8() << 24) >> 24 : r.i32();
  } else if (name === 'bitmask') {
    const mask = r.pos;
    const maskBytes = Math.ceil(n / 8);
    r.need(maskBytes);
    const isSet = (i: number) => (r.bytes[mask + (i >> 3)] >> (i & 7)) & 1;
    let nnz = 0;
    for (let i = 0; i < n; i++) nnz += isSet(i);
    if (r.bytes[mask + maskBytes - 1] >> (n - 8 * (maskBytes - 1)) !== 0) throw fail('sets mask bits past the last element');
    r.pos += maskBytes;
    values(nnz);
    for (let i = 0; i < n; i++) if (isSet(i)) value(i);
  } else if (name === 'csr') {
    const nnz = r.varint();
    if (nnz > n || nnz * (1 + size) > r.left()) throw fail(`claims ${nnz} nonzero elements, more than fit`);
    const index = new Uint32Array(nnz);
    for (let j = 0, i = -1; j < nnz; j++) {
      i += 1 + r.varint();
      if (i >= n) throw fail(`has index ${i}, past the last element ${n - 1}`);
      index[j] = i;
    }
    values(nnz);
    for (const i of index) value(i);
  } else {
    decodeEntropy(r, bits, dtype, shape[shape.length - 1], fail);
  }
  return data;
}

// One set of context counts, reused by every tensor, so a file of many tiny tensors cannot make
// the reader allocate 8 KB per tensor.
let contextCounts: Uint32Array | undefined;

/** The entropy encoding (spec.ts ENTROPY): nonzero flags in context, then sign + Exp-Golomb. */
function decodeEntropy(r: ByteReader, bits: Int8Array | Int32Array, dtype: DType, row: number, fail: (why: string) => FormatError): void {
  const d = new RangeDecoder(r.bytes, r.pos, r.end, fail);
  const counts = (contextCounts ??= new Uint32Array(2 * ENTROPY.CONTEXTS)).fill(0);
  for (let i = 0; i < bits.length; i++) {
    const ctx = ENTROPY.FLAG + (i > 0 && bits[i - 1] !== 0 ? 1 : 0) + (i >= row && bits[i - row] !== 0 ? 2 : 0);
    if (d.bit(counts, ctx) === 0) continue;
    const negative = d.bit(counts, ENTROPY.SIGN);
    let k = 0;
    while (k < ENTROPY.MAX_K && d.bit(counts, ENTROPY.UNARY + k) === 1) k++;
    let m1 = 1; // m + 1, built from its top bit down
    for (let j = 0; j < k; j++) m1 = 2 * m1 + d.bit(counts, ENTROPY.SUFFIX + 32 * k + j);
    let v: number;
    if (dtype === 'f32') {
      v = negative ? (m1 - 1) | 0x80000000 : m1 - 1;
      if (v === 0) throw fail(`codes +0 as nonzero at element ${i}`);
    } else {
      v = negative ? -m1 : m1;
      const max = dtype === 'int8' ? 127 : 0x7fffffff;
      if (v > max || v < -max - 1) throw fail(`decodes ${v}, out of ${dtype} range, at element ${i}`);
    }
    bits[i] = v;
  }
  d.finish();
  r.pos = r.end;
}
