// The qs8 kernel family's rows of the kernel table: per kernel its shape table (tile geometry: less,
// exactly, more, several; k = 1; channel counts off multiples of 4/8/16; sparsity 0..100%), the seed
// model's shapes at batch 32 for the bench, and `prepare`, which packs seeded int8 data with the
// runtime's own packers (src/runtime/packing/qs8.ts) so the tests cover packing too. int8 is bit-exact.
import { Rng } from '../data/rng.js';
import { quantizeMultiplier } from '../quant/requant.js';
import { GuardedBuffers } from './kernel_buffers.js';
import type { KernelCase, KernelInfo, KernelShape } from './kernel_info.js';
import type { KernelModule } from './wasm.js';
import { kernelRequantize } from './resolver_qs8.js';
import { packConv2d, packGemm, packMaxpool2d, packRequantize, packSpconv2d, packSpmm, spmmScratchBytes } from './packing/qs8.js';
import { qs8_conv2d_maxpool2d, qs8_conv2d_nhwc } from './reference/qs8_conv2d_nhwc.js';
import { qs8_gemm } from './reference/qs8_gemm.js';
import { qs8_maxpool2d } from './reference/qs8_maxpool2d.js';
import { qs8_dequantize, qs8_quantize } from './reference/qs8_quantize.js';
import { qs8_requantize } from './reference/qs8_requantize.js';
import { axis, type Conv2dGeometry, type Pool2dGeometry, type Qs8Requant } from './reference/qs8_types.js';

/** The qs8 exports as the host calls them (byte offsets and int dims). */
export interface Qs8Exports {
  qs8_requantize(params: number, acc: number, y: number, m: number): void;
  /** One accumulator's exact requant: reference/qs8_requantize.ts requantize() of channel params (q, shift). */
  qs8_requant_one(acc: number, q: number, shift: number, zOut: number, lo: number, hi: number): number;
  qs8_quantize(x: number, y: number, n: number, scale: number, zeroPoint: number): void;
  qs8_dequantize(x: number, y: number, n: number, scale: number, zeroPoint: number): void;
  qs8_maxpool2d(params: number, x: number, y: number, n: number): void;
  qs8_gemm(packed: number, x: number, y: number, m: number): void;
  qs8_spmm(packed: number, x: number, y: number, m: number, scratch: number): void;
  qs8_conv2d_nhwc(packed: number, x: number, y: number, n: number, scratch: number): void;
  qs8_conv2d_maxpool2d(packed: number, x: number, y: number, n: number, scratch: number): void;
  qs8_spconv2d_nhwc(packed: number, x: number, y: number, n: number, scratch: number): void;
  qs8_spconv2d_maxpool2d(packed: number, x: number, y: number, n: number, scratch: number): void;
}

/** int8 views over the shared guarded buffers. */
class Buffers extends GuardedBuffers {
  constructor(mod: KernelModule) {
    super(mod, 0x5a);
  }
  get k(): Qs8Exports {
    return this.mod.exports as unknown as Qs8Exports;
  }
  /** A guarded output, prefilled with a byte pattern so an output the kernel skips is caught. */
  output(bytes: number): number {
    const ptr = this.alloc(bytes, true);
    new Uint8Array(this.memory, ptr, bytes).fill(0x77);
    return ptr;
  }
}

function int8s(rng: Rng, n: number, lo = -128, hi = 127): Int8Array {
  const a = new Int8Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + rng.int(hi - lo + 1);
  return a;
}

/** Values within 3 of z, so that accumulators stay small (cases with multipliers >= 1). */
function near(rng: Rng, n: number, z: number): Int8Array {
  return int8s(rng, n, Math.max(-128, z - 3), Math.min(127, z + 3));
}

/** Int8 weights in [-127, 127] (or [-3, 3]) with exactly round(sparsity * n) zeros (plus the random ones). */
function weights(rng: Rng, n: number, sparsity = 0, small = false): Int8Array {
  const w = small ? int8s(rng, n, -3, 3) : int8s(rng, n, -127, 127);
  const p = rng.permutation(n);
  for (let i = 0; i < Math.round(sparsity * n); i++) w[p[i]] = 0;
  return w;
}

/**
 * The extreme cases (dims zin: the input zero point; wmax: every nonzero weight at +-127), after the
 * draws: with zin, 3 of 4 inputs other than zIn go to the far end of the range (|x - zIn| = 255 or so),
 * and their requant (EXTREME_LOG2) is scaled to those larger sums, so outputs still spread over int8.
 */
