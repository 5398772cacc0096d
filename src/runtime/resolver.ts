// THE resolver: one flat table from (op, precision, sparse) to the kernel that runs it, with its
// prepare (pack the weights with src/runtime/packing, precompute multipliers, write params blocks
// into the arena) and the call the interpreter makes per batch. No branching inside kernels: each
// row is one WASM export. Reshape and flatten have no row: NHWC row-major bytes already are in the
// new shape's order, so the interpreter aliases their buffers.
//
// Precision (opPrecision in src/format/model.ts): 'f32'; 'int8' (TFLite's int8 spec); 'dynamic'
// (int8 weights, f32 activations), which takes the f32 rows: its weights are dequantized here at
// prepare, so a dynamic-range model computes what its float model with fake-quantized weights does.
// Fused rows ('conv2d_maxpool2d') take a conv and the max pool that alone reads its output.
import type { Conv2DOp, DenseOp, FormatModel, FormatOp, FormatTensor, MaxPool2DOp } from '../format/model.js';
import { elementCount, opPrecision, samePadding } from '../format/model.js';
import { quantizeMultiplier } from '../quant/requant.js';
import type { Arena } from './arena.js';
import { RuntimeError } from './errors.js';
import type { F32Exports } from './kernels_f32.js';
import type { Qs8Exports } from './kernels_qs8.js';
import { packConv2d as packF32Conv, packConv2dReluMaxpoolSparse, packConv2dSparse as packF32ConvSparse, packDense, packDenseSparse } from './packing/f32.js';
import {
  CONV_PARAMS_BYTES, POOL_PARAMS_BYTES, conv2dGeometry, conv2dReluMaxpoolSparseScratchBytes, conv2dScratchBytes, conv2dSparseScratchBytes, denseSparseScratchBytes,
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

/** What a row's prepare reads: the op (for fused rows a conv, with the max pool after it). */
interface Context {
  model: FormatModel;
  op: FormatOp;
  pool?: MaxPool2DOp;
  kernels: KernelExports;
  arena: Arena;
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
 */
export function resolve(model: FormatModel, k: number, mode: string, kernels: KernelExports, arena: Arena): { kernel: string; step: Step; last: number } {
  const { ops, tensors } = model, op = ops[k], next = ops[k + 1], precision = opPrecision(model, op);
  const fusable = op.op === 'conv2d' && next?.op === 'maxpool2d' && next.input === op.output && model.output !== op.output && ops.filter((o) => o.input === op.output).length === 1;
  const weights = op.op === 'conv2d' || op.op === 'dense' ? tensors[op.kernel].data! : [];
  const zeros = weights.filter((v) => v === 0).length / weights.length || 0;
  for (const sparse of [true, false]) {
    for (const name of fusable ? ['conv2d_maxpool2d', 'conv2d'] : [op.op]) {
      const row = TABLE[`${name}/${precision === 'dynamic' ? 'f32' : precision}${sparse ? '/sparse' : ''}`];
      const ctx: Context = { model, op, kernels, arena, pool: name === 'conv2d_maxpool2d' ? (next as MaxPool2DOp) : undefined };
      if (row && !(sparse && (mode === 'never' || (mode === 'auto' && zeros < row.minSparsity!))) && (!row.fits || row.fits(ctx))) {
        return { kernel: row.kernel, step: row.prepare(ctx), last: ctx.pool ? k + 1 : k };
      }
    }
  }
  throw new RuntimeError('unsupported', `op ${k} (${op.op}, ${precision}) has no kernel in this runtime (src/runtime/resolver.ts)`);
}

// ── Tensor helpers ───────────────────────────────────────────────────────────────────────────────

const tensor = (ctx: Context, i: number): FormatTensor => ctx.model.tensors[i];

/** Float weights: f32 data as is; int8 (dynamic range) dequantized, w = float32(scale[c] * q) with c the last axis. */
function floatWeights(t: FormatTensor): Float32Array {
  if (t.dtype === 'f32') return t.data as Float32Array;
  const scale = t.quant!.scale;
  return Float32Array.from(t.data!, (q, i) => scale[i % scale.length] * q);
}

function bias<T extends Float32Array | Int32Array>(ctx: Context, op: Conv2DOp | DenseOp, zeros: T): T {
  return op.bias === undefined ? zeros : (tensor(ctx, op.bias).data as T);
}

/** The conv's geometry, as the qs8 packers take it (the f32 ones add the batch and ReLU). */
function convGeometry(ctx: Context): Qs8Conv {
  const op = ctx.op as Conv2DOp, [h, w, cin] = tensor(ctx, op.input).shape, [kh, kw, , cout] = tensor(ctx, op.kernel).shape;
  return { h, w, cin, cout, kh, kw, strideH: op.strides[0], strideW: op.strides[1], padding: op.padding };
}

/** A max pool's window, with 'same' padding that pads nothing (e.g. 2x2/2 on an even size) as 'valid': they are one geometry. */
function poolGeometry(ctx: Context, p: MaxPool2DOp): Qs8Pool {
  const [h, w] = tensor(ctx, p.input).shape, [top, bottom] = samePadding(h, p.pool[0], p.strides[0]), [left, right] = samePadding(w, p.pool[1], p.strides[1]);
  return { poolH: p.pool[0], poolW: p.pool[1], strideH: p.strides[0], strideW: p.strides[1], padding: top + bottom + left + right ? p.padding : 'valid' };
}

/**
 * Integer parts of an int8 conv or dense (TFLite's Prepare): per-channel multipliers of
 * s_in * s_w[c] / s_out, with the product in float32 for a per-tensor dense kernel
 * (GetQuantizedConvolutionMultipler) and in double otherwise (PopulateConvolutionQuantizationParams),
 * as src/quant/scheme.ts outputMultipliers does; ReLU clamps to [max(-128, z_out), 127].
 */
function int8Layer(ctx: Context): { w: Int8Array; bias: Int32Array; zIn: number; rq: Qs8Requant & { shifts: Int32Array } } {
  const op = ctx.op as Conv2DOp | DenseOp, input = tensor(ctx, op.input).quant!, output = tensor(ctx, op.output).quant!, kernel = tensor(ctx, op.kernel);
  const scales = kernel.quant!.scale, sIn = input.scale[0], zOut = output.zeroPoint[0];
  const float32Product = op.op === 'dense' && kernel.quant!.axis === undefined;
  const multipliers = new Int32Array(scales.length), shifts = new Int32Array(scales.length);
  scales.forEach((sW, c) => {
    const real = (float32Product ? Math.fround(sIn * sW) : sIn * sW) / output.scale[0];
    const m = quantizeMultiplier(real);
    if (m.shift > 30) {
      throw new RuntimeError('bad_quant', `the ${op.op} writing tensor ${op.output} has a requantization multiplier (input scale x weight scale / output scale) of ${real.toExponential(3)}, 2^30 or more; its scales are wrong, re-export the model`);
    }
    multipliers[c] = m.multiplier;
    shifts[c] = m.shift;
  });
  return {
    w: kernel.data as Int8Array,
    bias: bias(ctx, op, new Int32Array(kernel.shape[kernel.shape.length - 1])),
    zIn: input.zeroPoint[0],
    rq: { multipliers, shifts, zOut, actMin: op.activation === 'relu' ? Math.max(-128, zOut) : -128, actMax: 127 },
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

function f32Conv(kernel: keyof F32Exports, minSparsity?: number): Row {
  const [pack, scratch] = F32_CONVS[kernel];
  return {
    kernel,
    minSparsity,
    // the fused f32 kernels are ReLU then a 2x2 stride-2 'valid' pool, nothing else
    fits: kernel.includes('pool')
      ? (ctx) => {
        const p = poolGeometry(ctx, ctx.pool!);
        return (ctx.op as Conv2DOp).activation === 'relu' && [p.poolH, p.poolW, p.strideH, p.strideW, p.padding].join() === '2,2,2,2,valid';
      }
      : undefined,
    prepare(ctx) {
      const op = ctx.op as Conv2DOp, arena = ctx.arena, fn = ctx.kernels[kernel] as F32Exports['f32_conv2d_nhwc'];
      const g = conv2dGeometry({ ...convGeometry(ctx), n: 1, relu: op.activation === 'relu' }), bytes = scratch(g);
      const wp = arena.put(pack(floatWeights(tensor(ctx, op.kernel)), bias(ctx, op, new Float32Array(g.cout)), g));
      const params = arena.put(new Uint8Array(CONV_PARAMS_BYTES));
      writeConv2dParams(arena.memory.buffer, params, g);
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
      const op = ctx.op as DenseOp, [k, n] = tensor(ctx, op.kernel).shape;
      const rows = elementCount(tensor(ctx, op.input).shape) / k; // Dense applies to the last axis: leading axes are rows
      const relu = op.activation === 'relu' ? 1 : 0, bytes = denseSparseScratchBytes(k, n), { f32_dense: dense, f32_dense_sparse: fn } = ctx.kernels;
      const w = floatWeights(tensor(ctx, op.kernel)), b = bias(ctx, op, new Float32Array(n));
      const wp = ctx.arena.put((sparse ? packDenseSparse : packDense)(w, b, k, n));
      return sparse ? { scratch: () => bytes, call: (x, y, s, batch) => fn(x, wp, y, batch * rows, k, n, relu, s) } : { call: (x, y, _, batch) => dense(x, wp, y, batch * rows, k, n, relu) };
    },
  };
}

const F32_MAXPOOL: Row = {
  kernel: 'f32_maxpool2d',
  prepare(ctx) {
    const op = ctx.op as MaxPool2DOp, [h, w, c] = tensor(ctx, op.input).shape, { arena } = ctx, fn = ctx.kernels.f32_maxpool2d;
    if (poolGeometry(ctx, op).padding !== 'valid') throw new RuntimeError('unsupported', `the f32 max pool with 'same' padding on ${h}x${w} pads the input, which f32_maxpool2d cannot; use 'valid' padding`);
    const params = arena.put(new Uint8Array(POOL_PARAMS_BYTES));
    writePool2dParams(arena.memory.buffer, params, pool2dGeometry({ n: 1, h, w, c, ...poolGeometry(ctx, op) }));
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
    fits: fused ? (ctx) => poolGeometry(ctx, ctx.pool!).padding === 'valid' && int8Layer(ctx).rq.shifts.every((s) => s <= 0) : undefined,
    prepare(ctx) {
      const l = int8Layer(ctx), fn = ctx.kernels[kernel];
      const packed = (sparse ? packSpconv2d : packQs8Conv)(convGeometry(ctx), l.w, l.bias, l.zIn, l.rq, fused ? poolGeometry(ctx, ctx.pool!) : undefined);
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
      const op = ctx.op as DenseOp, [k, n] = tensor(ctx, op.kernel).shape, rows = elementCount(tensor(ctx, op.input).shape) / k;
      const l = int8Layer(ctx), { qs8_gemm: gemm, qs8_spmm: spmm } = ctx.kernels;
      const wp = ctx.arena.put((sparse ? packSpmm : packGemm)(l.w, k, n, l.bias, l.zIn, l.rq));
      return sparse ? { scratch: (batch) => spmmScratchBytes(batch * rows, k), call: (x, y, s, batch) => spmm(wp, x, y, batch * rows, s) } : { call: (x, y, _, batch) => gemm(wp, x, y, batch * rows) };
    },
  };
}

const QS8_MAXPOOL: Row = {
  kernel: 'qs8_maxpool2d',
  prepare(ctx) {
    const [h, w, c] = tensor(ctx, ctx.op.input).shape, fn = ctx.kernels.qs8_maxpool2d;
    const params = ctx.arena.put(packMaxpool2d(h, w, c, poolGeometry(ctx, ctx.op as MaxPool2DOp)).bytes);
    return { call: (x, y, _, n) => fn(params, x, y, n) };
  },
};

/** quantize (the output's scale and zero point) and dequantize (the input's). */
function qs8Edge(kernel: 'qs8_quantize' | 'qs8_dequantize'): Row {
  return {
    kernel,
    prepare(ctx) {
      const op = ctx.op, count = elementCount(tensor(ctx, op.input).shape), fn = ctx.kernels[kernel];
      const { scale, zeroPoint } = tensor(ctx, kernel === 'qs8_quantize' ? op.output : op.input).quant!;
      return { call: (x, y, _, n) => fn(x, y, n * count, scale[0], zeroPoint[0]) };
    },
  };
}

// ── The table ────────────────────────────────────────────────────────────────────────────────────
// minSparsity: from bench/kernels.ts on the seed model's layers at batch 32 (SIMD, a contended
// 2-core machine): the sparse kernel's speed over its dense twin was, at 50% / 80% / 95% zeros,
//   f32_dense_sparse 1.07x / 2.1x / 3.9x         f32_conv2d_relu_maxpool2d_sparse 1.6x / 2.0x / 2.9x
//   f32_conv2d_sparse 0.99x / 1.09x / 1.5x       qs8_spconv2d_maxpool2d -- / 1.8x / --
//   qs8_spmm 0.69x at 0%, 2.0x at 80%            qs8_spconv2d_nhwc -- / 1.03x / --
// and the whole int8 seed model ran faster with sparse kernels from 50% zeros on (bench/runtime.ts --sweep).

const TABLE: Readonly<Record<string, Row>> = {
  'conv2d/f32': f32Conv('f32_conv2d_nhwc'),
  'conv2d/f32/sparse': f32Conv('f32_conv2d_sparse', 0.8),
  'conv2d_maxpool2d/f32': f32Conv('f32_conv2d_relu_maxpool2d'),
  'conv2d_maxpool2d/f32/sparse': f32Conv('f32_conv2d_relu_maxpool2d_sparse', 0.5),
  'dense/f32': f32Dense(false),
  'dense/f32/sparse': f32Dense(true, 0.5),
  'maxpool2d/f32': F32_MAXPOOL,

  'conv2d/int8': qs8Conv('qs8_conv2d_nhwc'),
  'conv2d/int8/sparse': qs8Conv('qs8_spconv2d_nhwc', 0.8),
  'conv2d_maxpool2d/int8': qs8Conv('qs8_conv2d_maxpool2d'),
  'conv2d_maxpool2d/int8/sparse': qs8Conv('qs8_spconv2d_maxpool2d', 0.5),
  'dense/int8': qs8Dense(false),
  'dense/int8/sparse': qs8Dense(true, 0.5),
  'maxpool2d/int8': QS8_MAXPOOL,
  'quantize/int8': qs8Edge('qs8_quantize'),
  'dequantize/int8': qs8Edge('qs8_dequantize'),
};
