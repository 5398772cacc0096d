// Bytes -> FormatModel. Everything is checked before anything large is allocated, in this order:
// header (magic, version, flags, length, CRC-32), every record against the bytes left, every code,
// then the whole model (validate.ts: shapes along the op chain, quantization, tensor roles), then the
// total decoded size against the file size; only then is constant data decoded (decode.ts, which
// checks sparse indices and stream ends), and finally its values. Any failure is a FormatError.
// This file and its imports are what the runtime bundles: they import nothing else.
import { ByteReader, crc32 } from './bytes.js';
import { decodeData } from './decode.js';
import { FormatError } from './errors.js';
import { READER, validateData, validateStructure } from './validate.js';
import { elementCount } from './model.js';
import type { Conv2DOp, DenseOp, FormatModel, FormatOp, FormatTensor, Quantization } from './model.js';
import {
  ACTIVATIONS, DECODE_BYTES_PER_FILE_BYTE, DECODE_SLACK_BYTES, DTYPE_BYTES, DTYPES, ENCODINGS, HEADER, MAGIC,
  MAX_RANK, OPS, PADDINGS, TENSOR_FLAG, TENSOR_FLAGS_KNOWN, VERSION,
} from './spec.js';

export interface ReadOptions {
  /** Names the model in error messages, e.g. 'model.tpy' (default 'model'). */
  name?: string;
}

interface Payload {
  encoding: number;
  start: number;
  end: number;
}

/** Parses and validates a model file; throws FormatError saying what is wrong and what to do. */
export function readModel(file: Uint8Array | ArrayBuffer, options: ReadOptions = {}): FormatModel {
  const name = options.name ?? 'model';
  if (file instanceof ArrayBuffer) file = new Uint8Array(file);
  if (!(file instanceof Uint8Array)) {
    throw new FormatError('bad_magic', `${name}: expected the model's bytes as a Uint8Array or ArrayBuffer, got ${typeof file}; read the file into bytes first`);
  }
  checkHeader(file, name);

  const r = new ByteReader(file, name, HEADER.size);
  const payloads: (Payload | undefined)[] = [];
  const tensors: FormatTensor[] = [];
  const tensorCount = count(r, 'tensor');
  for (let i = 0; i < tensorCount; i++) tensors.push(readTensor(r, i, payloads));
  const ops: FormatOp[] = [];
  const opCount = count(r, 'op');
  for (let k = 0; k < opCount; k++) ops.push(readOp(r, k));
  const model: FormatModel = { tensors, ops, input: r.varint('model input'), output: r.varint('model output') };
  if (r.left() !== 0) throw new FormatError('bad_record', `${name}: ${r.left()} bytes follow the last field of the body; the file is corrupt, re-export the model`);

  const check = READER(name);
  validateStructure(model, check, (i) => payloads[i] !== undefined);
  let decodedBytes = 0;
  tensors.forEach((t, i) => {
    if (payloads[i]) decodedBytes += elementCount(t.shape) * DTYPE_BYTES[DTYPES.indexOf(t.dtype)];
  });
  const limit = DECODE_SLACK_BYTES + DECODE_BYTES_PER_FILE_BYTE * file.length;
  if (decodedBytes > limit) {
    throw new FormatError('too_large', `${name}: its constants decode to ${decodedBytes} bytes, more than a ${file.length}-byte file may (${limit}); the file is corrupt, re-export the model`);
  }
  tensors.forEach((t, i) => {
    const p = payloads[i];
    if (p) t.data = decodeData(new ByteReader(file as Uint8Array, name, p.start, p.end), p.encoding, t.dtype, t.shape, `tensor ${i}`);
  });
  validateData(model, check);
  return model;
}

