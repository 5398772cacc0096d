// The resolver's int8 family (src/runtime/resolver.ts): TFLite's int8 spec, quantize -> int8 ops ->
// dequantize. Bundled by topiary/runtime and /int8.
import type { Conv2DOp, MaxPool2DOp } from '../format/model.js';
import { elementCount } from '../format/model.js';
import { multiplierOf } from '../quant/multiplier.js';
import { RuntimeError } from './errors.js';
import type { Qs8Exports } from './kernels_qs8.js';
import { packConv, packGemm, packMaxpool2d, packSpmm, spmmScratchBytes, type Requantize } from './packing/qs8.js';
import type { Qs8Requant } from './reference/qs8_types.js';
import { convGeometry, poolGeometry, zeroShare, type Context, type Family, type Row } from './resolver.js';

/**
 * The packers' exact requant for any rq, from a kernel build: for the kernel table and tests (the rows
 * make theirs per layer, in int8Layer). The channel's params are read in place: spreading
 * channelRequant's pair made packing 5x slower.
 */
export const kernelRequantize = (k: Pick<Qs8Exports, 'qs8_requant_one'>): Requantize => (acc, rq, c) => {
  const i = rq.multipliers.length === 1 ? 0 : c; // per-tensor params broadcast
  return k.qs8_requant_one(acc, rq.multipliers[i], rq.shifts[i], rq.zOut, rq.actMin, rq.actMax);
};

/**
 * Integer parts of an int8 conv or dense (TFLite's Prepare): per-channel multipliers of
 * s_in * s_w[c] / s_out, with the product in float32 for a per-tensor dense kernel
 * (GetQuantizedConvolutionMultipler) and in double otherwise (PopulateConvolutionQuantizationParams),
 * as src/quant/scheme.ts outputMultipliers does; ReLU clamps to [max(-128, z_out), 127].
 */
function int8Layer({ op, input, output, weights, bias, kernels }: Context): { w: Int8Array; bias: Int32Array; zIn: number; rq: Qs8Requant & { shifts: Int32Array }; exact: Requantize } {
  const { scale, axis } = weights.quant!, sIn = input.quant!.scale[0], zOut = output.quant!.zeroPoint[0], cout = weights.shape.at(-1)!;
  const actMin = (op as Conv2DOp).activation === 'relu' ? Math.max(-128, zOut) : -128;
  // one multiplier and shift per channel (a per-tensor scale broadcast), so `exact` reads channel c's in place
  const multipliers = new Int32Array(cout), shifts = new Int32Array(cout);
  for (let c = 0; c < cout; c++) {
    const sW = scale[scale.length === 1 ? 0 : c];
    const real = (op.op === 'dense' && axis === undefined ? Math.fround(sIn * sW) : sIn * sW) / output.quant!.scale[0];
    // capped at 2^31 (shift 32): a ratio of finite scales may overflow to Infinity; shifts over 30 are refused
    const [q, shift] = multiplierOf(Math.min(real, 2 ** 31));
    if (shift > 30) {
      throw new RuntimeError('bad_quant', `the op writing tensor ${op.output} has a requantization multiplier ${real.toExponential(3)} >= 2^30; re-export the model with sane scales`);
    }
    multipliers[c] = q;
    shifts[c] = shift;
  }
  return {
    w: weights.data as Int8Array,
    bias: (bias as Int32Array) ?? new Int32Array(cout),
    zIn: input.quant!.zeroPoint[0],
    rq: { multipliers, shifts, zOut, actMin, actMax: 127 },
    // the packers' exact requant, from the kernel build (the TS reference stays out of the bundle)
    exact: (acc, _rq, c) => kernels.qs8_requant_one(acc, multipliers[c], shifts[c], zOut, actMin, 127),
  };
}

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
      const packed = packConv(convGeometry(ctx), l.w, l.bias, l.zIn, l.rq, l.exact, ctx.pool, sparse);
      const wp = ctx.arena.put(packed.bytes);
      return { scratch: () => packed.scratchBytes, call: (x, y, s, n) => fn(wp, x, y, n, s) };
    },
  };
}

// Int8 pruned models, the whole model at batch 1 with its sparse dense run by qs8_gemm (packed dense) over
// qs8_spmm (a one-process A/B, CPU-time medians of 31-41 interleaved rounds, load 1-4, 2026-11-28): seed
// (80% zeros) 0.63-0.65x, and at batch 2 / 3 / 4 0.84x / 0.86x / 0.89x (5 and up: qs8_spmm's 16-row block
// wins); 80% in blocks 0.70x, 90% 0.85x, 95% 1.09x. The dense packing takes k x n more arena bytes (20 KB).
const FEW_ROWS_SPARSITY = 0.92;