function extreme(dims: Record<string, number>, zIn: number, x: Int8Array, w: Int8Array): void {
  if (dims.wmax) for (let i = 0; i < w.length; i++) if (w[i] !== 0) w[i] = w[i] > 0 ? 127 : -127;
  if (dims.zin !== undefined) for (let i = 0; i < x.length; i++) if (x[i] !== zIn && i % 4 !== 3) x[i] = zIn >= 0 ? -128 : 127;
}
const EXTREME_LOG2 = -2;
// zout cases: multipliers 4x the usual, so many outputs saturate on the way to zOut at an end of the range
const ZOUT_LOG2 = 2;
const log2Scale = (dims: Record<string, number>): number => dims.mscale ?? (dims.zin !== undefined ? EXTREME_LOG2 : dims.zout !== undefined ? ZOUT_LOG2 : 0);
/** The extreme cases' outputs: zOut 0 (zin) or dims.zout, with no ReLU, whatever zOut was drawn. */
const wide = (dims: Record<string, number>, rq: Qs8Requant): Qs8Requant =>
  dims.zin === undefined && dims.zout === undefined ? rq : { ...rq, zOut: dims.zout ?? 0, actMin: -128, actMax: 127 };

/**
 * Per-channel requant for accumulators of typical magnitude ~sqrt(k) * 73 * 90 (uniform weights times
 * uniform int8 minus a random zero point): multipliers spread over a factor of 4 around the one that
 * maps it to ~40, so outputs cover the int8 range and a few saturate; half the cases fuse a ReLU.
 */
function requantFor(rng: Rng, k: number, channels: number, perTensor = false, log2Scale = 0): Qs8Requant {
  const base = (40 / (Math.sqrt(k) * 73 * 90)) * 2 ** log2Scale;
  const n = perTensor ? 1 : channels;
  const multipliers = new Int32Array(n), shifts = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const q = quantizeMultiplier(base * 2 ** (rng.next() * 4 - 2));
    multipliers[c] = q.multiplier;
    shifts[c] = q.shift;
  }
  const zOut = rng.int(256) - 128;
  const relu = rng.next() < 0.5;
  return { multipliers, shifts, zOut, actMin: relu ? Math.max(-128, zOut) : -128, actMax: 127 };
}

/** Biases of the accumulators' magnitude for depth k; k = 0 gives [-5, 5]. */
function biases(rng: Rng, n: number, k: number): Int32Array {
  const b = new Int32Array(n);
  for (let c = 0; c < n; c++) b[c] = Math.round((rng.next() - 0.5) * (k ? Math.sqrt(k) * 73 * 60 : 10));
  return b;
}

function nonzero(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}

/** A case whose kernel writes `bytes` int8 (or f32) outputs at y. */
function makeCase(buf: Buffers, name: string, y: number, shape: number[], f32: boolean, run: () => void, reference: () => ArrayLike<number>, macs: number, nonzeroMacs: number): KernelCase {
  let want: ArrayLike<number> = [];
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    run,
    runReference: () => { want = reference(); },
    outputs: () => {
      buf.checkGuards(name);
      const got = f32 ? new Float32Array(buf.memory, y, size).slice() : new Int8Array(buf.memory, y, size).slice();
      return { got, want, shape };
    },
    macs,
    nonzeroMacs,
  };
}

function prepareRequantize(mod: KernelModule, shape: KernelShape, seed: number): KernelCase {
  const { m, n } = shape.dims;
  const rng = new Rng(seed);
  // Multipliers from 2^-36 to 2^5 (left shifts, flushes) and accumulators from tiny to INT32 edges.
  const multipliers = new Int32Array(n), shifts = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const q = quantizeMultiplier(2 ** (rng.next() * 41 - 36) * (0.5 + rng.next()));
    multipliers[c] = q.multiplier;
    shifts[c] = Math.min(q.shift, 30);
  }
  const zOut = rng.int(256) - 128;
  const rq: Qs8Requant = { multipliers, shifts, zOut, actMin: Math.max(-128, zOut - 100), actMax: 127 };
  const acc = new Int32Array(m * n);
  for (let i = 0; i < acc.length; i++) {
    const r = rng.next();
    acc[i] = r < 0.05 ? [-(2 ** 31), 2 ** 31 - 1, 0, -1, 1][rng.int(5)] : Math.round((rng.next() - 0.5) * 2 ** (rng.next() * 32));
  }
  const buf = new Buffers(mod);
  const params = buf.put(packRequantize(n, rq, kernelRequantize(buf.k))), ap = buf.put(acc), y = buf.output(m * n);
  return makeCase(buf, 'qs8_requantize', y, [m, n], false, () => buf.k.qs8_requantize(params, ap, y, m), () => qs8_requantize(acc, m, n, rq), m * n, m * n);
}

/** The float32 `ulps` steps away from v (v finite, nonzero). */
function ulpsAway(v: number, ulps: number): number {
  const f = new Float32Array([v]), i = new Int32Array(f.buffer);
  i[0] += Math.sign(v) * ulps;
  return f[0];
}

/**
 * dims: n [pixels: MNIST-like input, k/255 with scale 1/255 and zero point -128] [log2s: a scale near
 * 2^log2s instead of 2^-8, e.g. beyond the SIMD kernel's reciprocal range].
 */
