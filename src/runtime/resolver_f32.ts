// The resolver's f32 family (src/runtime/resolver.ts): the rows of f32 ops and of dynamic-range ops,
// whose int8 weights are dequantized here at prepare. Bundled by topiary/runtime and /f32.
import type { Conv2DOp, DenseOp, FormatModel, MaxPool2DOp } from '../format/model.js';
import { elementCount } from '../format/model.js';
import type { Arena } from './arena.js';
import type { F32Exports } from './kernels_f32.js';
import { packConv2d as packF32Conv, packConv2dReluMaxpoolSparse, packConv2dSparse as packF32ConvSparse, packDense, packDenseSparse } from './packing/f32.js';
import {
  CONV_FLAGS_AT, CONV_OUT_MINOR, CONV_PARAMS_BYTES, DENSE_IN_MINOR, DENSE_RELU, POOL_PARAMS_BYTES, conv2dGeometry, conv2dReluMaxpoolSparseScratchBytes, conv2dScratchBytes, conv2dSparseScratchBytes, denseSparseScratchBytes,
  pool2dGeometry, writeConv2dParams, writePool2dParams, type Conv2dGeometry,
} from './packing/f32_params.js';
import { convGeometry, poolGeometry, takesSparse, zeroShare, type Context, type Family, type Row } from './resolver.js';

