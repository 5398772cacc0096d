// THE resolver: from (precision, op, sparse) to the kernel that runs it, with its prepare (pack the
// weights with src/runtime/packing, precompute multipliers, write params blocks into the arena) and
// the call the interpreter makes per batch. No branching inside kernels: each row is one WASM export.
// The rows come in families, one module each: resolver_f32.ts (f32 and dynamic range) and
// resolver_qs8.ts (int8); an entry point's table holds the families it runs (topiary/runtime both,
// topiary/runtime/int8 and /f32 one), so a bundle of one entry holds only its family's packers.
// Reshape and flatten have no row: NHWC row-major bytes already are in the new shape's order, so the
// interpreter aliases their buffers.
//
// Precision (opPrecision in src/format/model.ts): 'f32'; 'int8' (TFLite's int8 spec); 'dynamic'
// (int8 weights, f32 activations), which takes the f32 rows: its weights are dequantized at
// prepare, so a dynamic-range model computes what its float model with fake-quantized weights does.
// Fused rows ('conv2d_maxpool2d') take a conv and the max pool that alone reads its output.
import type { Conv2DOp, FormatModel, FormatOp, FormatTensor, MaxPool2DOp, TensorData } from '../format/model.js';
import { convOutputSize, opPrecision } from '../format/model.js';
import type { Arena } from './arena.js';
import { RuntimeError } from './errors.js';
import type { F32Exports } from './kernels_f32.js';
import type { Qs8Exports } from './kernels_qs8.js';
import type { Conv2dGeometry as Qs8Conv, Pool2dGeometry as Qs8Pool } from './reference/qs8_types.js';

export type KernelExports = F32Exports & Qs8Exports;

/** A prepared op: the scratch one call needs for `batch` samples (none if absent), and the call (byte offsets in). */
export interface Step {
  scratch?(batch: number): number;
  call(x: number, y: number, scratch: number, batch: number): void;
}

/** What a row's prepare reads: the op (for fused rows a conv, with the max pool after it) and its tensors. */
export interface Context {
  op: FormatOp;
  /** Fused rows: the max pool's geometry over the conv's output. */
  pool?: PoolGeometry;
  input: FormatTensor;
  /** The output of the op, or of the fused pool. */
  output: FormatTensor;
  /** conv2d and dense: the kernel, and the bias's data if there is one (other ops: their input, unused). */
  weights: FormatTensor;
  bias?: TensorData;
  kernels: KernelExports;
  arena: Arena;
  /** f32 sparse conv: write the output batch-minor ('minor') for the sparse dense that reads it. */
  minorOut?: boolean;
  /** f32 sparse dense: the input is batch-minor (written so by the sparse conv before it). */
  minorIn?: boolean;
}

export interface Row {
  /** The WASM export it calls, e.g. 'qs8_spconv2d_maxpool2d'. */
  kernel: string;
  /** Sparse rows: chosen under {sparse: 'auto'} when at least this share of the weights is zero. */
  minSparsity?: number;
  /** Rows with limits beyond the format's rules (fused pools): whether this op fits. */
  fits?(ctx: Context): boolean;
  /** Rows that can write batch-minor (f32 sparse convs): whether they do for output tensor t under `mode`. */
  minor?(model: FormatModel, t: number, mode: string): boolean;
  prepare(ctx: Context): Step;
}

/** One family's rows: op -> [dense row, sparse row]. */
export type Family = Readonly<Record<string, (Row | undefined)[]>>;

/**
 * What an entry point runs: its families, 'f32' (f32 and dynamic-range ops) and 'int8', and for an
 * entry that leaves a family out, what to say to a model that needs it (which entry to import instead).
 */
export interface Table {
  f32?: Family;
  int8?: Family;
  instead?: string;
}