function prepareQuantize(mod: KernelModule, shape: KernelShape, seed: number): KernelCase {
  const { n, pixels, log2s = -8 } = shape.dims;
  const rng = new Rng(seed);
  const scale = pixels ? Math.fround(1 / 255) : Math.fround(2 ** log2s * (1 + rng.next())), zp = pixels ? -128 : rng.int(256) - 128;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // Exact ties (k + 0.5) * s and their float neighbours (the SIMD kernel's reciprocal cannot tell
    // them apart), out-of-range values, NaN and infinities among ordinary values.
    const r = rng.next();
    if (pixels) x[i] = r < 0.8 ? 0 : Math.fround(rng.int(256) / 255);
    else if (r < 0.1) x[i] = (rng.int(300) - 150 + 0.5) * scale;
    else if (r < 0.15) x[i] = ulpsAway((rng.int(300) - 150 + 0.5) * scale, rng.int(7) - 3);
    else if (r < 0.17) x[i] = [NaN, Infinity, -Infinity, -0][rng.int(4)];
    else x[i] = (rng.next() - 0.5) * 300 * scale;
  }
  const buf = new Buffers(mod);
  const xp = buf.put(x), y = buf.output(n);
  return makeCase(buf, 'qs8_quantize', y, [n], false, () => buf.k.qs8_quantize(xp, y, n, scale, zp), () => qs8_quantize(x, scale, zp), n, n);
}

function prepareDequantize(mod: KernelModule, shape: KernelShape, seed: number): KernelCase {
  const { n } = shape.dims;
  const rng = new Rng(seed);
  const scale = Math.fround(0.5 ** 8 * (1 + rng.next())), zp = rng.int(256) - 128;
  const q = int8s(rng, n);
  const buf = new Buffers(mod);
  const qp = buf.put(q), y = buf.output(4 * n);
  return makeCase(buf, 'qs8_dequantize', y, [n], true, () => buf.k.qs8_dequantize(qp, y, n, scale, zp), () => qs8_dequantize(q, scale, zp), n, n);
}

/** dims: n h w c ph pw sh sw [same]. */
function prepareMaxpool(mod: KernelModule, shape: KernelShape, seed: number): KernelCase {
  const d = shape.dims;
  const rng = new Rng(seed);
  const pool: Pool2dGeometry = { poolH: d.ph, poolW: d.pw, strideH: d.sh, strideW: d.sw, padding: d.same ? 'same' : 'valid' };
  const x = int8s(rng, d.n * d.h * d.w * d.c);
  const lo = d.relu ? rng.int(100) - 128 : -128;
  const outH = axis(d.h, d.ph, d.sh, pool.padding).out, outW = axis(d.w, d.pw, d.sw, pool.padding).out;
  const buf = new Buffers(mod);
  const params = buf.put(packMaxpool2d(d.h, d.w, d.c, pool, lo, 127)), xp = buf.put(x), y = buf.output(d.n * outH * outW * d.c);
  const outs = d.n * outH * outW * d.c;
  return makeCase(buf, 'qs8_maxpool2d', y, [d.n, outH, outW, d.c], false, () => buf.k.qs8_maxpool2d(params, xp, y, d.n),
    () => qs8_maxpool2d(x, d.n, d.h, d.w, d.c, pool, lo, 127).y, outs * d.ph * d.pw, outs * d.ph * d.pw);
}

/**
 * Accumulators across requantization ties, for the SIMD requant's fast path and its exact fallback:
 * x's column 0 is every int8 value (row r holds r - 128) with weight 1, its other k - 1 columns zIn = 0
 * (their weights random: with k >= 16 the SIMD paths' pair loops run), so channel c's 256 rows see
 * bias[c] - 128 .. bias[c] + 127; its multiplier is 2^-3 .. 2^-16 and its bias puts a tie
 * (t + 1/2) / multiplier mid-range, for a random integer t.
 */
function tieCase(rng: Rng, n: number, k: number): { x: Int8Array; w: Int8Array; bias: Int32Array; zIn: number; rq: Qs8Requant } {
  const multipliers = new Int32Array(n), shifts = new Int32Array(n), bias = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const real = 2 ** -(3 + rng.next() * 13);
    const q = quantizeMultiplier(real);
    multipliers[c] = q.multiplier;
    shifts[c] = q.shift;
    bias[c] = Math.round((rng.int(201) - 100 + 0.5) / real);
  }
  // row r: r - 128 at column 0 (weight 1), zeros (zIn) at the others, whose weights are random
  const x = new Int8Array(256 * k).map((_, i) => (i % k === 0 ? i / k - 128 : 0));
  const w = (k === 1 ? new Int8Array(n) : int8s(rng, k * n, -127, 127)).fill(1, 0, n);
  return { x, w, bias, zIn: 0, rq: { multipliers, shifts, zOut: rng.int(256) - 128, actMin: -128, actMax: 127 } };
}

