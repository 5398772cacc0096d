// What `topiary inspect` reports about a model file: ops, tensors (encoding, bytes, sparsity,
// quantization), total raw and gzip bytes. The reader returns the model, not how it was stored, so the
// per-tensor bytes come from writing the model again: the writer is deterministic, and the report is
// used only when its bytes equal the file's (tried with every encoding, then dense only, as
// `convert --sparse never` writes). A file from another writer gets no per-tensor bytes.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { elementCount, FormatError, opPrecision, readModel, writeModelWithReport, type FormatModel, type FormatOp, type Precision, type SizeReport } from '../format/index.js';
import { HEADER } from '../format/spec.js';
import type { EncodingName } from '../format/encode.js';

export interface QuantSummary {
  /** 'per-tensor', or per channel along `axis`. */
  granularity: 'per-tensor' | 'per-channel';
  axis?: number;
  /** One scale, or the smallest and largest of the channels' (all of them in --json). */
  scale: number | { count: number; min: number; max: number; values: number[] };
  zeroPoint: number | { min: number; max: number };
}

export interface TensorInfo {
  index: number;
  /** The stored name, else one from the op that uses it: 'conv2d/kernel', 'dense_1/bias', 'maxpool2d' (an activation). */
  label: string;
  role: 'input' | 'output' | 'activation' | 'kernel' | 'bias';
  dtype: string;
  shape: number[];
  elements: number;
  quant?: QuantSummary;
  /** Constants only. */
  encoding?: EncodingName;
  payloadBytes?: number;
  recordBytes?: number;
  /** Constants: values that are not exactly zero, and the fraction that are. */
  nonzeros?: number;
  sparsity?: number;
}

export interface OpInfo {
  index: number;
  op: string;
  label: string;
  precision: Precision;
  input: number[];
  output: number[];
  /** e.g. 'kernel 3x3, stride 1x1, valid, relu'. */
  details: string;
}

export interface InspectReport {
  file: string;
  version: number;
  bytes: number;
  gzipBytes: number;
  /** Bytes of the header, counts and ops, when the per-tensor bytes are known. */
  headerBytes?: number;
  opBytes?: number;
  /** Per-tensor bytes and encodings are known (the file was written by this writer). */
  sizesKnown: boolean;
  input: { dtype: string; shape: number[] };
  output: { dtype: string; shape: number[] };
  ops: OpInfo[];
  tensors: TensorInfo[];
  weights: { elements: number; nonzeros: number; sparsity: number };
}

