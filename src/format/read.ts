// Bytes -> FormatModel. Everything is checked before anything large is allocated, in this order:
// header (magic, version, flags, length, CRC-32), every record against the bytes left, every code,
// then the whole model (validate.ts: shapes along the op chain, quantization, tensor roles), then the
// total decoded size against the file size; only then is constant data decoded (decode.ts, which
// checks sparse indices and stream ends), and finally its values. Any failure is a FormatError.
// This file and its imports are what the runtime bundles: they import nothing else.
import { ByteReader, crc32 } from './bytes.js';
import { decodeData } from './decode.js';
import { corrupt, FormatError } from './errors.js';
import { READER, validateData, validateStructure } from './validate.js';
import { elementCount } from './model.js';
import type { FormatModel, FormatOp, FormatTensor } from './model.js';
import {
  ACTIVATIONS, DECODE_BYTES_PER_FILE_BYTE, DECODE_SLACK_BYTES, DTYPE_BYTES, DTYPES, ENCODINGS, HEADER, MAGIC, OPS,
  PADDINGS, TENSOR_FLAG, TENSOR_FLAGS_KNOWN, VERSION,
} from './spec.js';

export interface ReadOptions {
  /** Names the model in error messages, e.g. 'model.tpy' (default 'model'). */
  name?: string;
}

/** Parses and validates a model file; throws FormatError saying what is wrong and what to do. */
export function readModel(file: Uint8Array | ArrayBuffer, options: ReadOptions = {}): FormatModel {
  const name = options.name ?? 'model';
  const bytes = file instanceof ArrayBuffer ? new Uint8Array(file) : file;
  if (!(bytes instanceof Uint8Array)) throw new FormatError('bad_magic', `${name}: pass the file's bytes (Uint8Array or ArrayBuffer)`);
  checkHeader(bytes, name);

  const r = new ByteReader(bytes, name, HEADER.size);
  const payloads: [encoding: number, start: number, end: number][] = [];
  const tensors: FormatTensor[] = [];
  // each record takes at least 3 bytes or throws, so a corrupt count cannot make these loop long
  for (let i = 0, n = r.varint(); i < n; i++) tensors.push(readTensor(r, i, payloads));
  const ops: FormatOp[] = [];
  for (let k = 0, n = r.varint(); k < n; k++) ops.push(readOp(r));
  const model: FormatModel = { tensors, ops, input: r.varint(), output: r.varint() };
  if (r.left() !== 0) throw corrupt(name, 'bad_record', `${r.left()} bytes follow the last field of the body`);

  const check = READER(name);
  validateStructure(model, check, (i) => payloads[i] !== undefined);
  let decodedBytes = 0;
  tensors.forEach((t, i) => {
    if (payloads[i]) decodedBytes += elementCount(t.shape) * DTYPE_BYTES[DTYPES.indexOf(t.dtype)];
  });
  const limit = DECODE_SLACK_BYTES + DECODE_BYTES_PER_FILE_BYTE * bytes.length;
  if (decodedBytes > limit) throw corrupt(name, 'too_large', `its constants decode to ${decodedBytes} bytes, more than a ${bytes.length}-byte file may (${limit})`);
  tensors.forEach((t, i) => {
    const p = payloads[i];
    if (p) t.data = decodeData(new ByteReader(bytes, name, p[1], p[2]), p[0], t.dtype, t.shape, `tensor ${i}`);
  });
  validateData(model, check);
  return model;
}