/**
 * dims: m k n [pt] (per-tensor requant) [mscale: multipliers x 2^mscale on small x, w and bias: left
 * shifts] [ties: see tieCase, m = 256] [zin: this input zero point] [wmax: nonzero weights all +-127]
 * [zout: this output zero point, no ReLU, multipliers 4x].
 */
function prepareGemm(sparse: boolean) {
  const name = sparse ? 'qs8_spmm' : 'qs8_gemm';
  return (mod: KernelModule, shape: KernelShape, seed: number): KernelCase => {
    const { m, k, n } = shape.dims;
    const rng = new Rng(seed);
    const small = shape.dims.mscale !== undefined;
    let zIn = rng.int(256) - 128, rq = requantFor(rng, k, n, shape.dims.pt === 1, log2Scale(shape.dims));
    zIn = shape.dims.zin ?? zIn;
    rq = wide(shape.dims, rq);
    let x = small ? near(rng, m * k, zIn) : int8s(rng, m * k), w = weights(rng, k * n, shape.sparsity, small);
    let bias = small ? biases(rng, n, 0) : biases(rng, n, k);
    if (shape.dims.ties) ({ x, w, bias, zIn, rq } = tieCase(rng, n, k));
    extreme(shape.dims, zIn, x, w);
    const buf = new Buffers(mod);
    const xp = buf.put(x), y = buf.output(m * n);
    const wp = buf.put(sparse ? packSpmm(w, k, n, bias, zIn, rq, kernelRequantize(buf.k)) : packGemm(w, k, n, bias, zIn, rq, kernelRequantize(buf.k)));
    const scratch = sparse ? buf.alloc(spmmScratchBytes(m, k), true) : 0;
    const run = sparse ? () => buf.k.qs8_spmm(wp, xp, y, m, scratch) : () => buf.k.qs8_gemm(wp, xp, y, m);
    return makeCase(buf, name, y, [m, n], false, run, () => qs8_gemm(x, m, k, n, zIn, w, bias, rq), m * k * n, m * nonzero(w));
  };
}

/**
 * Images that are mostly zIn, as digits on an empty background: with `bg`, 97% of the inputs are zIn
 * everywhere; with `digit`, inputs are zIn outside a centred box of half the size and 40% zIn inside it.
 */
function background(rng: Rng, n: number, h: number, w: number, cin: number, zIn: number, digit: boolean): Int8Array {
  const x = int8s(rng, n * h * w * cin);
  for (let i = 0; i < x.length; i++) {
    const px = Math.floor(i / cin) % w, py = Math.floor(i / (cin * w)) % h;
    const inside = Math.abs(py + 0.5 - h / 2) < h / 4 && Math.abs(px + 0.5 - w / 2) < w / 4;
    if (digit ? !inside || rng.next() < 0.4 : rng.next() < 0.97) x[i] = zIn;
  }
  return x;
}

/**
 * Images like real handwritten digits, which are hollow: per image an ellipse ring (a '0' of random
 * centre, radii and a stroke about 2.5 pixels wide) of random inputs on zIn, so the box around the ink
 * is mostly zIn inside too, unlike `digit`'s filled box.
 */
function strokes(rng: Rng, n: number, h: number, w: number, cin: number, zIn: number): Int8Array {
  const x = int8s(rng, n * h * w * cin);
  for (let b = 0; b < n; b++) {
    const cy = h / 2 + (rng.next() - 0.5) * h * 0.1, cx = w / 2 + (rng.next() - 0.5) * w * 0.1;
    const ry = h * (0.28 + rng.next() * 0.08), rx = w * (0.16 + rng.next() * 0.1);
    for (let i = 0; i < h * w; i++) {
      const dy = (Math.floor(i / w) + 0.5 - cy) / ry, dx = ((i % w) + 0.5 - cx) / rx;
      const ink = Math.abs(Math.hypot(dy, dx) - 1) * Math.min(rx, ry) < 1.25;
      if (!ink) x.fill(zIn, (b * h * w + i) * cin, (b * h * w + i + 1) * cin);
    }
  }
  return x;
}

/** Each output channel's weights (HWIO: channel fastest) scaled so its largest |w| is 127, as per-channel symmetric quantization makes them. */
function fullRange(w: Int8Array, cout: number): Int8Array {
  for (let c = 0; c < cout; c++) {
    let max = 0;
    for (let i = c; i < w.length; i += cout) max = Math.max(max, Math.abs(w[i]));
    if (max > 0) for (let i = c; i < w.length; i += cout) w[i] = Math.round((w[i] * 127) / max);
  }
  return w;
}

/**
 * dims: n h w cin cout kh kw [sh sw] [same] [pool = window = stride] [mscale as for gemm] [bg | digit:
 * see background] [strokes: hollow digits (see strokes) and weights at full range per channel, as a
 * converted model has: the benches' closest stand-in for the seed model's real data] [zin, wmax, zout as for gemm].
 */