/** A model file's bytes; a missing or unreadable file is a FormatError naming it. */
export function readModelBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? (e as Error).message})`;
    throw new FormatError('unreadable', `${path} ${why}; pass a model file written by topiary convert`);
  }
}

export function inspectModel(bytes: Uint8Array, file: string): InspectReport {
  const model = readModel(bytes, { name: file });
  const sizes = reproduce(model, bytes);
  const labels = opLabels(model.ops);
  const tensors: TensorInfo[] = model.tensors.map((t, index) => {
    const info: TensorInfo = { index, label: t.name || tensorLabel(model, index, labels), role: roleOf(model, index), dtype: t.dtype, shape: t.shape.slice(), elements: elementCount(t.shape) };
    if (t.quant) info.quant = summarise(t.quant);
    if (t.data) {
      let zeros = 0;
      for (let i = 0; i < t.data.length; i++) if (t.data[i] === 0) zeros++;
      info.nonzeros = t.data.length - zeros;
      info.sparsity = t.data.length === 0 ? 0 : zeros / t.data.length;
    }
    const s = sizes?.tensors[index];
    if (s) {
      info.recordBytes = s.recordBytes;
      if (s.encoding) Object.assign(info, { encoding: s.encoding, payloadBytes: s.payloadBytes });
    }
    return info;
  });
  const kernels = tensors.filter((t) => t.role === 'kernel');
  const elements = kernels.reduce((a, t) => a + t.elements, 0);
  const nonzeros = kernels.reduce((a, t) => a + (t.nonzeros ?? 0), 0);
  return {
    file,
    version: bytes[HEADER.version],
    bytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    ...(sizes ? { headerBytes: sizes.headerBytes, opBytes: sizes.opBytes } : {}),
    sizesKnown: sizes !== undefined,
    input: { dtype: model.tensors[model.input].dtype, shape: model.tensors[model.input].shape.slice() },
    output: { dtype: model.tensors[model.output].dtype, shape: model.tensors[model.output].shape.slice() },
    ops: model.ops.map((op, index) => ({
      index,
      op: op.op,
      label: labels[index],
      precision: opPrecision(model, op),
      input: model.tensors[op.input].shape.slice(),
      output: model.tensors[op.output].shape.slice(),
      details: opDetails(model, op),
    })),
    tensors,
    weights: { elements, nonzeros, sparsity: elements === 0 ? 0 : 1 - nonzeros / elements },
  };
}

export function formatInspect(r: InspectReport): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const shape = (s: number[]) => `[${s.join(',')}]`;
  const table = (rows: string[][], right: number[]) => {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
    return rows.map((row) => `  ${row.map((cell, c) => (right.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ')}`.trimEnd());
  };
  const constants = r.tensors.filter((t) => t.role === 'kernel' || t.role === 'bias');
  const flowing = r.tensors.filter((t) => t.role !== 'kernel' && t.role !== 'bias');
  return [
    `${r.file}: topiary model, format version ${r.version}, ${n(r.bytes)} bytes (${n(r.gzipBytes)} gzipped)`,
    `input ${r.input.dtype} ${shape(r.input.shape)} -> output ${r.output.dtype} ${shape(r.output.shape)}; kernels ${n(r.weights.nonzeros)} of ${n(r.weights.elements)} weights nonzero (${pct(r.weights.sparsity)} sparse)`,
    '',
    `ops (${r.ops.length})`,
    ...table([['#', 'op', 'precision', 'input', 'output', 'details'], ...r.ops.map((o) => [String(o.index), o.label, o.precision, shape(o.input), shape(o.output), o.details])], [0]),
    '',
    `weights and biases (${constants.length})`,
    ...table([
      ['tensor', 'dtype', 'shape', 'encoding', 'payload', 'record', 'zeros', 'quantization'],
      ...constants.map((t) => [t.label, t.dtype, shape(t.shape), t.encoding ?? '?', t.payloadBytes === undefined ? '?' : n(t.payloadBytes), t.recordBytes === undefined ? '?' : n(t.recordBytes), pct(t.sparsity ?? 0), quantText(t.quant)]),
    ], [4, 5, 6]),
    '',
    `activations (${flowing.length})`,
    ...table([['tensor', 'dtype', 'shape', 'quantization'], ...flowing.map((t) => [t.label, t.dtype, shape(t.shape), quantText(t.quant)])], []),
    '',
    r.sizesKnown
      ? `bytes: ${n(constants.reduce((a, t) => a + (t.recordBytes ?? 0), 0))} weights and biases, ${n(flowing.reduce((a, t) => a + (t.recordBytes ?? 0), 0))} activations, ${n((r.headerBytes ?? 0) + (r.opBytes ?? 0))} header and ops`
      : 'bytes per tensor: unknown (the file was not written by this version of topiary, so its encodings cannot be reproduced)',
    '',
  ].join('\n');
}

function reproduce(model: FormatModel, bytes: Uint8Array): SizeReport | undefined {
  for (const encodings of [undefined, ['dense'] as const]) {
    const again = writeModelWithReport(model, { encodings });
    if (again.bytes.length === bytes.length && again.bytes.every((b, i) => b === bytes[i])) return again.report;
  }
  return undefined;
}

/** 'conv2d', 'conv2d_1', ... as the engine names layers. */
function opLabels(ops: FormatOp[]): string[] {
  const seen = new Map<string, number>();
  return ops.map((o) => {
    const k = seen.get(o.op) ?? 0;
    seen.set(o.op, k + 1);
    return k === 0 ? o.op : `${o.op}_${k}`;
  });
}

function tensorLabel(model: FormatModel, index: number, labels: string[]): string {
  if (index === model.input) return 'input';
  for (const [k, op] of model.ops.entries()) {
    if ((op.op === 'conv2d' || op.op === 'dense') && op.kernel === index) return `${labels[k]}/kernel`;
    if ((op.op === 'conv2d' || op.op === 'dense') && op.bias === index) return `${labels[k]}/bias`;
    if (op.output === index) return labels[k];
  }
  return `tensor ${index}`;
}

function roleOf(model: FormatModel, index: number): TensorInfo['role'] {
  if (index === model.input) return 'input';
  if (index === model.output) return 'output';
  for (const op of model.ops) {
    if ((op.op === 'conv2d' || op.op === 'dense') && op.kernel === index) return 'kernel';
    if ((op.op === 'conv2d' || op.op === 'dense') && op.bias === index) return 'bias';
  }
  return 'activation';
}

function opDetails(model: FormatModel, op: FormatOp): string {
  const x = (v: [number, number]) => `${v[0]}x${v[1]}`;
  switch (op.op) {
    case 'conv2d': {
      const k = model.tensors[op.kernel].shape;
      return `kernel ${k[0]}x${k[1]}, stride ${x(op.strides)}, ${op.padding}${op.activation === 'none' ? '' : `, ${op.activation}`}${op.bias === undefined ? ', no bias' : ''}`;
    }
    case 'dense':
      return `${op.activation === 'none' ? 'linear' : op.activation}${op.bias === undefined ? ', no bias' : ''}`;
    case 'maxpool2d':
      return `pool ${x(op.pool)}, stride ${x(op.strides)}, ${op.padding}`;
    default:
      return '';
  }
}

function summarise(q: { scale: Float32Array; zeroPoint: Int32Array; axis?: number }): QuantSummary {
  if (q.axis === undefined) return { granularity: 'per-tensor', scale: q.scale[0], zeroPoint: q.zeroPoint[0] };
  const scales = Array.from(q.scale);
  const zps = Array.from(q.zeroPoint);
  return {
    granularity: 'per-channel',
    axis: q.axis,
    scale: { count: scales.length, min: Math.min(...scales), max: Math.max(...scales), values: scales },
    zeroPoint: { min: Math.min(...zps), max: Math.max(...zps) },
  };
}

function quantText(q: QuantSummary | undefined): string {
  if (!q) return '';
  const s = (v: number) => v.toPrecision(3);
  if (typeof q.scale === 'number') return `scale ${s(q.scale)}, zero point ${q.zeroPoint as number}`;
  const z = q.zeroPoint as { min: number; max: number };
  return `axis ${q.axis}: ${q.scale.count} scales ${s(q.scale.min)}..${s(q.scale.max)}, zero point ${z.min === z.max ? z.min : `${z.min}..${z.max}`}`;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
