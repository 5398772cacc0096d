// THE resolver: one flat table from (op, precision, sparse) to the kernel that runs it, with its
// prepare (pack the weights with src/runtime/packing, precompute multipliers, write params blocks
// into the arena) and the call the interpreter makes per batch. No branching inside kernels: each
// row is one WASM export. Reshape and flatten have no row: NHWC row-major bytes already are in the
// new shape's order, so the interpreter aliases their buffers.
//
// Precision (opPrecision in src/format/model.ts): 'f32'; 'int8' (TFLite's int8 spec); 'dynamic'
// (int8 weights, f32 activations): its weights are dequantized here at prepare and the f32 kernels
// run them, so a dynamic-range model computes what its float model with fake-quantized weights does.
// Fused rows ('conv2d_maxpool2d') take a conv and the max pool that alone reads its output.
import type { Conv2DOp, DenseOp, FormatModel, FormatOp, FormatTensor, MaxPool2DOp, Padding, Precision } from '../format/model.js';
import { elementCount, samePadding } from '../format/model.js';
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
import type { Pool2dGeometry as Qs8Pool, Qs8Requant } from './reference/qs8_types.js';

export type KernelExports = F32Exports & Qs8Exports;
export type ResolvedOp = 'conv2d' | 'conv2d_maxpool2d' | 'dense' | 'maxpool2d' | 'quantize' | 'dequantize';

/** What a row's prepare reads: the op (a conv or dense for fused rows, with `pool` after it). */
export interface OpContext {
  model: FormatModel;
  op: FormatOp;
  pool?: MaxPool2DOp;
  kernels: KernelExports;
  arena: Arena;
}

/** A prepared op: the scratch one call needs for `batch` samples (none if absent), and the call (byte offsets in). */
export interface Step {
  scratch?(batch: number): number;
  call(x: number, y: number, scratch: number, batch: number): void;
}

export interface KernelEntry {
  /** The WASM export it calls, e.g. 'qs8_spconv2d_maxpool2d'. */
  kernel: string;
  /** Sparse rows: chosen under {sparse: 'auto'} when at least this share of the weights is zero. */
  minSparsity?: number;
  /** Rows with limits beyond the format's rules (fused pools): whether this op fits. */
  fits?(ctx: OpContext): boolean;
  prepare(ctx: OpContext): Step;
}

export function resolverKey(op: ResolvedOp, precision: Precision, sparse: boolean): string {
  return `${op}/${precision}${sparse ? '/sparse' : ''}`;
}

// ── Tensor helpers ───────────────────────────────────────────────────────────────────────────────

const tensor = (ctx: OpContext, i: number): FormatTensor => ctx.model.tensors[i];

/** Float weights: f32 data as is; int8 (dynamic range) dequantized, w = float32(scale[c] * q) with c the last axis. */
function floatWeights(t: FormatTensor): Float32Array {
  if (t.dtype === 'f32') return t.data as Float32Array;
  const q = t.data as Int8Array, scale = t.quant!.scale;
  const channels = scale.length, w = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) w[i] = scale[channels === 1 ? 0 : i % channels] * q[i];
  return w;
}

function bias<T extends Float32Array | Int32Array>(ctx: OpContext, op: Conv2DOp | DenseOp, zeros: T): T {
  return op.bias === undefined ? zeros : (tensor(ctx, op.bias).data as T);
}

/**
 * Integer parts of an int8 conv or dense (TFLite's Prepare): per-channel multipliers of
 * s_in * s_w[c] / s_out, with the product in float32 for a per-tensor dense kernel
 * (GetQuantizedConvolutionMultipler) and in double otherwise (PopulateConvolutionQuantizationParams),
 * as src/quant/scheme.ts outputMultipliers does; ReLU clamps to [max(-128, z_out), 127].
 */