function prepareConv(sparse: boolean, pooled: boolean) {
  const name = `qs8_${sparse ? 'sp' : ''}conv2d_${pooled ? 'maxpool2d' : 'nhwc'}` as const;
  return (mod: KernelModule, shape: KernelShape, seed: number): KernelCase => {
    const d = shape.dims;
    const g: Conv2dGeometry = {
      h: d.h, w: d.w, cin: d.cin, cout: d.cout, kh: d.kh, kw: d.kw, strideH: d.sh ?? 1, strideW: d.sw ?? 1, padding: d.same ? 'same' : 'valid',
    };
    const pool: Pool2dGeometry | undefined = pooled ? { poolH: d.pool, poolW: d.pool, strideH: d.pool, strideW: d.pool, padding: 'valid' } : undefined;
    const rng = new Rng(seed);
    const taps = g.kh * g.kw * g.cin;
    const drawn = rng.int(256) - 128, rq = wide(d, requantFor(rng, taps, g.cout, false, log2Scale(d)));
    const zIn = d.zin ?? drawn, small = d.mscale !== undefined;
    const x = small ? near(rng, d.n * g.h * g.w * g.cin, zIn)
      : d.strokes ? strokes(rng, d.n, g.h, g.w, g.cin, zIn)
      : d.bg || d.digit ? background(rng, d.n, g.h, g.w, g.cin, zIn, !!d.digit) : int8s(rng, d.n * g.h * g.w * g.cin);
    const raw = weights(rng, taps * g.cout, shape.sparsity, small), w = d.strokes ? fullRange(raw, g.cout) : raw, bias = small ? biases(rng, g.cout, 0) : biases(rng, g.cout, taps);
    extreme(d, zIn, x, w);
    const packed = (sparse ? packSpconv2d : packConv2d)(g, w, bias, zIn, rq, kernelRequantize(mod.exports as unknown as Qs8Exports), pool);
    const buf = new Buffers(mod);
    const xp = buf.put(x), wp = buf.put(packed.bytes);
    // the conv's output size, pooled when fused
    const convH = axis(g.h, g.kh, g.strideH, g.padding).out, convW = axis(g.w, g.kw, g.strideW, g.padding).out;
    const outH = pool ? axis(convH, pool.poolH, pool.strideH, 'valid').out : convH, outW = pool ? axis(convW, pool.poolW, pool.strideW, 'valid').out : convW;
    const outShape = [d.n, outH, outW, g.cout];
    const y = buf.output(outShape.reduce((a, b) => a * b, 1)), scratch = buf.alloc(packed.scratchBytes, true);
    const reference = pool ? () => qs8_conv2d_maxpool2d(x, d.n, g, pool, w, bias, zIn, rq).y : () => qs8_conv2d_nhwc(x, d.n, g, w, bias, zIn, rq).y;
    const pixels = d.n * outH * outW * (pool ? pool.poolH * pool.poolW : 1);
    return makeCase(buf, name, y, outShape, false, () => buf.k[name](wp, xp, y, d.n, scratch), reference, pixels * taps * g.cout, pixels * nonzero(w));
  };
}

const SPARSITIES = [0, 0.5, 0.8, 0.95, 1];
const sparseShapes = (base: KernelShape[]): KernelShape[] =>
  base.flatMap((s) => SPARSITIES.map((sparsity) => ({ label: `${s.label}_sparse${Math.round(sparsity * 100)}`, dims: s.dims, sparsity })));

