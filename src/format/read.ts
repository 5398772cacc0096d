// Bytes -> FormatModel. Everything is checked before anything large is allocated, in this order:
// header (magic, version, flags, length, CRC-32), every record against the bytes left, every code,
// then the whole model (validate.ts: shapes along the op chain, quantization, tensor roles), then the
// total decoded size against the file size; only then is constant data decoded (decode.ts, which
// checks sparse indices and stream ends), and finally its values. Any failure is a FormatError.
// This file and its imports are what the runtime bundles: they import nothing else.
import { ByteReader, crc32 } from './bytes.js';
import { decodeData } from './decode.js';
import type { EncodingName } from './encode.js';
import { explain, fail, type FormatErrorCode } from './errors.js';
import { validateData, validateStructure } from './validate.js';
import { tensorBytes } from './model.js';
import type { FormatModel, FormatOp, FormatTensor } from './model.js';
import {
  ACTIVATIONS, DECODE_BYTES_PER_FILE_BYTE, DECODE_SLACK_BYTES, DTYPES, ENCODINGS, FLAG_CONSTANT, FLAG_NAMED, FLAG_PER_CHANNEL,
  FLAG_QUANT, FLAG_ZERO_POINTS_ZERO, HEADER_BODY_LENGTH, HEADER_FLAGS, HEADER_SIZE, HEADER_VERSION, MAGIC, OPS, PADDINGS, TENSOR_FLAGS_KNOWN, VERSION,
} from './spec.js';

export interface ReadOptions {
  /** Names the model in error messages, e.g. 'model.tpy' (default 'model'). */
  name?: string;
}

// What to do, by error code; anything else: re-export the model.
const UPGRADE = 'upgrade topiary or re-export the model', AGAIN = 'copy or export it again';
const FIX: Partial<Record<FormatErrorCode, string>> = {
  bad_magic: 'pass a file written by topiary',
  newer_version: UPGRADE,
  unknown_code: UPGRADE,
  truncated: `it was truncated, ${AGAIN}`,
  checksum: `the file changed after it was written, ${AGAIN}`,
};

/** Parses and validates a model file; throws FormatError saying what is wrong and what to do. */
export function readModel(file: Uint8Array | ArrayBuffer, options: ReadOptions = {}): FormatModel {
  return explain(() => read(file instanceof ArrayBuffer ? new Uint8Array(file) : file), options.name ?? 'model', (code) => FIX[code] ?? 're-export the model');
}

function read(bytes: Uint8Array): FormatModel {
  if (!(bytes instanceof Uint8Array) || MAGIC.some((m, i) => bytes[i] !== m && i < bytes.length)) {
    const start = bytes instanceof Uint8Array ? `starts with ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ') || 'nothing'}` : `a ${typeof bytes}, not bytes`;
    throw fail('bad_magic', `not a topiary model (${start}, a model starts with 'TPRY')`);
  }
  const r = new ByteReader(bytes, HEADER_BODY_LENGTH);
  const total = bytes.length < HEADER_SIZE ? HEADER_SIZE : HEADER_SIZE + (r.i32() >>> 0);
  const version = bytes[HEADER_VERSION];
  if (version > VERSION) throw fail('newer_version', `version ${version} is newer than this reader's ${VERSION}`);
  if (total !== bytes.length) throw fail(total > bytes.length ? 'truncated' : 'bad_record', `the file is ${bytes.length} bytes but its header says ${total}`);
  if (!version || bytes[HEADER_FLAGS]) throw fail('bad_version', `version ${version}, flags ${bytes[HEADER_FLAGS]}: not valid`);
  const stored = r.i32() >>> 0, computed = crc32(bytes, HEADER_SIZE);
  if (stored !== computed) throw fail('checksum', `checksum mismatch (stored ${stored}, computed ${computed})`);

  const payloads: Payload[] = [];
  const tensors: FormatTensor[] = [];
  const ops: FormatOp[] = [];
  // each record takes at least 3 bytes or throws, so a corrupt count cannot make these loop long
  for (let i = 0, n = r.varint(); i < n; i++) tensors.push(readTensor(r, i, payloads));
  for (let k = 0, n = r.varint(); k < n; k++) ops.push(readOp(r));
  const model: FormatModel = { tensors, ops, input: r.varint(), output: r.varint() };
  if (r.pos < bytes.length) throw fail('bad_record', `${bytes.length - r.pos} bytes after the last field`);

  validateStructure(model, (i) => !!payloads[i]);
  let decoded = 0;
  tensors.forEach((t, i) => (decoded += payloads[i] ? tensorBytes(t) : 0));
  const limit = DECODE_SLACK_BYTES + DECODE_BYTES_PER_FILE_BYTE * bytes.length;
  if (decoded > limit) throw fail('too_large', `constants decode to ${decoded} bytes, over its limit ${limit}`);
  tensors.forEach((t, i) => {
    const [encoding, start, end] = payloads[i] ?? [];
    if (end) t.data = explain(() => decodeData(new ByteReader(bytes, start, end), encoding, t.dtype, t.shape), `tensor ${i} (${encoding})`);
  });
  validateData(model);
  return model;
}

