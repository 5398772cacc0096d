// Constant data: typed array -> payload bytes in each encoding, and the choice of the smallest.
// Twin: decode.ts; layouts in spec.ts.
import { ConfigError } from '../errors.js';
import { ByteWriter } from './byte_writer.js';
import { bitsView } from './decode.js';
import { RangeEncoder } from './range_encoder.js';
import { ENCODINGS, ENTROPY_CONTEXTS, ENTROPY_FLAG, ENTROPY_MAX_K, ENTROPY_SIGN, ENTROPY_SUFFIX, ENTROPY_UNARY } from './spec.js';
import type { TensorData } from './model.js';

export type EncodingName = (typeof ENCODINGS)[number];

/** `data` (laid out as `shape`) in `encoding`. */
export function encodeData(data: TensorData, shape: number[], encoding: EncodingName): Uint8Array {
  const bits = bitsView(data);
  const size = data instanceof Int8Array ? 1 : 4;
  const w = new ByteWriter();
  const value = (v: number) => (size === 1 ? w.u8(v & 0xff) : w.i32(v));
  if (encoding === 'dense') {
    for (let i = 0; i < bits.length; i++) value(bits[i]);
  } else if (encoding === 'bitmask') {
    const mask = new Uint8Array(Math.ceil(bits.length / 8));
    for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) mask[i >> 3] |= 1 << (i & 7);
    w.bytes(mask);
    for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) value(bits[i]);
  } else if (encoding === 'csr') {
    let nnz = 0;
    for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) nnz++;
    w.varint(nnz);
    for (let i = 0, prev = -1; i < bits.length; i++) {
      if (bits[i] !== 0) {
        w.varint(i - prev - 1);
        prev = i;
      }
    }
    for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) value(bits[i]);
  } else {
    return encodeEntropy(bits, data instanceof Float32Array, shape[shape.length - 1]);
  }
  return w.finish();
}

function encodeEntropy(bits: Int8Array | Int32Array, isF32: boolean, row: number): Uint8Array {
  const e = new RangeEncoder();
  const counts = new Uint32Array(2 * ENTROPY_CONTEXTS);
  for (let i = 0; i < bits.length; i++) {
    const v = bits[i];
    const ctx = ENTROPY_FLAG + (i > 0 && bits[i - 1] !== 0 ? 1 : 0) + (i >= row && bits[i - row] !== 0 ? 2 : 0);
    e.bit(counts, ctx, v !== 0 ? 1 : 0);
    if (v === 0) continue;
    e.bit(counts, ENTROPY_SIGN, v < 0 ? 1 : 0);
    const m1 = isF32 ? (v & 0x7fffffff) + 1 : Math.abs(v); // m + 1, in [1, 2^31]
    const k = 31 - Math.clz32(m1);
    for (let j = 0; j < k; j++) e.bit(counts, ENTROPY_UNARY + j, 1);
    if (k < ENTROPY_MAX_K) e.bit(counts, ENTROPY_UNARY + k, 0);
    for (let j = 0; j < k; j++) e.bit(counts, ENTROPY_SUFFIX + 32 * k + j, Math.floor(m1 / 2 ** (k - 1 - j)) % 2);
  }
  return e.finish();
}

export interface EncodedData {
  encoding: EncodingName;
  payload: Uint8Array;
  /** Payload bytes in every encoding tried, e.g. {dense: 20280, bitmask: 6591, csr: 8114, entropy: 5063}. */
  sizes: Partial<Record<EncodingName, number>>;
}

/** Encodes `data` in each of `allowed` and keeps the smallest (the earliest of equals). */
export function encodeSmallest(data: TensorData, shape: number[], allowed: readonly EncodingName[] = ENCODINGS): EncodedData {
  const unknown = allowed.filter((e) => !ENCODINGS.includes(e));
  if (allowed.length === 0 || unknown.length > 0) {
    throw new ConfigError('bad_encodings', `encodings [${allowed.join(', ')}] must be a non-empty list from ${ENCODINGS.join(', ')}`);
  }
  let best: EncodedData | undefined;
  const sizes: EncodedData['sizes'] = {};
  for (const encoding of ENCODINGS) {
    if (!allowed.includes(encoding)) continue;
    const payload = encodeData(data, shape, encoding);
    sizes[encoding] = payload.length;
    if (best === undefined || payload.length < best.payload.length) best = { encoding, payload, sizes };
  }
  return best!;
}