// zero points at the ends of the range and weights at +-127: the largest |x - zIn| * |w| (255 * 127),
// for the kernels' widenings, the sparse ones' x + 128 and the biases folded at pack time
const EXTREME_GEMM: KernelShape[] = [
  { label: 'extreme_zin127_w127', dims: { m: 19, k: 40, n: 9, zin: 127, wmax: 1 } },
  { label: 'extreme_zin-128_w127', dims: { m: 19, k: 40, n: 9, zin: -128, wmax: 1 } },
];
const EXTREME_CONV: KernelShape[] = [
  { label: 'extreme_zin127_w127', dims: { n: 2, h: 12, w: 12, cin: 1, cout: 12, kh: 3, kw: 3, zin: 127, wmax: 1 } },
  { label: 'extreme_zin-128_w127_digit', dims: { n: 2, h: 28, w: 28, cin: 1, cout: 12, kh: 3, kw: 3, zin: -128, wmax: 1, digit: 1 } },
  { label: 'extreme_zin-128_w127_cin3', dims: { n: 1, h: 9, w: 9, cin: 3, cout: 5, kh: 3, kw: 3, zin: -128, wmax: 1 } },
  // zOut at the ends of the range with outputs saturating (unfused: quad mode, 8x8 outputs)
  { label: 'zout-128_cout12', dims: { n: 2, h: 10, w: 10, cin: 1, cout: 12, kh: 3, kw: 3, zout: -128 } },
  { label: 'zout127_cout16', dims: { n: 2, h: 10, w: 10, cin: 1, cout: 16, kh: 3, kw: 3, zout: 127 } },
];
const GEMM_SHAPES: KernelShape[] = [
  { label: 'one_tile', dims: { m: 4, k: 8, n: 2 } },
  { label: 'm_lt_mr', dims: { m: 3, k: 16, n: 2 } },
  { label: 'm_gt_mr_n_odd', dims: { m: 5, k: 24, n: 5 } },
  { label: 'k1', dims: { m: 4, k: 1, n: 4 } },
  { label: 'k_lt_8', dims: { m: 6, k: 7, n: 3 } },
  { label: 'k_not_mult8_n17', dims: { m: 9, k: 45, n: 17 } },
  { label: 'per_tensor', dims: { m: 7, k: 33, n: 10, pt: 1 } },
  { label: 'several_tiles', dims: { m: 13, k: 200, n: 33 } },
  { label: 'left_shifts_k1', dims: { m: 5, k: 1, n: 6, mscale: 8 } },
  { label: 'requant_ties', dims: { m: 256, k: 1, n: 16, ties: 1 } },
  { label: 'requant_ties_k20', dims: { m: 256, k: 20, n: 16, ties: 1 } },
  // one row (batch 1) takes a loop of its own
  { label: 'one_row_k37_n5', dims: { m: 1, k: 37, n: 5 } },
  { label: 'one_row_k1', dims: { m: 1, k: 1, n: 2 } },
  { label: 'one_row_left_shifts_k20', dims: { m: 1, k: 20, n: 6, mscale: 8 } },
  { label: 'one_row_k2028_n10', dims: { m: 1, k: 2028, n: 10 } },
  ...EXTREME_GEMM,
  ...EXTREME_GEMM.map((s) => ({ label: `one_row_${s.label}`, dims: { ...s.dims, m: 1 } })),
];
const SPMM_SHAPES: KernelShape[] = sparseShapes([
  { label: 'one_tile', dims: { m: 16, k: 16, n: 4 } },
  { label: 'm_lt_tile_k1', dims: { m: 5, k: 1, n: 3 } },
  { label: 'several_tiles', dims: { m: 33, k: 70, n: 17 } },
  { label: 'left_shifts_k1', dims: { m: 17, k: 1, n: 6, mscale: 8 } },
  // k >= 16 takes the SIMD tile path (k < 16 the scalar loop): left shifts there, and 2-15 rows
  { label: 'left_shifts_k20', dims: { m: 17, k: 20, n: 6, mscale: 8 } },
  { label: 'rows7_k40_n32', dims: { m: 7, k: 40, n: 32 } },
  { label: 'one_row', dims: { m: 1, k: 37, n: 5 } },
  ...EXTREME_GEMM,
  // blocks of 8-15 rows (one half by stepped loads, the other by rows), k just over a tile of 16
  { label: 'rows25_k16', dims: { m: 25, k: 16, n: 3 } },
  { label: 'rows24_k17_n33', dims: { m: 24, k: 17, n: 33 } },
  { label: 'rows31_k47_n1', dims: { m: 31, k: 47, n: 1 } },
  { label: 'rows2_k31_n15', dims: { m: 2, k: 31, n: 15 } },
  { label: 'extreme_rows40_k33_zin127_w127', dims: { m: 40, k: 33, n: 7, zin: 127, wmax: 1 } },
]).concat({ label: 'requant_ties', dims: { m: 256, k: 1, n: 16, ties: 1 } }, { label: 'requant_ties_k20', dims: { m: 256, k: 20, n: 16, ties: 1 } });
const SEED_DENSE: KernelShape = { label: 'seed_dense_b32', dims: { m: 32, k: 2028, n: 10 } };