function int8Layer(ctx: OpContext, op: Conv2DOp | DenseOp): { w: Int8Array; bias: Int32Array; zIn: number; rq: Qs8Requant & { shifts: Int32Array } } {
  const input = tensor(ctx, op.input).quant!, output = tensor(ctx, op.output).quant!, kernel = tensor(ctx, op.kernel);
  const scales = kernel.quant!.scale, sIn = input.scale[0], sOut = output.scale[0];
  const float32Product = op.op === 'dense' && kernel.quant!.axis === undefined;
  const multipliers = new Int32Array(scales.length), shifts = new Int32Array(scales.length);
  scales.forEach((sW, c) => {
    const real = (float32Product ? Math.fround(sIn * sW) : sIn * sW) / sOut;
    const m = quantizeMultiplier(real);
    if (m.shift > 30) {
      throw new RuntimeError('bad_quant', `the ${op.op} writing tensor ${op.output} has a requantization multiplier of ${real.toExponential(3)} (input scale x weight scale / output scale), 2^30 or more, which no int8 kernel takes; its scales are wrong, re-export the model`);
    }
    multipliers[c] = m.multiplier;
    shifts[c] = m.shift;
  });
  const zOut = output.zeroPoint[0];
  const cout = kernel.shape[kernel.shape.length - 1];
  return {
    w: kernel.data as Int8Array,
    bias: bias(ctx, op, new Int32Array(cout)),
    zIn: input.zeroPoint[0],
    rq: { multipliers, shifts, zOut, actMin: op.activation === 'relu' ? Math.max(-128, zOut) : -128, actMax: 127 },
  };
}

/** 'valid', or 'same' when it pads nothing (e.g. a 2x2/2 pool of an even size): then they are one geometry. */
function poolPadding(op: MaxPool2DOp, h: number, w: number): Padding {
  if (op.padding === 'valid') return 'valid';
  const [top, bottom] = samePadding(h, op.pool[0], op.strides[0]), [left, right] = samePadding(w, op.pool[1], op.strides[1]);
  return top + bottom + left + right === 0 ? 'valid' : 'same';
}

// ── f32 (and dynamic range) rows ─────────────────────────────────────────────────────────────────

/** The f32 conv kernels differ only in their packer and scratch: one params block (batch first), one call shape. */
const F32_DENSE_CONV = { pack: (w: Float32Array, b: Float32Array, g: Conv2dGeometry) => packF32Conv(w, b, g.kh, g.kw, g.cin, g.cout), scratch: conv2dScratchBytes };
const F32_CONVS = {
  f32_conv2d_nhwc: F32_DENSE_CONV,
  f32_conv2d_relu_maxpool2d: F32_DENSE_CONV,
  f32_conv2d_sparse: { pack: packF32ConvSparse, scratch: conv2dSparseScratchBytes },
  f32_conv2d_relu_maxpool2d_sparse: { pack: packConv2dReluMaxpoolSparse, scratch: conv2dReluMaxpoolSparseScratchBytes },
} satisfies Record<string, { pack(w: Float32Array, b: Float32Array, g: Conv2dGeometry): ArrayBufferView; scratch(g: Conv2dGeometry): number }>;

