// THE resolver: one table from (precision, op, sparse) to the kernel that runs it, with its
// prepare (pack the weights with src/runtime/packing, precompute multipliers, write params blocks
// into the arena) and the call the interpreter makes per batch. No branching inside kernels: each
// row is one WASM export. Reshape and flatten have no row: NHWC row-major bytes already are in the
// new shape's order, so the interpreter aliases their buffers.
//
// Precision (opPrecision in src/format/model.ts): 'f32'; 'int8' (TFLite's int8 spec); 'dynamic'
// (int8 weights, f32 activations), which takes the f32 rows: its weights are dequantized here at
// prepare, so a dynamic-range model computes what its float model with fake-quantized weights does.
// Fused rows ('conv2d_maxpool2d') take a conv and the max pool that alone reads its output.
import type { Conv2DOp, DenseOp, FormatModel, FormatOp, FormatTensor, MaxPool2DOp, TensorData } from '../format/model.js';
import { convOutputSize, elementCount, opPrecision } from '../format/model.js';
import { quantizeMultiplier } from '../quant/requant.js';
import type { Arena } from './arena.js';
import { RuntimeError } from './errors.js';
import type { F32Exports } from './kernels_f32.js';
import type { Qs8Exports } from './kernels_qs8.js';
import { packConv2d as packF32Conv, packConv2dReluMaxpoolSparse, packConv2dSparse as packF32ConvSparse, packDense, packDenseSparse } from './packing/f32.js';
import {
  CONV_PARAMS_BYTES, DENSE_IN_MINOR, DENSE_RELU, POOL_PARAMS_BYTES, conv2dGeometry, conv2dReluMaxpoolSparseScratchBytes, conv2dScratchBytes, conv2dSparseScratchBytes, denseSparseScratchBytes,
  pool2dGeometry, writeConv2dParams, writePool2dParams, type Conv2dGeometry,
} from './packing/f32_params.js';
import { packConv2d as packQs8Conv, packGemm, packMaxpool2d, packSpconv2d, packSpmm, spmmScratchBytes } from './packing/qs8.js';
import type { Conv2dGeometry as Qs8Conv, Pool2dGeometry as Qs8Pool, Qs8Requant } from './reference/qs8_types.js';

export type KernelExports = F32Exports & Qs8Exports;

/** A prepared op: the scratch one call needs for `batch` samples (none if absent), and the call (byte offsets in). */
export interface Step {
  scratch?(batch: number): number;
  call(x: number, y: number, scratch: number, batch: number): void;
}