const CONV_SHAPES: KernelShape[] = [
  { label: 'one_tile_4px_4ch', dims: { n: 1, h: 4, w: 4, cin: 1, cout: 4, kh: 3, kw: 3 } },
  { label: 'cout3_same', dims: { n: 1, h: 5, w: 5, cin: 1, cout: 3, kh: 3, kw: 3, same: 1 } },
  { label: 'k1_cin8_cout16', dims: { n: 2, h: 3, w: 5, cin: 8, cout: 16, kh: 1, kw: 1 } },
  { label: 'cin3_cout5_stride2_same', dims: { n: 2, h: 7, w: 6, cin: 3, cout: 5, kh: 3, kw: 2, sh: 2, sw: 1, same: 1 } },
  { label: 'cin2_cout9_5x5_stride_w2', dims: { n: 1, h: 9, w: 11, cin: 2, cout: 9, kh: 5, kw: 5, sh: 1, sw: 2 } },
  { label: 'left_shifts_1x1', dims: { n: 1, h: 4, w: 5, cin: 1, cout: 6, kh: 1, kw: 1, mscale: 8 } },
  { label: 'seed_like_b2', dims: { n: 2, h: 28, w: 28, cin: 1, cout: 12, kh: 3, kw: 3 } },
  { label: 'background_cout17_cin3_same', dims: { n: 2, h: 9, w: 10, cin: 3, cout: 17, kh: 3, kw: 3, same: 1, bg: 1 } },
  { label: 'field_wider_than_image', dims: { n: 2, h: 4, w: 2, cin: 1, cout: 3, kh: 3, kw: 3, sh: 1, sw: 2, same: 1 } },
  // even output sizes take quad mode (2x2 output pixels per patch): more than 16 channels, background
  { label: 'quad_cout17_cin2_same_bg', dims: { n: 2, h: 8, w: 10, cin: 2, cout: 17, kh: 3, kw: 3, same: 1, bg: 1 } },
  { label: 'quad_cout8_stride2', dims: { n: 3, h: 9, w: 13, cin: 1, cout: 8, kh: 3, kw: 3, sh: 2, sw: 2 } },
  // quads whose 16-byte stores spill: under 8 channels they go byte by byte, 8 to 16 straight
  { label: 'quad_cout7', dims: { n: 2, h: 6, w: 8, cin: 1, cout: 7, kh: 3, kw: 3 } },
  { label: 'quad_cout16', dims: { n: 2, h: 6, w: 8, cin: 1, cout: 16, kh: 3, kw: 3 } },
  ...EXTREME_CONV,
];
const POOL_SHAPES: KernelShape[] = [
  { label: 'one_tile', dims: { n: 1, h: 6, w: 6, cin: 1, cout: 4, kh: 3, kw: 3, pool: 2 } },
  { label: 'odd_conv_out_floor', dims: { n: 2, h: 9, w: 8, cin: 1, cout: 6, kh: 3, kw: 3, pool: 2 } },
  { label: 'pool3_cin2_same', dims: { n: 1, h: 10, w: 11, cin: 2, cout: 13, kh: 3, kw: 3, same: 1, pool: 3 } },
  { label: 'stride2_pool2_cin3', dims: { n: 2, h: 13, w: 12, cin: 3, cout: 7, kh: 3, kw: 3, sh: 2, sw: 2, pool: 2 } },
  { label: 'seed_like_b2', dims: { n: 2, h: 28, w: 28, cin: 1, cout: 12, kh: 3, kw: 3, pool: 2 } },
  { label: 'background_cout17_same', dims: { n: 3, h: 10, w: 9, cin: 2, cout: 17, kh: 3, kw: 3, same: 1, pool: 2, bg: 1 } },
  { label: 'digits_cout6_b3', dims: { n: 3, h: 28, w: 28, cin: 1, cout: 6, kh: 3, kw: 3, pool: 2, digit: 1 } },
  { label: 'strokes_b2', dims: { n: 2, h: 28, w: 28, cin: 1, cout: 12, kh: 3, kw: 3, pool: 2, strokes: 1 } },
  ...EXTREME_CONV.map((s) => ({ label: `${s.label}_pool2`, dims: { ...s.dims, pool: 2 } })),
];
// more sparse conv cases: rows wider than 32 bytes, outputs wider than 16 lanes, a digit's box at the edge
// of a 'same' image, images with no input but zIn, hollow digits with full-range weights
const SPARSE_EXTRA_SHAPES: KernelShape[] = [
  { label: 'wide_digit', dims: { n: 2, h: 12, w: 40, cin: 1, cout: 5, kh: 3, kw: 3, digit: 1 } },
  { label: 'wide_cin2_same_bg', dims: { n: 3, h: 7, w: 37, cin: 2, cout: 9, kh: 3, kw: 2, same: 1, bg: 1 } },
  { label: 'seed_like_digits_b3', dims: { n: 3, h: 28, w: 28, cin: 1, cout: 12, kh: 3, kw: 3, digit: 1 } },
  { label: 'tiny_bg', dims: { n: 6, h: 3, w: 5, cin: 1, cout: 3, kh: 2, kw: 2, bg: 1 } },
  { label: 'strokes_cin2_b2', dims: { n: 2, h: 28, w: 28, cin: 2, cout: 12, kh: 3, kw: 3, strokes: 1 } },
];
const pooled = (s: KernelShape): KernelShape => ({ label: `${s.label}_pool2`, dims: { ...s.dims, pool: 2 } });
const SEED_CONV: KernelShape = { label: 'seed_conv_b32', dims: { n: 32, h: 28, w: 28, cin: 1, cout: 12, kh: 3, kw: 3 } };
const SEED_CONV_POOL: KernelShape = { label: 'seed_conv_pool_b32', dims: { ...SEED_CONV.dims, pool: 2 } };
// digit-like inputs: zIn outside the centre, so about half the receptive fields are all zIn (as on MNIST)
const SEED_CONV_POOL_DIGITS: KernelShape = { label: 'seed_conv_pool_b32_digits', dims: { ...SEED_CONV_POOL.dims, digit: 1 } };
// the closest to the seed model's real data: hollow digits, weights at full range per channel
const SEED_CONV_POOL_STROKES: KernelShape = { label: 'seed_conv_pool_b32_strokes', dims: { ...SEED_CONV_POOL.dims, strokes: 1 } };
const at80 = (s: KernelShape): KernelShape => ({ label: `${s.label}_sparse80`, dims: s.dims, sparsity: 0.8 });