/**
 * Prepares op k with the first row that takes it: sparse before dense (a sparse row only when the
 * weights are sparse enough, or always/never as asked), fused with the max pool after a conv that
 * alone reads the conv's output before unfused. `last` is k, or k + 1 when the pool was fused.
 * `minorIn`: op k's input was written batch-minor; `minor`: op k's output is (an f32 sparse conv
 * whose output goes, through reshapes and flattens only, to a dense that takes the f32 sparse row).
 */
export function resolve(model: FormatModel, k: number, mode: string, table: Table, kernels: KernelExports, arena: Arena, minorIn = false): { kernel: string; step: Step; last: number; minor: boolean } {
  const { ops, tensors } = model, op = ops[k], next = ops[k + 1], precision = opPrecision(model, op);
  const family = table[precision === 'dynamic' ? 'f32' : precision];
  if (!family) throw new RuntimeError('wrong_entry', `op ${k} (${op.op}) is ${precision}: ${table.instead}`);
  const fusable = op.op === 'conv2d' && next?.op === 'maxpool2d' && next.input === op.output && model.output !== op.output && ops.filter((o) => o.input === op.output).length === 1;
  const linear = op.op === 'conv2d' || op.op === 'dense';
  const weights = tensors[linear ? op.kernel : op.input], bias = linear && op.bias !== undefined ? tensors[op.bias].data : undefined;
  for (const sparse of [true, false]) {
    for (const name of fusable ? ['conv2d_maxpool2d', 'conv2d'] : [op.op]) {
      const row = family[name]?.[+sparse];
      const fused = name === 'conv2d_maxpool2d', pool = fused ? poolGeometry(next as MaxPool2DOp, tensors[op.output].shape) : undefined, output = (fused ? next : op).output;
      const minorOut = !!row?.minor?.(model, output, mode);
      const ctx: Context = { op, pool, input: tensors[op.input], output: tensors[output], weights, bias, kernels, arena, minorOut, minorIn };
      if (row && (!sparse || takesSparse(row, weights, mode)) && (!row.fits || row.fits(ctx))) {
        return { kernel: row.kernel, step: row.prepare(ctx), last: fused ? k + 1 : k, minor: minorOut };
      }
    }
  }
  throw new RuntimeError('unsupported', `op ${k} (${op.op}, ${precision}) has no kernel in this runtime`);
}

/** Whether a sparse row runs weights `w` under `mode`: always, never, or ('auto') with at least its minSparsity zeros. */
export function takesSparse(row: Row, w: FormatTensor, mode: string): boolean {
  return mode === 'always' || (mode === 'auto' && zeroShare(w.data!) >= row.minSparsity!);
}

/** The share of zeros in `d` (a kernel's weights). */
export function zeroShare(d: TensorData): number {
  return d.filter((v: number) => v === 0).length / d.length;
}

// ── Helpers for the families ─────────────────────────────────────────────────────────────────────

/** The conv's geometry, as the qs8 packers take it (the f32 ones add the batch and ReLU). */
export function convGeometry({ op, input, weights }: Context): Qs8Conv {
  const { strides, padding } = op as Conv2DOp, [h, w, cin] = input.shape, [kh, kw, , cout] = weights.shape;
  return { h, w, cin, cout, kh, kw, strideH: strides[0], strideW: strides[1], padding };
}

/**
 * A max pool's window and its input [h, w, c], with 'same' padding that pads nothing (e.g. 2x2/2 on an
 * even size) as 'valid': they are one geometry, and 'same' pads nothing exactly when both give as many outputs.
 */
export type PoolGeometry = Qs8Pool & { h: number; w: number; c: number };
export function poolGeometry(p: MaxPool2DOp, [h, w, c]: number[]): PoolGeometry {
  const [poolH, poolW] = p.pool, [strideH, strideW] = p.strides;
  const pads = [[h, poolH, strideH], [w, poolW, strideW]].some(([n, k, s]) => convOutputSize(n, k, s, 'same') !== convOutputSize(n, k, s, 'valid'));
  return { h, w, c, poolH, poolW, strideH, strideW, padding: pads ? p.padding : 'valid' };
}