/** What a row's prepare reads: the op (for fused rows a conv, with the max pool after it) and its tensors. */
interface Context {
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

interface Row {
  /** The WASM export it calls, e.g. 'qs8_spconv2d_maxpool2d'. */
  kernel: string;
  /** Sparse rows: chosen under {sparse: 'auto'} when at least this share of the weights is zero. */
  minSparsity?: number;
  /** Rows with limits beyond the format's rules (fused pools): whether this op fits. */
  fits?(ctx: Context): boolean;
  prepare(ctx: Context): Step;
}

/**
 * Prepares op k with the first row that takes it: sparse before dense (a sparse row only when the
 * weights are sparse enough, or always/never as asked), fused with the max pool after a conv that
 * alone reads the conv's output before unfused. `last` is k, or k + 1 when the pool was fused.
 * `minorIn`: op k's input was written batch-minor; `minor`: op k's output is (an f32 sparse conv
 * whose output goes, through reshapes and flattens only, to a dense that takes the f32 sparse row).
 */
export function resolve(model: FormatModel, k: number, mode: string, kernels: KernelExports, arena: Arena, minorIn = false): { kernel: string; step: Step; last: number; minor: boolean } {
  const { ops, tensors } = model, op = ops[k], next = ops[k + 1], precision = opPrecision(model, op);
  const fusable = op.op === 'conv2d' && next?.op === 'maxpool2d' && next.input === op.output && model.output !== op.output && ops.filter((o) => o.input === op.output).length === 1;
  const linear = op.op === 'conv2d' || op.op === 'dense';
  const weights = tensors[linear ? op.kernel : op.input], bias = linear && op.bias !== undefined ? tensors[op.bias].data : undefined;
  for (const sparse of [true, false]) {
    for (const name of fusable ? ['conv2d_maxpool2d', 'conv2d'] : [op.op]) {
      const row = TABLE[precision === 'dynamic' ? 'f32' : precision][name]?.[+sparse];
      const fused = name === 'conv2d_maxpool2d', pool = fused ? poolGeometry(next as MaxPool2DOp, tensors[op.output].shape) : undefined, output = (fused ? next : op).output;
      const minorOut = sparse && precision !== 'int8' && op.op === 'conv2d' && toSparseDense(model, output, mode);
      const ctx: Context = { op, pool, input: tensors[op.input], output: tensors[output], weights, bias, kernels, arena, minorOut, minorIn };
      if (row && (!sparse || takesSparse(row, weights, mode)) && (!row.fits || row.fits(ctx))) {
        return { kernel: row.kernel, step: row.prepare(ctx), last: fused ? k + 1 : k, minor: minorOut };
      }
    }
  }
  throw new RuntimeError('unsupported', `op ${k} (${op.op}, ${precision}) has no kernel in this runtime`);
}

/** Whether a sparse row runs weights `w` under `mode`: always, never, or ('auto') with at least its minSparsity zeros. */
function takesSparse(row: Row, w: FormatTensor, mode: string): boolean {
  return mode === 'always' || (mode === 'auto' && w.data!.filter((v) => v === 0).length / w.data!.length >= row.minSparsity!);
}

/**
 * Whether f32 tensor t goes, through reshapes and flattens read by nothing else, to a dense (so f32 or
 * dynamic range) with one row per sample (a rank-1 input) that takes the sparse row: its f32_dense_sparse
 * then reads t batch-minor, as a sparse conv can write it, instead of transposing it.
 */
function toSparseDense(model: FormatModel, t: number, mode: string): boolean {
  const readers = model.ops.filter((o) => o.input === t), op = readers[0];
  if (t === model.output || readers.length !== 1) return false;
  if (op.op === 'reshape' || op.op === 'flatten') return toSparseDense(model, op.output, mode);
  return op.op === 'dense' && model.tensors[t].shape.length < 2 && takesSparse(TABLE.f32.dense[1]!, model.tensors[op.kernel], mode);
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────────

/** Float weights and bias: f32 data as is; int8 (dynamic range) dequantized, w = float32(scale[c] * q) with c the last axis. */
function floatWeights({ weights: t, bias }: Context): [Float32Array, Float32Array] {
  const scale = t.quant?.scale, cout = t.shape[t.shape.length - 1];
  return [scale ? Float32Array.from(t.data!, (q, i) => scale[i % scale.length] * q) : (t.data as Float32Array), (bias as Float32Array) ?? new Float32Array(cout)];
}

/** The conv's geometry, as the qs8 packers take it (the f32 ones add the batch and ReLU). */
function convGeometry({ op, input, weights }: Context): Qs8Conv {
  const { strides, padding } = op as Conv2DOp, [h, w, cin] = input.shape, [kh, kw, , cout] = weights.shape;
  return { h, w, cin, cout, kh, kw, strideH: strides[0], strideW: strides[1], padding };
}

/**
 * A max pool's window and its input [h, w, c], with 'same' padding that pads nothing (e.g. 2x2/2 on an
 * even size) as 'valid': they are one geometry, and 'same' pads nothing exactly when both give as many outputs.
 */
type PoolGeometry = Qs8Pool & { h: number; w: number; c: number };
function poolGeometry(p: MaxPool2DOp, [h, w, c]: number[]): PoolGeometry {
  const [poolH, poolW] = p.pool, [strideH, strideW] = p.strides;
  const pads = [[h, poolH, strideH], [w, poolW, strideW]].some(([n, k, s]) => convOutputSize(n, k, s, 'same') !== convOutputSize(n, k, s, 'valid'));
  return { h, w, c, poolH, poolW, strideH, strideW, padding: pads ? p.padding : 'valid' };
}

/**
 * Integer parts of an int8 conv or dense (TFLite's Prepare): per-channel multipliers of
 * s_in * s_w[c] / s_out, with the product in float32 for a per-tensor dense kernel
 * (GetQuantizedConvolutionMultipler) and in double otherwise (PopulateConvolutionQuantizationParams),
 * as src/quant/scheme.ts outputMultipliers does; ReLU clamps to [max(-128, z_out), 127].
 */
function int8Layer({ op, input, output, weights, bias }: Context): { w: Int8Array; bias: Int32Array; zIn: number; rq: Qs8Requant & { shifts: Int32Array } } {
  const { scale, axis } = weights.quant!, sIn = input.quant!.scale[0], zOut = output.quant!.zeroPoint[0];
  const multipliers = new Int32Array(scale.length), shifts = new Int32Array(scale.length);
  scale.forEach((sW, c) => {
    const real = (op.op === 'dense' && axis === undefined ? Math.fround(sIn * sW) : sIn * sW) / output.quant!.scale[0];
    const m = quantizeMultiplier(real);
    if (m.shift > 30) {
      throw new RuntimeError('bad_quant', `the op writing tensor ${op.output} has a requantization multiplier ${real.toExponential(3)} >= 2^30; re-export the model with sane scales`);
    }
    multipliers[c] = m.multiplier;
    shifts[c] = m.shift;
  });
  return {
    w: weights.data as Int8Array,
    bias: (bias as Int32Array) ?? new Int32Array(weights.shape[weights.shape.length - 1]),
    zIn: input.quant!.zeroPoint[0],
    rq: { multipliers, shifts, zOut, actMin: (op as Conv2DOp).activation === 'relu' ? Math.max(-128, zOut) : -128, actMax: 127 },
  };
}

// ── f32 (and dynamic range) rows ─────────────────────────────────────────────────────────────────

/** The f32 conv kernels differ only in their packer and scratch: one params block (batch first), one call shape. */
type Pack = (w: Float32Array, b: Float32Array, g: Conv2dGeometry) => ArrayBufferView;
const packDenseConv: Pack = (w, b, g) => packF32Conv(w, b, g.kh, g.kw, g.cin, g.cout);
const F32_CONVS: Record<string, [Pack, (g: Conv2dGeometry) => number]> = {
  f32_conv2d_nhwc: [packDenseConv, conv2dScratchBytes],
  f32_conv2d_relu_maxpool2d: [packDenseConv, conv2dScratchBytes],
  f32_conv2d_sparse: [packF32ConvSparse, conv2dSparseScratchBytes],
  f32_conv2d_relu_maxpool2d_sparse: [packConv2dReluMaxpoolSparse, conv2dReluMaxpoolSparseScratchBytes],
};

/** Writes `bytes` of params (the batch first) for a kernel fn(params, x, ...rest): the call sets the batch, then calls. */
function withParams(arena: Arena, bytes: number, write: (memory: ArrayBuffer, at: number) => void): number {
  const at = arena.put(new Uint8Array(bytes));
  write(arena.memory.buffer, at);
  return at;
}

function f32Conv(kernel: keyof F32Exports, minSparsity?: number): Row {
  const [pack, scratch] = F32_CONVS[kernel];
  return {
    kernel,
    minSparsity,
    // the fused f32 kernels are ReLU then a 2x2 stride-2 'valid' pool, nothing else
    fits: kernel.includes('pool')
      ? ({ op, pool: p }) => (op as Conv2DOp).activation === 'relu' && [p!.poolH, p!.poolW, p!.strideH, p!.strideW, p!.padding].join() === '2,2,2,2,valid'
      : undefined,
    prepare(ctx) {
      const { arena } = ctx, fn = ctx.kernels[kernel] as F32Exports['f32_conv2d_nhwc'];
      const g = conv2dGeometry({ ...convGeometry(ctx), n: 1, relu: (ctx.op as Conv2DOp).activation === 'relu', outLayout: ctx.minorOut ? 'minor' : 'nhwc' }), bytes = scratch(g);
      const wp = arena.put(pack(...floatWeights(ctx), g));
      const params = withParams(arena, CONV_PARAMS_BYTES, (m, at) => writeConv2dParams(m, at, g));
      return {
        scratch: () => bytes,
        call(x, y, s, n) {
          arena.i32[params >> 2] = n; // the params block's first field is the batch
          fn(params, x, wp, y, s);
        },
      };
    },
  };
}

function f32Dense(sparse: boolean, minSparsity?: number): Row {
  return {
    kernel: sparse ? 'f32_dense_sparse' : 'f32_dense',
    minSparsity,
    prepare(ctx) {
      const [k, n] = ctx.weights.shape, rows = elementCount(ctx.input.shape) / k; // Dense applies to the last axis: leading axes are rows
      const flags = ((ctx.op as DenseOp).activation === 'relu' ? DENSE_RELU : 0) | (ctx.minorIn ? DENSE_IN_MINOR : 0), bytes = denseSparseScratchBytes(k, n), { f32_dense: dense, f32_dense_sparse: fn } = ctx.kernels;
      const wp = ctx.arena.put((sparse ? packDenseSparse : packDense)(...floatWeights(ctx), k, n));
      return sparse ? { scratch: () => bytes, call: (x, y, s, batch) => fn(x, wp, y, batch * rows, k, n, flags, s) } : { call: (x, y, _, batch) => dense(x, wp, y, batch * rows, k, n, flags) };
    },
  };
}

const F32_MAXPOOL: Row = {
  kernel: 'f32_maxpool2d',
  prepare({ op, input, arena, kernels }) {
    const fn = kernels.f32_maxpool2d, params = withParams(arena, POOL_PARAMS_BYTES, (m, at) => writePool2dParams(m, at, pool2dGeometry({ ...poolGeometry(op as MaxPool2DOp, input.shape), n: 1 })));
    return {
      call(x, y, _, n) {
        arena.i32[params >> 2] = n;
        fn(params, x, y);
      },
    };
  },
};

// ── int8 rows ────────────────────────────────────────────────────────────────────────────────────

function qs8Conv(kernel: 'qs8_conv2d_nhwc' | 'qs8_spconv2d_nhwc' | 'qs8_conv2d_maxpool2d' | 'qs8_spconv2d_maxpool2d', minSparsity?: number): Row {
  const sparse = kernel.startsWith('qs8_sp'), fused = kernel.endsWith('pool2d');
  return {
    kernel,
    minSparsity,
    // the fused pool must be 'valid', and it takes the max before requantizing, which is only
    // order-preserving when no multiplier is >= 1 (shift <= 0)
    fits: fused ? (ctx) => ctx.pool!.padding === 'valid' && int8Layer(ctx).rq.shifts.every((s) => s <= 0) : undefined,
    prepare(ctx) {
      const l = int8Layer(ctx), fn = ctx.kernels[kernel];
      const packed = (sparse ? packSpconv2d : packQs8Conv)(convGeometry(ctx), l.w, l.bias, l.zIn, l.rq, ctx.pool);
      const wp = ctx.arena.put(packed.bytes);
      return { scratch: () => packed.scratchBytes, call: (x, y, s, n) => fn(wp, x, y, n, s) };
    },
  };
}

function qs8Dense(sparse: boolean, minSparsity?: number): Row {
  return {
    kernel: sparse ? 'qs8_spmm' : 'qs8_gemm',
    minSparsity,
    prepare(ctx) {
      const [k, n] = ctx.weights.shape, rows = elementCount(ctx.input.shape) / k;
      const l = int8Layer(ctx), { qs8_gemm: gemm, qs8_spmm: spmm } = ctx.kernels;
      const wp = ctx.arena.put((sparse ? packSpmm : packGemm)(l.w, k, n, l.bias, l.zIn, l.rq));
      return sparse ? { scratch: (batch) => spmmScratchBytes(batch * rows, k), call: (x, y, s, batch) => spmm(wp, x, y, batch * rows, s) } : { call: (x, y, _, batch) => gemm(wp, x, y, batch * rows) };
    },
  };
}

const QS8_MAXPOOL: Row = {
  kernel: 'qs8_maxpool2d',
  prepare({ op, input, arena, kernels }) {
    const [h, w, c] = input.shape, fn = kernels.qs8_maxpool2d;
    const params = arena.put(packMaxpool2d(h, w, c, poolGeometry(op as MaxPool2DOp, input.shape)).bytes);
    return { call: (x, y, _, n) => fn(params, x, y, n) };
  },
};

/** quantize (with the output's scale and zero point) and dequantize (with the input's). */
function qs8Edge(kernel: 'qs8_quantize' | 'qs8_dequantize'): Row {
  return {
    kernel,
    prepare({ input, output, kernels }) {
      // scale and zero point as numbers, not array reads per call (a float read from a Float32Array may be boxed: an allocation)
      const count = elementCount(input.shape), fn = kernels[kernel], { scale: [scale], zeroPoint: [zeroPoint] } = (kernel === 'qs8_quantize' ? output : input).quant!;
      return { call: (x, y, _, n) => fn(x, y, n * count, scale, zeroPoint) };
    },
  };
}

// ── The table ────────────────────────────────────────────────────────────────────────────────────
// minSparsity: from bench/kernels.ts on the seed model's layers at batch 32 (SIMD, a contended
// 2-core machine, load 6-7, 2026-11-28 at c0fa278): the sparse kernel's speed over its dense twin, same run,
// at 50% / 80% / 95% zeros:
//   f32_dense_sparse 1.20x / 2.25x / 4.2x        f32_conv2d_relu_maxpool2d_sparse 1.23x / 2.44x / 3.8x
//   f32_conv2d_sparse 1.21x / 1.70x / 2.3x       qs8_spconv2d_maxpool2d -- / 1.68x (digits 1.56x) / --
//   qs8_spmm 0.64x at 0%, 2.19x at 80%           qs8_spconv2d_nhwc -- / 1.36x / --
// and the whole int8 seed model ran faster with sparse kernels from 50% zeros on (bench/runtime.ts --sweep).

/** precision -> op -> [dense row, sparse row]. */
const TABLE: Readonly<Record<string, Readonly<Record<string, (Row | undefined)[]>>>> = {
  f32: {
    conv2d: [f32Conv('f32_conv2d_nhwc'), f32Conv('f32_conv2d_sparse', 0.5)],
    conv2d_maxpool2d: [f32Conv('f32_conv2d_relu_maxpool2d'), f32Conv('f32_conv2d_relu_maxpool2d_sparse', 0.5)],
    dense: [f32Dense(false), f32Dense(true, 0.5)],
    maxpool2d: [F32_MAXPOOL],
  },
  int8: {
    conv2d: [qs8Conv('qs8_conv2d_nhwc'), qs8Conv('qs8_spconv2d_nhwc', 0.8)],
    conv2d_maxpool2d: [qs8Conv('qs8_conv2d_maxpool2d'), qs8Conv('qs8_spconv2d_maxpool2d', 0.5)],
    dense: [qs8Dense(false), qs8Dense(true, 0.5)],
    maxpool2d: [QS8_MAXPOOL],
    quantize: [qs8Edge('qs8_quantize')],
    dequantize: [qs8Edge('qs8_dequantize')],
  },
};