const row = (name: string, op: KernelInfo['op'], sparse: boolean, shapes: KernelShape[], benchShapes: KernelShape[], prepare: KernelInfo['prepare']): KernelInfo =>
  ({ name, op, dtype: 'qs8', sparse, exact: true, shapes, benchShapes, prepare });

export const QS8_KERNELS: KernelInfo[] = [
  row('qs8_requantize', 'requantize', false,
    [{ label: 'n1', dims: { m: 3, n: 1 } }, { label: 'n16', dims: { m: 2, n: 16 } }, { label: 'n37_many', dims: { m: 200, n: 37 } }],
    [{ label: 'seed_conv_out_b32', dims: { m: 32 * 676, n: 12 } }], prepareRequantize),
  row('qs8_quantize', 'quantize', false,
    [{ label: 'n3', dims: { n: 3 } }, { label: 'n4', dims: { n: 4 } }, { label: 'n1001', dims: { n: 1001 } }, { label: 'n4000', dims: { n: 4000 } }, { label: 'pixels_n999', dims: { n: 999, pixels: 1 } },
      { label: 'tiny_scale', dims: { n: 64, log2s: -110 } }, { label: 'huge_scale', dims: { n: 64, log2s: 110 } }],
    [{ label: 'seed_input_b32', dims: { n: 32 * 784, pixels: 1 } }, { label: 'ties_b32', dims: { n: 32 * 784 } }], prepareQuantize),
  row('qs8_dequantize', 'dequantize', false,
    [{ label: 'n5', dims: { n: 5 } }, { label: 'n16', dims: { n: 16 } }, { label: 'n333', dims: { n: 333 } }],
    [{ label: 'seed_logits_b32', dims: { n: 32 * 10 } }], prepareDequantize),
  row('qs8_maxpool2d', 'maxpool2d', false, [
    { label: 'c1', dims: { n: 1, h: 4, w: 4, c: 1, ph: 2, pw: 2, sh: 2, sw: 2 } },
    { label: 'c16', dims: { n: 2, h: 4, w: 6, c: 16, ph: 2, pw: 2, sh: 2, sw: 2, relu: 1 } },
    { label: 'c12_odd', dims: { n: 2, h: 7, w: 5, c: 12, ph: 2, pw: 2, sh: 2, sw: 2 } },
    { label: 'c35_pool3_s2_same', dims: { n: 1, h: 7, w: 8, c: 35, ph: 3, pw: 3, sh: 2, sw: 2, same: 1 } },
  ], [{ label: 'seed_pool_b32', dims: { n: 32, h: 26, w: 26, c: 12, ph: 2, pw: 2, sh: 2, sw: 2 } }], prepareMaxpool),
  row('qs8_gemm', 'dense', false, GEMM_SHAPES, [SEED_DENSE], prepareGemm(false)),
  row('qs8_spmm', 'dense', true, SPMM_SHAPES, [at80(SEED_DENSE), { ...SEED_DENSE, label: 'seed_dense_b32_sparse0', sparsity: 0 }], prepareGemm(true)),
  row('qs8_conv2d_nhwc', 'conv2d', false, CONV_SHAPES, [SEED_CONV], prepareConv(false, false)),
  row('qs8_spconv2d_nhwc', 'conv2d', true, sparseShapes([...CONV_SHAPES.slice(0, 4), ...CONV_SHAPES.slice(5, 8), ...CONV_SHAPES.slice(9), ...SPARSE_EXTRA_SHAPES]), [at80(SEED_CONV)], prepareConv(true, false)),
  row('qs8_conv2d_maxpool2d', 'conv2d_relu_maxpool2d', false, POOL_SHAPES, [SEED_CONV_POOL, SEED_CONV_POOL_DIGITS, SEED_CONV_POOL_STROKES], prepareConv(false, true)),
  row('qs8_spconv2d_maxpool2d', 'conv2d_relu_maxpool2d', true, sparseShapes([...POOL_SHAPES.slice(1), ...SPARSE_EXTRA_SHAPES.map(pooled)]), [at80(SEED_CONV_POOL), at80(SEED_CONV_POOL_DIGITS), at80(SEED_CONV_POOL_STROKES)], prepareConv(true, true)),
];