/** The name of code `r.u8()` in `names`. */
function code<T>(r: ByteReader, names: readonly T[], what: string): T {
  const c = r.u8();
  if (c >= names.length) throw fail('unknown_code', `${what} code ${c} at byte ${r.pos - 1} is not 0-${names.length - 1}`);
  return names[c];
}

/** Where a constant's data is: its encoding and its payload's bytes [start, end). */
type Payload = [encoding: EncodingName, start: number, end: number];

function readTensor(r: ByteReader, i: number, payloads: Payload[]): FormatTensor {
  const dtype = code(r, DTYPES, 'dtype');
  const flags = r.u8();
  if (flags & ~TENSOR_FLAGS_KNOWN || (!(flags & FLAG_QUANT) && flags & (FLAG_PER_CHANNEL | FLAG_ZERO_POINTS_ZERO))) throw fail('bad_record', `tensor ${i} has flags ${flags}`);
  let name = '';
  if (flags & FLAG_NAMED) {
    const n = r.varint();
    name = new TextDecoder().decode(r.bytes.subarray(r.take(n), r.pos));
  }
  const shape: number[] = [];
  for (let d = r.u8(); d > 0; d--) shape.push(r.varint());
  const tensor: FormatTensor = { name, dtype, shape };

  if (flags & FLAG_QUANT) {
    const axis = flags & FLAG_PER_CHANNEL ? r.u8() : undefined;
    const n = axis === undefined ? 1 : (shape[axis] ?? 0);
    const zeros = flags & FLAG_ZERO_POINTS_ZERO;
    r.need(n * (zeros ? 4 : 5)); // before allocating: 4 bytes a scale, 1 or more a zero point
    // the f32 scales, read as their int32 bits into a view of the same buffer (so no byte order is assumed)
    const scaleBits = new Int32Array(n), scale = new Float32Array(scaleBits.buffer);
    const zeroPoint = new Int32Array(n);
    for (let c = 0; c < n; c++) scaleBits[c] = r.i32();
    for (let c = 0; c < n && !zeros; c++) {
      const z = r.varint(); // zigzag: 0, -1, 1, -2, ... stored as 0, 1, 2, 3, ...
      zeroPoint[c] = (z >>> 1) ^ -(z & 1);
    }
    tensor.quant = axis === undefined ? { scale, zeroPoint } : { scale, zeroPoint, axis };
  }
  if (flags & FLAG_CONSTANT) {
    const encoding = code(r, ENCODINGS, 'encoding');
    const n = r.varint();
    payloads[i] = [encoding, r.take(n), r.pos];
  }
  return tensor;
}

function readOp(r: ByteReader): FormatOp {
  const op = code(r, OPS, 'op');
  const io = { input: r.varint(), output: r.varint() };
  const pair = (): [number, number] => [r.varint(), r.varint()];
  if (op === 'conv2d' || op === 'dense') {
    const kernel = r.varint();
    const bias = r.varint() - 1; // stored + 1: 0 is no bias
    const o: FormatOp = op === 'dense'
      ? { op, ...io, kernel, activation: code(r, ACTIVATIONS, 'activation') }
      : { op, ...io, kernel, strides: pair(), padding: code(r, PADDINGS, 'padding'), activation: code(r, ACTIVATIONS, 'activation') };
    if (bias >= 0) o.bias = bias;
    return o;
  }
  if (op === 'maxpool2d') return { op, ...io, pool: pair(), strides: pair(), padding: code(r, PADDINGS, 'padding') };
  return { op, ...io };
}