/** Float weights and bias: f32 data as is; int8 (dynamic range) dequantized, w = float32(scale[c] * q) with c the last axis. */
function floatWeights({ weights: t, bias }: Context): [Float32Array, Float32Array] {
  const scale = t.quant?.scale, cout = t.shape[t.shape.length - 1];
  return [scale ? Float32Array.from(t.data!, (q, i) => scale[i % scale.length] * q) : (t.data as Float32Array), (bias as Float32Array) ?? new Float32Array(cout)];
}

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
    minor: kernel.endsWith('sparse') ? toSparseDense : undefined,
    // the fused f32 kernels are ReLU then a 2x2 stride-2 'valid' pool, nothing else
    fits: kernel.includes('pool')
      ? ({ op, pool: p }) => (op as Conv2DOp).activation === 'relu' && [p!.poolH, p!.poolW, p!.strideH, p!.strideW, p!.padding].join() === '2,2,2,2,valid'
      : undefined,
    prepare(ctx) {
      const { arena } = ctx, fn = ctx.kernels[kernel] as F32Exports['f32_conv2d_nhwc'];
      const g = conv2dGeometry({ ...convGeometry(ctx), n: 1, relu: (ctx.op as Conv2DOp).activation === 'relu', outLayout: ctx.minorOut ? 'minor' : 'nhwc' }), bytes = scratch(g);
      const wp = arena.put(pack(...floatWeights(ctx), g));
      const params = withParams(arena, CONV_PARAMS_BYTES, (m, at) => writeConv2dParams(m, at, g)), flags = arena.i32[(params >> 2) + CONV_FLAGS_AT] & ~CONV_OUT_MINOR;
      return {
        scratch: () => bytes,
        call(x, y, s, n) {
          arena.i32[params >> 2] = n; // the params block's first field is the batch
          if (ctx.minorOut) arena.i32[(params >> 2) + CONV_FLAGS_AT] = minorAt(n) ? flags | CONV_OUT_MINOR : flags;
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
      const relu = (ctx.op as DenseOp).activation === 'relu' ? DENSE_RELU : 0, bytes = denseSparseScratchBytes(k, n), { arena } = ctx, { f32_dense: dense, f32_dense_sparse: fn } = ctx.kernels;
      const [w, b] = floatWeights(ctx), dp = !sparse || zeroShare(w) < BLOCK_SPARSITY ? arena.put(packDense(w, b, k, n)) : 0;
      if (!sparse) return { call: (x, y, _, batch) => dense(x, dp, y, batch * rows, k, n, relu) };
      const sp = arena.put(packDenseSparse(w, b, k, n));
      return {
        scratch: () => bytes,
        call(x, y, s, batch) {
          // with a dense packing, a last block of 16 rows or fewer runs dense (the same sums: a zero weight adds
          // +-0; but 0 * inf or NaN is NaN, so a non-finite activation gives batch-dependent outputs: interpreter.ts)
          const m = batch * rows, tail = m % 32, full = dp && tail <= 16 ? m - tail : m;
          if (full) fn(x, sp, y, full, k, n, ctx.minorIn && minorAt(batch) ? relu | DENSE_IN_MINOR : relu, s);
          if (full < m) dense(x + 4 * full * k, dp, y + 4 * full * n, m - full, k, n, relu);
        },
      };
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

/**
 * Whether f32 tensor t goes, through reshapes and flattens read by nothing else, to a dense (so f32 or
 * dynamic range) with one row per sample (a rank-1 input) that takes the sparse row: its f32_dense_sparse
 * then reads t batch-minor, as a sparse conv can write it, instead of transposing it.
 */
function toSparseDense(model: FormatModel, t: number, mode: string): boolean {
  const readers = model.ops.filter((o) => o.input === t), op = readers[0];
  if (t === model.output || readers.length !== 1) return false;
  if (op.op === 'reshape' || op.op === 'flatten') return toSparseDense(model, op.output, mode);
  return op.op === 'dense' && model.tensors[t].shape.length < 2 && takesSparse(F32_ROWS.dense[1]!, model.tensors[op.kernel], mode);
}

// minSparsity: the sparse kernel's speed over its dense twin on the seed model's layers at batch 32, at
// 50% / 80% / 95% zeros (SIMD, 2026-11-28 14:12 on branch f32sp, a 2-core machine at load 7-9: medians of
// 25 interleaved rounds' ratios, CPU time of this thread, as bench/kernels.ts pairs them; its 95% pooled figure):
//   f32_dense_sparse 1.23x / 2.48x / 4.7x (x batch-minor, 80%: 3.99x)
//   f32_conv2d_relu_maxpool2d_sparse 1.52x / 2.80x / ~5x
//   f32_conv2d_sparse 1.30x / 1.98x / 2.46x
// After spmm25's 128-tap chunks, `node dist/bench/kernels.js` 2026-11-28 16:49 (load 0.8), the same ratios:
//   f32_dense_sparse 1.41x / 2.69x / 4.77x (x batch-minor, 80%: 4.08x)
//   f32_conv2d_relu_maxpool2d_sparse 1.55x / 2.85x / 5.27x;  f32_conv2d_sparse 1.34x / 1.98x / 2.44x
// and `node dist/bench/runtime.js --sweep` at 17:11, the whole f32 seed model, ms for the test set, dense /
// sparse kernels: 30% zeros 11.55 / 9.50, 50% 11.40 / 7.23, 80% 11.48 / 4.08, 95% 11.67 / 2.14.

/**
 * Whether a batch of n samples goes batch-minor from a sparse conv to the sparse dense after it, else NHWC
 * (which the dense transposes, or reads row by row): when its last block of 32 holds 27 or more. The conv
 * writes batch-minor in groups of 16 samples whatever their fill; the pruned seed model (us per sample,
 * batch-minor / NHWC, 2026-11-28, load 4-6): batch 1 16.7 / 7.0, 8 2.64 / 2.52, 11 2.52 / 2.58,
 * 16 2.29 / 2.34, 17 2.54 / 2.34, 20 2.35 / 2.23, 26 2.15 / 2.16, 28 2.10 / 2.14, 32 2.06 / 2.10. (From 11
 * to 16 batch-minor gains a little too, but a dense layer with a dense packing reads those rows NHWC.)
 */
export const minorAt = (n: number): boolean => n % 32 === 0 || n % 32 > 26;

/**
 * Below this share of zero weights a sparse dense keeps a dense packing too (4 (k + 1) n bytes, n rounded
 * up to 4 or 12) and runs f32_dense on a last block of 16 rows or fewer: f32_dense_sparse pays from 30%
 * zeros on only in blocks of 17 or more (its strips of 28 rows, or full blocks chunked). The seed's 2028 x 10,
 * us per call, f32_dense / f32_dense_sparse at 50% 60% 70% 80% zeros (x NHWC; CPU time, medians of 21
 * interleaved rounds, load 6, 2026-11-28): 1 row 2.26 / 4.94 3.95 2.99 2.02; 3 rows 4.36 / 7.11 5.97 5.05
 * 3.84; 8 rows 9.10 / 13.1 11.1 8.78 6.41; 16 rows 17.4 / 25.7 20.9 16.5 12.0; 32 rows 35.5 / 25.5 20.6 17.1
 * 13.3. At 50%, x NHWC / batch-minor: 12 rows 12.7 / 19.1 16.5; 17 rows 18.9 / 20.8 16.9; 28 rows 30.3 / 22.3 17.2.
 */
const BLOCK_SPARSITY = 0.8;

/** op -> [dense row, sparse row]. */
export const F32_ROWS: Family = {
  conv2d: [f32Conv('f32_conv2d_nhwc'), f32Conv('f32_conv2d_sparse', 0.5)],
  conv2d_maxpool2d: [f32Conv('f32_conv2d_relu_maxpool2d'), f32Conv('f32_conv2d_relu_maxpool2d_sparse', 0.5)],
  dense: [f32Dense(false), f32Dense(true, 0.5)],
  maxpool2d: [F32_MAXPOOL],
};