function checkHeader(file: Uint8Array, name: string): void {
  if (!MAGIC.every((m, i) => i >= file.length || file[i] === m)) {
    const start = Array.from(file.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FormatError('bad_magic', `${name}: not a topiary model (starts with ${start || 'nothing'}, a model starts with 'TPRY'); pass a file written by topiary`);
  }
  if (file.length < HEADER.size) {
    throw new FormatError('truncated', `${name}: the file is ${file.length} bytes, shorter than the ${HEADER.size}-byte header; it was truncated, copy or export it again`);
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = file[HEADER.version];
  if (version > VERSION) {
    throw new FormatError('newer_version', `${name}: version ${version} is newer than this reader (reads <= ${VERSION}); upgrade topiary or re-export the model with this version`);
  }
  if (version === 0 || file[HEADER.flags] !== 0) {
    throw new FormatError('bad_version', `${name}: version ${version} with flags ${file[HEADER.flags]} is not valid (versions 1-${VERSION}, flags 0); the file is corrupt, re-export the model`);
  }
  const total = HEADER.size + view.getUint32(HEADER.bodyLength, true);
  if (total > file.length) {
    throw new FormatError('truncated', `${name}: the file is ${file.length} bytes but its header says ${total}; it was truncated, copy or export it again`);
  }
  if (total < file.length) {
    throw new FormatError('bad_record', `${name}: ${file.length - total} bytes follow the model's ${total}; pass exactly one model's bytes`);
  }
  const stored = view.getUint32(HEADER.crc32, true);
  const actual = crc32(file, HEADER.size);
  if (stored !== actual) {
    throw new FormatError('checksum', `${name}: checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}); the file changed after it was written, copy or export it again`);
  }
}

/** A count of records that each take at least 3 bytes, so a corrupt count cannot make us loop long. */
function count(r: ByteReader, what: string): number {
  const n = r.varint(`${what} count`);
  if (n === 0 || 3 * n > r.left()) {
    throw new FormatError('bad_record', `${r.name}: ${n} ${what}s cannot fit in the ${r.left()} bytes left at offset ${r.pos}; the file is corrupt, re-export the model`);
  }
  return n;
}

function code<T>(r: ByteReader, names: readonly T[], what: string): T {
  const c = r.u8(what);
  if (c >= names.length) {
    throw new FormatError('unknown_code', `${r.name}: ${what} code ${c} is unknown to this reader (knows 0-${names.length - 1}); upgrade topiary or re-export the model`);
  }
  return names[c];
}

function readTensor(r: ByteReader, i: number, payloads: (Payload | undefined)[]): FormatTensor {
  const at = `tensor ${i}`;
  const dtype = code(r, DTYPES, `${at} dtype`);
  const flags = r.u8(`${at} flags`);
  const has = (flag: number) => (flags & flag) !== 0;
  if ((flags & ~TENSOR_FLAGS_KNOWN) !== 0 || (!has(TENSOR_FLAG.QUANT) && (has(TENSOR_FLAG.PER_CHANNEL) || has(TENSOR_FLAG.ZERO_POINTS_ZERO)))) {
    throw new FormatError('bad_record', `${r.name}: ${at} has flags ${flags}, not a valid combination; the file is corrupt, re-export the model`);
  }
  let name = '';
  if (has(TENSOR_FLAG.NAMED)) {
    const length = r.varint(`${at} name length`);
    r.need(length, `${at} name`);
    name = new TextDecoder().decode(r.bytes.subarray(r.pos, r.pos + length));
    r.pos += length;
  }
  const rank = r.u8(`${at} rank`);
  if (rank < 1 || rank > MAX_RANK) throw new FormatError('bad_tensor', `${r.name}: ${at} has rank ${rank}, must be 1-${MAX_RANK}; the file is corrupt, re-export the model`);
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(r.varint(`${at} dim ${d}`));
  const tensor: FormatTensor = { name, dtype, shape };

  if (has(TENSOR_FLAG.QUANT)) {
    const axis = has(TENSOR_FLAG.PER_CHANNEL) ? r.u8(`${at} quantization axis`) : undefined;
    if (axis !== undefined && axis >= rank) throw new FormatError('bad_quant', `${r.name}: ${at} is quantized per channel on axis ${axis} but has rank ${rank}; the file is corrupt, re-export the model`);
    const n = axis === undefined ? 1 : shape[axis];
    const zeroPointsZero = has(TENSOR_FLAG.ZERO_POINTS_ZERO);
    r.need(n * (zeroPointsZero ? 4 : 5), `${at}'s ${n} scales and zero points`);
    const quant: Quantization = { scale: new Float32Array(n), zeroPoint: new Int32Array(n) };
    for (let c = 0; c < n; c++) quant.scale[c] = r.f32(`${at} scale`);
    if (!zeroPointsZero) for (let c = 0; c < n; c++) quant.zeroPoint[c] = r.svarint(`${at} zero point`);
    if (axis !== undefined) quant.axis = axis;
    tensor.quant = quant;
  }
  if (has(TENSOR_FLAG.CONSTANT)) {
    const encoding = ENCODINGS.indexOf(code(r, ENCODINGS, `${at} encoding`));
    const length = r.varint(`${at} data length`);
    r.need(length, `${at} data`);
    payloads[i] = { encoding, start: r.pos, end: r.pos + length };
    r.pos += length;
  }
  return tensor;
}

function readOp(r: ByteReader, k: number): FormatOp {
  const at = `op ${k}`;
  const op = code(r, OPS, `${at} op`);
  const input = r.varint(`${at} input`);
  const output = r.varint(`${at} output`);
  const v = (what: string) => r.varint(`${at} ${what}`);
  if (op === 'conv2d') {
    const kernel = v('kernel');
    const bias = v('bias');
    const strides: [number, number] = [v('strideH'), v('strideW')];
    const padding = code(r, PADDINGS, `${at} padding`);
    const conv: Conv2DOp = { op, input, output, kernel, strides, padding, activation: code(r, ACTIVATIONS, `${at} activation`) };
    return withBias(conv, bias);
  }
  if (op === 'dense') {
    const kernel = v('kernel');
    const bias = v('bias');
    const dense: DenseOp = { op, input, output, kernel, activation: code(r, ACTIVATIONS, `${at} activation`) };
    return withBias(dense, bias);
  }
  if (op === 'maxpool2d') {
    const pool: [number, number] = [v('poolH'), v('poolW')];
    const strides: [number, number] = [v('strideH'), v('strideW')];
    return { op, input, output, pool, strides, padding: code(r, PADDINGS, `${at} padding`) };
  }
  return { op, input, output };
}

/** `biasPlusOne` is 0 for no bias, else the bias tensor index + 1. */
function withBias<T extends { bias?: number }>(op: T, biasPlusOne: number): T {
  if (biasPlusOne > 0) op.bias = biasPlusOne - 1;
  return op;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}
