// FormatModel -> bytes (layout: spec.ts). The model is validated first, so nothing the reader would
// refuse is ever written; each constant tensor goes in the smallest of the allowed encodings.
// The same model always gives the same bytes. Files: model_file.ts (kept apart so this has no fs).
import { ByteWriter } from './byte_writer.js';
import { crc32 } from './bytes.js';
import { encodeSmallest, type EncodingName } from './encode.js';
import { validateModel } from './validate.js';
import type { DType, FormatModel, FormatOp, FormatTensor } from './model.js';
import {
  ACTIVATIONS, DTYPES, ENCODINGS, FLAG_CONSTANT, FLAG_NAMED, FLAG_PER_CHANNEL, FLAG_QUANT, FLAG_ZERO_POINTS_ZERO, HEADER, MAGIC, OPS, PADDINGS, VERSION,
} from './spec.js';

export interface WriteOptions {
  /** Encodings the writer may pick from for constant data; default all. ['dense'] stores no sparsity. */
  encodings?: readonly EncodingName[];
}

/** Where the bytes of one tensor went. */
export interface TensorSize {
  index: number;
  name: string;
  dtype: DType;
  shape: number[];
  /** Bytes of the whole record: dtype, flags, name, shape, quantization and data. */
  recordBytes: number;
  /** For constants: the encoding chosen, its payload bytes and the payload bytes of every candidate. */
  encoding?: EncodingName;
  payloadBytes?: number;
  candidates?: Partial<Record<EncodingName, number>>;
}

export interface SizeReport {
  totalBytes: number;
  /** The fixed header plus the counts and model input/output indices. */
  headerBytes: number;
  opBytes: number;
  tensors: TensorSize[];
}

/** The model file's bytes; throws FormatError if the model is not valid. */
export function writeModel(model: FormatModel, options: WriteOptions = {}): Uint8Array {
  return writeModelWithReport(model, options).bytes;
}

/** The bytes and where they went (per tensor, per encoding candidate): for size tables and `inspect`. */
export function writeModelWithReport(model: FormatModel, options: WriteOptions = {}): { bytes: Uint8Array; report: SizeReport } {
  validateModel(model);
  return writeUnchecked(model, options);
}

/** Writes without validating. Only for tests that need files the reader must refuse; use writeModel. */
export function writeUnchecked(model: FormatModel, options: WriteOptions = {}): { bytes: Uint8Array; report: SizeReport } {
  const w = new ByteWriter();
  const tensors: TensorSize[] = [];
  w.varint(model.tensors.length);
  model.tensors.forEach((t, index) => {
    const start = w.length;
    const size: TensorSize = { index, name: t.name, dtype: t.dtype, shape: t.shape.slice(), recordBytes: 0 };
    writeTensor(w, t, options, size);
    size.recordBytes = w.length - start;
    tensors.push(size);
  });
  const opsStart = w.length;
  w.varint(model.ops.length);
  for (const op of model.ops) writeOp(w, op);
  const opBytes = w.length - opsStart;
  w.varint(model.input);
  w.varint(model.output);
  const body = w.finish();

  const file = new Uint8Array(HEADER.size + body.length);
  const view = new DataView(file.buffer);
  file.set(MAGIC, HEADER.magic);
  file[HEADER.version] = VERSION;
  file[HEADER.flags] = 0;
  view.setUint32(HEADER.bodyLength, body.length, true);
  view.setUint32(HEADER.crc32, crc32(body), true);
  file.set(body, HEADER.size);

  const tensorBytes = tensors.reduce((a, t) => a + t.recordBytes, 0);
  return { bytes: file, report: { totalBytes: file.length, headerBytes: file.length - tensorBytes - opBytes, opBytes, tensors } };
}

function writeTensor(w: ByteWriter, t: FormatTensor, options: WriteOptions, size: TensorSize): void {
  const q = t.quant;
  const name = new TextEncoder().encode(t.name);
  const zeroPointsZero = q !== undefined && q.zeroPoint.every((z) => z === 0);
  let flags = 0;
  if (t.data !== undefined) flags |= FLAG_CONSTANT;
  if (q !== undefined) flags |= FLAG_QUANT;
  if (q?.axis !== undefined) flags |= FLAG_PER_CHANNEL;
  if (name.length > 0) flags |= FLAG_NAMED;
  if (zeroPointsZero) flags |= FLAG_ZERO_POINTS_ZERO;

  w.u8(DTYPES.indexOf(t.dtype));
  w.u8(flags);
  if (name.length > 0) {
    w.varint(name.length);
    w.bytes(name);
  }
  w.u8(t.shape.length);
  for (const d of t.shape) w.varint(d);
  if (q !== undefined) {
    if (q.axis !== undefined) w.u8(q.axis);
    for (const s of q.scale) w.f32(s);
    if (!zeroPointsZero) for (const z of q.zeroPoint) w.svarint(z);
  }
  if (t.data !== undefined) {
    const best = encodeSmallest(t.data, t.shape, options.encodings ?? ENCODINGS);
    w.u8(ENCODINGS.indexOf(best.encoding));
    w.varint(best.payload.length);
    w.bytes(best.payload);
    size.encoding = best.encoding;
    size.payloadBytes = best.payload.length;
    size.candidates = best.sizes;
  }
}

function writeOp(w: ByteWriter, op: FormatOp): void {
  w.u8(OPS.indexOf(op.op));
  w.varint(op.input);
  w.varint(op.output);
  if (op.op === 'conv2d') {
    w.varint(op.kernel);
    w.varint(op.bias === undefined ? 0 : op.bias + 1);
    w.varint(op.strides[0]);
    w.varint(op.strides[1]);
    w.u8(PADDINGS.indexOf(op.padding));
    w.u8(ACTIVATIONS.indexOf(op.activation));
  } else if (op.op === 'dense') {
    w.varint(op.kernel);
    w.varint(op.bias === undefined ? 0 : op.bias + 1);
    w.u8(ACTIVATIONS.indexOf(op.activation));
  } else if (op.op === 'maxpool2d') {
    for (const v of [...op.pool, ...op.strides]) w.varint(v);
    w.u8(PADDINGS.indexOf(op.padding));
  }
}