function qs8Dense(sparse: boolean, minSparsity?: number): Row {
  return {
    kernel: sparse ? 'qs8_spmm' : 'qs8_gemm',
    minSparsity,
    prepare(ctx) {
      const [k, n] = ctx.weights.shape, rows = elementCount(ctx.input.shape) / k;
      const l = int8Layer(ctx), { qs8_gemm: gemm, qs8_spmm: spmm } = ctx.kernels, { arena } = ctx, put = (pack: typeof packGemm) => arena.put(pack(l.w, k, n, l.bias, l.zIn, l.rq, l.exact));
      // The dense row runs qs8_gemm on a dense packing (dp). The sparse row runs qs8_spmm (sp) and, under
      // FEW_ROWS_SPARSITY zeros, qs8_gemm for up to 4 rows (one tile): qs8_spmm's scalar row loop, or its
      // 16-row block, costs more there (same results). That dense blob is padded to whole 4 KB so later
      // buffers keep their addresses mod 4 KB (shifted by 20 KB, batch 32 ran 1-2.5% slower).
      const sp = sparse ? put(packSpmm) : 0, at = arena.top;
      const dp = sparse && zeroShare(l.w) >= FEW_ROWS_SPARSITY ? 0 : put(packGemm);
      if (sparse) arena.top = at + ((arena.top - at + 4095) & ~4095);
      return {
        scratch: sparse ? (batch) => spmmScratchBytes(batch * rows, k) : undefined,
        call: (x, y, s, batch) => (dp && (!sp || batch * rows <= 4) ? gemm(dp, x, y, batch * rows) : spmm(sp, x, y, batch * rows, s)),
      };
    },
  };
}

const QS8_MAXPOOL: Row = {
  kernel: 'qs8_maxpool2d',
  prepare({ op, input, arena, kernels }) {
    const g = poolGeometry(op as MaxPool2DOp, input.shape), fn = kernels.qs8_maxpool2d;
    const params = arena.put(packMaxpool2d(g.h, g.w, g.c, g));
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

// minSparsity: from bench/kernels.ts on the seed model's layers at batch 32 (SIMD, a contended
// 2-core machine, load 6-7, 2026-11-28 at c0fa278): the sparse kernel's speed over its dense twin, same run:
//   qs8_spconv2d_maxpool2d 1.68x (digits 1.56x) at 80% zeros    qs8_spconv2d_nhwc 1.36x at 80%
//   qs8_spmm 0.64x at 0%, 2.19x at 80%; with x as u8 (spmm8 branch, an interleaved harness on the same layer,
//   best of 30-60 rounds, load ~10): 0.76x at 0% (0.66x before), 2.5-2.6x at 80% (2.3x before)
// and the whole int8 seed model ran faster with sparse kernels from 50% zeros on (bench/runtime.ts --sweep).
// The sparse conv's tap pairs (2026-11-28, a throwaway A/B script running the kernel table's cases:
// CPU-time medians of 81 interleaved rounds, old and new build in one process, load 9-12), dense twin / sparse at 80% zeros, us, new (old):
//   conv+pool random 177.6 / 98.0 = 1.81x (182.4 / 107.3 = 1.70x)   digits 87.5 / 57.6 = 1.52x (89.6 / 57.6 = 1.56x)
//   strokes 93.3 / 59.6 = 1.57x (95.7 / 63.2 = 1.51x)              conv (quad) 279.7 / 183.7 = 1.52x (297.2 / 209.1 = 1.42x)
// x as u8 in the sparse pair loop (k8u, same harness, 81 rounds, load 1-2), new / old sparse: conv+pool
// random 0.96-0.995, digits 0.97-0.994, strokes 0.97-0.997, quad 0.995-1.014 (no change).
// After spmm25 and q8tail, `node dist/bench/kernels.js` 2026-11-28 16:49 (load 0.8), sparse / dense twin:
//   qs8_spmm 0.78x at 0%, 2.72x at 80%; qs8_spconv2d_nhwc (quad) 1.64x at 80%;
//   qs8_spconv2d_maxpool2d at 80%: random 1.97x, digits 1.56x, strokes 1.61x.
// `node dist/bench/runtime.js --sweep` at 17:11 (load 0.9), the whole int8 seed model, ms for the test set,
// dense / sparse kernels: 30% zeros 7.36 / 6.61, 50% 7.27 / 5.63, 80% 7.45 / 4.31, 95% 7.44 / 3.15: the
// sparse rows pay from 30% on, so 0.5 stays a safe floor.

/** op -> [dense row, sparse row]. */
export const QS8_ROWS: Family = {
  conv2d: [qs8Conv('qs8_conv2d_nhwc'), qs8Conv('qs8_spconv2d_nhwc', 0.8)],
  conv2d_maxpool2d: [qs8Conv('qs8_conv2d_maxpool2d'), qs8Conv('qs8_spconv2d_maxpool2d', 0.5)],
  dense: [qs8Dense(false), qs8Dense(true, 0.5)],
  maxpool2d: [QS8_MAXPOOL],
  quantize: [qs8Edge('qs8_quantize')],
  dequantize: [qs8Edge('qs8_dequantize')],
};