function checkHeader(file: Uint8Array, name: string): void {
  if (!MAGIC.every((m, i) => i >= file.length || file[i] === m)) {
    const start = Array.from(file.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FormatError('bad_magic', `${name}: not a topiary model (starts with ${start || 'nothing'}, a model starts with 'TPRY'); pass a file written by topiary`);
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const total = file.length < HEADER.size ? HEADER.size : HEADER.size + view.getUint32(HEADER.bodyLength, true);
  const version = file[HEADER.version];
  if (version > VERSION) {
    throw new FormatError('newer_version', `${name}: version ${version} is newer than this reader (reads <= ${VERSION}); upgrade topiary or re-export the model with this version`);
  }
  if (total > file.length) {
    throw new FormatError('truncated', `${name}: the file is ${file.length} bytes but its header says ${total}; it was truncated, copy or export it again`);
  }
  if (version === 0 || file[HEADER.flags] !== 0) throw corrupt(name, 'bad_version', `version ${version} with flags ${file[HEADER.flags]} is not valid`);
  if (total < file.length) throw new FormatError('bad_record', `${name}: ${file.length - total} bytes follow the model's ${total}; pass exactly one model's bytes`);
  const stored = view.getUint32(HEADER.crc32, true);
  const actual = crc32(file, HEADER.size);
  if (stored !== actual) {
    throw new FormatError('checksum', `${name}: checksum mismatch (stored ${stored}, computed ${actual}); the file changed after it was written, copy or export it again`);
  }
}

function code<T>(r: ByteReader, names: readonly T[], what: string): T {
  const c = r.u8();
  if (c >= names.length) {
    throw new FormatError('unknown_code', `${r.name}: ${what} code ${c} at byte ${r.pos - 1} is unknown to this reader (knows 0-${names.length - 1}); upgrade topiary or re-export the model`);
  }
  return names[c];
}

function readTensor(r: ByteReader, i: number, payloads: [number, number, number][]): FormatTensor {
  const dtype = code(r, DTYPES, 'dtype');
  const flags = r.u8();
  const has = (flag: number) => (flags & flag) !== 0;
  if (flags & ~TENSOR_FLAGS_KNOWN || (!has(TENSOR_FLAG.QUANT) && flags & (TENSOR_FLAG.PER_CHANNEL | TENSOR_FLAG.ZERO_POINTS_ZERO))) {
    throw corrupt(r.name, 'bad_record', `tensor ${i} has flags ${flags}, not a valid combination`);
  }
  let name = '';
  if (has(TENSOR_FLAG.NAMED)) {
    const length = r.varint();
    r.need(length);
    name = new TextDecoder().decode(r.bytes.subarray(r.pos, (r.pos += length)));
  }
  const shape: number[] = [];
  for (let d = r.u8(); d > 0; d--) shape.push(r.varint());
  const tensor: FormatTensor = { name, dtype, shape };

  if (has(TENSOR_FLAG.QUANT)) {
    const axis = has(TENSOR_FLAG.PER_CHANNEL) ? r.u8() : undefined;
    const n = axis === undefined ? 1 : (shape[axis] ?? 0);
    const zeroPointsZero = has(TENSOR_FLAG.ZERO_POINTS_ZERO);
    r.need(n * (zeroPointsZero ? 4 : 5));
    const scale = new Float32Array(n);
    const zeroPoint = new Int32Array(n);
    for (let c = 0; c < n; c++) scale[c] = r.f32();
    for (let c = 0; c < n && !zeroPointsZero; c++) zeroPoint[c] = r.svarint();
    tensor.quant = axis === undefined ? { scale, zeroPoint } : { scale, zeroPoint, axis };
  }
  if (has(TENSOR_FLAG.CONSTANT)) {
    const encoding = ENCODINGS.indexOf(code(r, ENCODINGS, 'encoding'));
    const length = r.varint();
    r.need(length);
    payloads[i] = [encoding, r.pos, (r.pos += length)];
  }
  return tensor;
}

function readOp(r: ByteReader): FormatOp {
  const op = code(r, OPS, 'op');
  const [input, output] = [r.varint(), r.varint()];
  if (op === 'conv2d' || op === 'dense') {
    const kernel = r.varint();
    const biasPlusOne = r.varint(); // 0: no bias
    const o: FormatOp = op === 'dense'
      ? { op, input, output, kernel, activation: code(r, ACTIVATIONS, 'activation') }
      : { op, input, output, kernel, strides: [r.varint(), r.varint()], padding: code(r, PADDINGS, 'padding'), activation: code(r, ACTIVATIONS, 'activation') };
    if (biasPlusOne > 0) o.bias = biasPlusOne - 1;
    return o;
  }
  if (op === 'maxpool2d') return { op, input, output, pool: [r.varint(), r.varint()], strides: [r.varint(), r.varint()], padding: code(r, PADDINGS, 'padding') };
  return { op, input, output };
}
