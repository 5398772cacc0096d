// Constant data: payload bytes -> typed array, one branch per encoding (layouts in spec.ts).
// The caller has checked the element count against the limits and the encoding code; every decoder
// reads only inside [pos, end), uses every byte of it, and refuses indices out of range and stored
// zeros. Errors say what is wrong with the payload; the caller names the tensor.
// Twin: encode.ts. Tests: test/format/encodings.test.ts.
import type { ByteReader } from './bytes.js';
import type { EncodingName } from './encode.js';
import { fail } from './errors.js';
import { elementCount, type DType, type TensorData } from './model.js';
import { rangeDecoder } from './range_decoder.js';
import { ENTROPY_CONTEXTS, ENTROPY_FLAG, ENTROPY_MAX_K, ENTROPY_SIGN, ENTROPY_SUFFIX, ENTROPY_UNARY } from './spec.js';

/** An integer view of `data`: f32 elements as their int32 bit patterns, so zero means +0 exactly. */
export function bitsView(data: TensorData): Int8Array | Int32Array {
  return data instanceof Float32Array ? new Int32Array(data.buffer, data.byteOffset, data.length) : data;
}

// One set of context counts, reused by every tensor, so a file of many tiny tensors cannot make
// the reader allocate 8 KB per tensor.
let contextCounts: Uint32Array | undefined;

/** Decodes `r.bytes[r.pos, r.end)` as the elements of a `dtype` tensor of `shape` (row-major). */
export function decodeData(r: ByteReader, name: EncodingName, dtype: DType, shape: number[]): TensorData {
  const n = elementCount(shape);
  // decoded as integers: f32 elements as their int32 bit patterns (bitsView), so zero means +0 exactly
  const bits = dtype === 'int8' ? new Int8Array(n) : new Int32Array(n);
  const bad = (why: string) => fail('bad_data', why);
  // the next stored value, for element i (reads past the payload are bad_record, as every read); an
  // int8 byte wraps to [-128, 127] as the Int8Array stores it
  const value = (i: number) => {
    bits[i] = dtype === 'int8' ? r.u8() : r.i32();
    if (name !== 'dense' && !bits[i]) throw bad(`stores a zero at element ${i}`);
  };

  if (name === 'dense') {
    for (let i = 0; i < n; i++) value(i);
  } else if (name === 'bitmask') {
    const mask = r.take(Math.ceil(n / 8));
    if (r.bytes[r.pos - 1] >> (n - 8 * (r.pos - mask - 1))) throw bad('mask bits set past the end');
    for (let i = 0; i < n; i++) if ((r.bytes[mask + (i >> 3)] >> (i & 7)) & 1) value(i);
  } else if (name === 'csr') {
    const nnz = r.varint();
    if (nnz > n || nnz * (dtype === 'int8' ? 2 : 5) > r.end - r.pos) throw bad(`${nnz} nonzeros do not fit`); // before allocating
    const index = new Uint32Array(nnz);
    for (let j = 0, i = -1; j < nnz; j++) {
      i += 1 + r.varint();
      if (i >= n) throw bad(`index ${i} is past the end (${n})`);
      index[j] = i;
    }
    index.forEach(value);
  } else {
    decodeEntropy(r, bits, dtype, shape.at(-1)!);
  }
  if (r.pos < r.end) throw bad(`${r.end - r.pos} bytes after its last value`);
  return dtype === 'f32' ? new Float32Array(bits.buffer) : bits;
}

/** The entropy encoding (spec.ts ENTROPY_*): nonzero flags in context, then sign + Exp-Golomb. */
function decodeEntropy(r: ByteReader, bits: Int8Array | Int32Array, dtype: DType, row: number): void {
  const d = rangeDecoder(r.bytes, r.pos, r.end);
  const counts = (contextCounts ??= new Uint32Array(2 * ENTROPY_CONTEXTS)).fill(0);
  const max = dtype === 'int8' ? 127 : 2 ** 31 - 1;
  for (let i = 0; i < bits.length; i++) {
    if (!d.bit(counts, ENTROPY_FLAG + (i > 0 && bits[i - 1] ? 1 : 0) + (i >= row && bits[i - row] ? 2 : 0))) continue;
    const negative = d.bit(counts, ENTROPY_SIGN);
    let k = 0;
    while (k < ENTROPY_MAX_K && d.bit(counts, ENTROPY_UNARY + k)) k++;
    let m1 = 1; // m + 1, built from its top bit down
    for (let j = 0; j < k; j++) m1 = 2 * m1 + d.bit(counts, ENTROPY_SUFFIX + 32 * k + j);
    if (dtype === 'f32') {
      // m is the low 31 bits, the sign bit 31; +0 is not a nonzero
      if (!(bits[i] = negative ? (m1 - 1) | (1 << 31) : m1 - 1)) throw fail('bad_data', `codes +0 as nonzero at element ${i}`);
    } else {
      if (m1 > max + negative) throw fail('bad_data', `${negative ? -m1 : m1} at element ${i} is out of ${dtype} range`);
      bits[i] = negative ? -m1 : m1;
    }
  }
  r.pos = d.end(); // bytes after it: refused by the caller
}