function f32Conv(kernel: keyof typeof F32_CONVS): KernelEntry {
  return {
    kernel,
    prepare(ctx) {
      const op = ctx.op as Conv2DOp, [h, w, cin] = tensor(ctx, op.input).shape, [kh, kw, , cout] = tensor(ctx, op.kernel).shape;
      const g = conv2dGeometry({ n: 1, h, w, cin, cout, kh, kw, strideH: op.strides[0], strideW: op.strides[1], padding: op.padding, relu: op.activation === 'relu' });
      const { arena } = ctx, fn = ctx.kernels[kernel], { pack, scratch } = F32_CONVS[kernel], bytes = scratch(g);
      const wp = arena.put(pack(floatWeights(tensor(ctx, op.kernel)), bias(ctx, op, new Float32Array(cout)), g));
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

/** The fused f32 kernels are ReLU then a 2x2 stride-2 pool, nothing else. */
function fitsF32Pool(ctx: OpContext): boolean {
  const conv = ctx.op as Conv2DOp, p = ctx.pool!, [h, w] = tensor(ctx, p.input).shape;
  return conv.activation === 'relu' && p.pool.join() === '2,2' && p.strides.join() === '2,2' && poolPadding(p, h, w) === 'valid';
}


function f32Dense(sparse: boolean): KernelEntry {
  const kernel = sparse ? 'f32_dense_sparse' : 'f32_dense';
  return {
    kernel,
    prepare(ctx) {
      const op = ctx.op as DenseOp, input = tensor(ctx, op.input), [k, n] = tensor(ctx, op.kernel).shape;
      const rows = elementCount(input.shape) / k; // Dense applies to the last axis: leading axes are rows
      const w = floatWeights(tensor(ctx, op.kernel)), b = bias(ctx, op, new Float32Array(n));
      const relu = op.activation === 'relu' ? 1 : 0;
      const wp = ctx.arena.put(sparse ? packDenseSparse(w, b, k, n) : packDense(w, b, k, n));
      if (sparse) {
        const fn = ctx.kernels.f32_dense_sparse, bytes = denseSparseScratchBytes(k, n);
        return { scratch: () => bytes, call: (x, y, s, batch) => fn(x, wp, y, batch * rows, k, n, relu, s) };
      }
      const fn = ctx.kernels.f32_dense;
      return { call: (x, y, _s, batch) => fn(x, wp, y, batch * rows, k, n, relu) };
    },
  };
}

const F32_MAXPOOL: KernelEntry = {
  kernel: 'f32_maxpool2d',
  prepare(ctx) {
    const op = ctx.op as MaxPool2DOp, [h, w, c] = tensor(ctx, op.input).shape;
    if (poolPadding(op, h, w) !== 'valid') {
      throw new RuntimeError('unsupported', `the f32 max pool ${op.pool.join('x')} with 'same' padding on ${h}x${w} pads the input, and f32_maxpool2d has no padding; use 'valid' padding in the model`);
    }
    const g = pool2dGeometry({ n: 1, h, w, c, poolH: op.pool[0], poolW: op.pool[1], strideH: op.strides[0], strideW: op.strides[1] });
    const { arena } = ctx, fn = ctx.kernels.f32_maxpool2d, params = arena.put(new Uint8Array(POOL_PARAMS_BYTES));
    writePool2dParams(arena.memory.buffer, params, g);
    return {
      call(x, y, _s, n) {
        arena.i32[params >> 2] = n;
        fn(params, x, y);
      },
    };
  },
};

// ── int8 rows ────────────────────────────────────────────────────────────────────────────────────

type Qs8Conv = 'qs8_conv2d_nhwc' | 'qs8_spconv2d_nhwc' | 'qs8_conv2d_maxpool2d' | 'qs8_spconv2d_maxpool2d';

function qs8Pool(ctx: OpContext, p: MaxPool2DOp): Qs8Pool {
  const [h, w] = tensor(ctx, p.input).shape;
  return { poolH: p.pool[0], poolW: p.pool[1], strideH: p.strides[0], strideW: p.strides[1], padding: poolPadding(p, h, w) };
}

function qs8Conv(kernel: Qs8Conv): KernelEntry {
  const sparse = kernel.startsWith('qs8_sp'), fused = kernel.endsWith('maxpool2d');
  return {
    kernel,
    // the fused pool must be 'valid', and it takes the max before requantizing, which is only
    // order-preserving when no multiplier is >= 1 (shift <= 0)
    fits: fused ? (ctx) => qs8Pool(ctx, ctx.pool!).padding === 'valid' && int8Layer(ctx, ctx.op as Conv2DOp).rq.shifts.every((s) => s <= 0) : undefined,
    prepare(ctx) {
      const op = ctx.op as Conv2DOp, [h, w, cin] = tensor(ctx, op.input).shape, [kh, kw, , cout] = tensor(ctx, op.kernel).shape;
      const g = { h, w, cin, cout, kh, kw, strideH: op.strides[0], strideW: op.strides[1], padding: op.padding };
      const l = int8Layer(ctx, op);
      const packed = (sparse ? packSpconv2d : packQs8Conv)(g, l.w, l.bias, l.zIn, l.rq, fused ? qs8Pool(ctx, ctx.pool!) : undefined);
      const wp = ctx.arena.put(packed.bytes), fn = ctx.kernels[kernel];
      return { scratch: () => packed.scratchBytes, call: (x, y, s, n) => fn(wp, x, y, n, s) };
    },
  };
}

function qs8Dense(sparse: boolean): KernelEntry {
  const kernel = sparse ? 'qs8_spmm' : 'qs8_gemm';
  return {
    kernel,
    prepare(ctx) {
      const op = ctx.op as DenseOp, [k, n] = tensor(ctx, op.kernel).shape;
      const rows = elementCount(tensor(ctx, op.input).shape) / k;
      const l = int8Layer(ctx, op);
      const wp = ctx.arena.put((sparse ? packSpmm : packGemm)(l.w, k, n, l.bias, l.zIn, l.rq));
      if (sparse) {
        const fn = ctx.kernels.qs8_spmm;
        return { scratch: (batch) => spmmScratchBytes(batch * rows, k), call: (x, y, s, batch) => fn(wp, x, y, batch * rows, s) };
      }
      const fn = ctx.kernels.qs8_gemm;
      return { call: (x, y, _s, batch) => fn(wp, x, y, batch * rows) };
    },
  };
}

const QS8_MAXPOOL: KernelEntry = {
  kernel: 'qs8_maxpool2d',
  prepare(ctx) {
    const op = ctx.op as MaxPool2DOp, [h, w, c] = tensor(ctx, op.input).shape;
    const params = ctx.arena.put(packMaxpool2d(h, w, c, qs8Pool(ctx, op)).bytes), fn = ctx.kernels.qs8_maxpool2d;
    return { call: (x, y, _s, n) => fn(params, x, y, n) };
  },
};

function qs8Edge(kernel: 'qs8_quantize' | 'qs8_dequantize'): KernelEntry {
  return {
    kernel,
    prepare(ctx) {
      const op = ctx.op, input = tensor(ctx, op.input);
      const q = tensor(ctx, kernel === 'qs8_quantize' ? op.output : op.input).quant!;
      const count = elementCount(input.shape), scale = q.scale[0], zp = q.zeroPoint[0], fn = ctx.kernels[kernel];
      return { call: (x, y, _s, n) => fn(x, y, n * count, scale, zp) };
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

const F32_CONV = f32Conv('f32_conv2d_nhwc');
const F32_CONV_SPARSE: KernelEntry = { ...f32Conv('f32_conv2d_sparse'), minSparsity: 0.8 };
const F32_CONV_POOL: KernelEntry = { ...f32Conv('f32_conv2d_relu_maxpool2d'), fits: fitsF32Pool };
const F32_CONV_POOL_SPARSE: KernelEntry = { ...f32Conv('f32_conv2d_relu_maxpool2d_sparse'), fits: fitsF32Pool, minSparsity: 0.5 };
const F32_DENSE = f32Dense(false);
const F32_DENSE_SPARSE: KernelEntry = { ...f32Dense(true), minSparsity: 0.5 };

export const RESOLVER: Readonly<Record<string, KernelEntry>> = {
  'conv2d/f32': F32_CONV,
  'conv2d/f32/sparse': F32_CONV_SPARSE,
  'conv2d_maxpool2d/f32': F32_CONV_POOL,
  'conv2d_maxpool2d/f32/sparse': F32_CONV_POOL_SPARSE,
  'dense/f32': F32_DENSE,
  'dense/f32/sparse': F32_DENSE_SPARSE,
  'maxpool2d/f32': F32_MAXPOOL,

  'conv2d/dynamic': F32_CONV,
  'conv2d/dynamic/sparse': F32_CONV_SPARSE,
  'conv2d_maxpool2d/dynamic': F32_CONV_POOL,
  'conv2d_maxpool2d/dynamic/sparse': F32_CONV_POOL_SPARSE,
  'dense/dynamic': F32_DENSE,
  'dense/dynamic/sparse': F32_DENSE_SPARSE,

  'conv2d/int8': qs8Conv('qs8_conv2d_nhwc'),
  'conv2d/int8/sparse': { ...qs8Conv('qs8_spconv2d_nhwc'), minSparsity: 0.8 },
  'conv2d_maxpool2d/int8': qs8Conv('qs8_conv2d_maxpool2d'),
  'conv2d_maxpool2d/int8/sparse': { ...qs8Conv('qs8_spconv2d_maxpool2d'), minSparsity: 0.5 },
  'dense/int8': qs8Dense(false),
  'dense/int8/sparse': { ...qs8Dense(true), minSparsity: 0.5 },
  'maxpool2d/int8': QS8_MAXPOOL,
  'quantize/int8': qs8Edge('qs8_quantize'),
  'dequantize/int8': qs8Edge('qs8_dequantize'),
};
