// The f32 kernel family's rows of the kernel table: per kernel its shape table (tile geometry: less,
// exactly, more, several; k = 1; channel counts off multiples of 4/8/16; sparsity 0..100%), the seed
// model's shapes at batch 32 for the bench, and `prepare`, which packs seeded Keras-layout weights
// with the runtime's own packers so the tests cover packing too.
import { Rng } from '../data/rng.js';
import { GuardedBuffers } from './kernel_buffers.js';
import type { KernelCase, KernelInfo, KernelShape } from './kernel_info.js';
import type { KernelModule } from './wasm.js';
import { packConv2d, packConv2dReluMaxpoolSparse, packConv2dSparse, packDense, packDenseSparse } from './packing/f32.js';
import {
  CONV_PARAMS_BYTES, DENSE_IN_MINOR, DENSE_RELU, POOL_PARAMS_BYTES, conv2dGeometry, conv2dReluMaxpoolSparseScratchBytes, conv2dScratchBytes, conv2dSparseScratchBytes,
  denseSparseScratchBytes, pool2dGeometry, writeConv2dParams, writePool2dParams, type Conv2dGeometry, type Pool2dGeometry,
} from './packing/f32_params.js';
import { f32_dense as refDense } from './reference/f32_dense.js';
import { f32_dense_sparse as refDenseSparse } from './reference/f32_dense_sparse.js';
import { f32_conv2d_sparse as refConvSparse } from './reference/f32_conv2d_sparse.js';
import { f32_conv2d_relu_maxpool2d_sparse as refConvPoolSparse } from './reference/f32_conv2d_relu_maxpool2d_sparse.js';
import { f32_conv2d_nhwc as refConv } from './reference/f32_conv2d_nhwc.js';
import { f32_conv2d_relu_maxpool2d as refConvPool } from './reference/f32_conv2d_relu_maxpool2d.js';
import { f32_maxpool2d as refPool } from './reference/f32_maxpool2d.js';

/** The f32 exports as the host calls them (byte offsets and int dims). */
export interface F32Exports {
  f32_dense(x: number, w: number, y: number, m: number, k: number, n: number, relu: number): void;
  f32_conv2d_nhwc(params: number, x: number, w: number, y: number, scratch: number): void;
  f32_conv2d_relu_maxpool2d(params: number, x: number, w: number, y: number, scratch: number): void;
  f32_maxpool2d(params: number, x: number, y: number): void;
  f32_dense_sparse(x: number, w: number, y: number, m: number, k: number, n: number, flags: number, scratch: number): void;
  f32_conv2d_sparse(params: number, x: number, w: number, y: number, scratch: number): void;
  f32_conv2d_relu_maxpool2d_sparse(params: number, x: number, w: number, y: number, scratch: number): void;
}

/** f32 views over the shared guarded buffers. */
class Buffers extends GuardedBuffers {
  constructor(mod: KernelModule) {
    super(mod, 0xa5);
  }

  get exports(): F32Exports {
    return this.mod.exports as unknown as F32Exports;
  }

  /** A guarded output of `n` floats, prefilled with NaN so an output the kernel skips cannot pass. */
  output(n: number): number {
    const ptr = this.alloc(n * 4, true);
    new Float32Array(this.memory, ptr, n).fill(NaN);
    return ptr;
  }

  read(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory, ptr, n).slice();
  }
}

function uniform(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Zeroes exactly round(sparsity * length) entries of `a`, chosen by `rng`. */
export function sparsify(rng: Rng, a: Float32Array, sparsity: number): Float32Array {
  const p = rng.permutation(a.length);
  const zeros = Math.round(sparsity * a.length);
  for (let i = 0; i < zeros; i++) a[p[i]] = 0;
  return a;
}

function countNonzero(a: ArrayLike<number>): number {
  let nz = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) nz++;
  return nz;
}

const abs = (a: Float32Array): Float32Array => a.map(Math.abs);

interface CaseSpec {
  y: number;
  shape: number[];
  /** y is batch-minor ('minor' layout) with this many floats per sample: read back to [n][per] (lanes past n unread). */
  minor?: number;
  run(): void;
  /** Runs the reference twin into `out`; with `magnitude`, on |x|, |w|, |b| and without ReLU. */
  reference(out: Float32Array, magnitude: boolean): void;
  macs: number;
  nonzeroMacs: number;
}

/** The batch-minor layout: sample b's float i at [b / 32][i][b % 32]; its length for n samples (whole blocks of 32). */
const minorIndex = (per: number, j: number): number => {
  const b = Math.floor(j / per);
  return ((b >> 5) * per + (j % per)) * 32 + (b & 31);
};
const minorLength = (n: number, per: number): number => Math.ceil(n / 32) * 32 * per;

function makeCase(buf: Buffers, name: string, spec: CaseSpec): KernelCase {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const want = new Float32Array(size);
  return {
    run: spec.run,
    runReference: () => spec.reference(want, false),
    outputs: () => {
      buf.checkGuards(name);
      const scale = new Float32Array(size);
      spec.reference(scale, true);
      const per = spec.minor, raw = buf.read(spec.y, per ? minorLength(size / per, per) : size);
      return { got: per ? raw.map((_, i) => raw[minorIndex(per, i)]).subarray(0, size) : raw, want, shape: spec.shape, scale };
    },
    macs: spec.macs,
    nonzeroMacs: spec.nonzeroMacs,
  };
}

function weights(rng: Rng, shape: KernelShape, n: number): Float32Array {
  const w = uniform(rng, n, -1, 1);
  return shape.sparsity ? sparsify(rng, w, shape.sparsity) : w;
}

function prepareDense(sparse: boolean) {
  return (mod: KernelModule, shape: KernelShape, seed: number): KernelCase => {
    const { m, k, n } = shape.dims;
    const relu = shape.dims.relu === 1;
    const rng = new Rng(seed);
    const x = uniform(rng, m * k, -1, 1), kernel = weights(rng, shape, k * n), bias = uniform(rng, n, -0.5, 0.5);
    const buf = new Buffers(mod);
    // in_minor: x batch-minor (a sparse conv's 'minor' output), lanes past m NaN: no row may read them
    const minor = shape.dims.in_minor === 1, xm = new Float32Array(minorLength(m, k)).fill(NaN);
    x.forEach((v, j) => (xm[minorIndex(k, j)] = v));
    const xp = buf.put(minor ? xm : x), y = buf.output(m * n);
    const ref = sparse ? refDenseSparse : refDense;
    let run: () => void;
    if (sparse) {
      const wp = buf.put(packDenseSparse(kernel, bias, k, n)), scratch = buf.alloc(denseSparseScratchBytes(k, n), true);
      run = () => buf.exports.f32_dense_sparse(xp, wp, y, m, k, n, (relu ? DENSE_RELU : 0) | (minor ? DENSE_IN_MINOR : 0), scratch);
    } else {
      const wp = buf.put(packDense(kernel, bias, k, n));
      run = () => buf.exports.f32_dense(xp, wp, y, m, k, n, relu ? 1 : 0);
    }
    return makeCase(buf, sparse ? 'f32_dense_sparse' : 'f32_dense', {
      y, shape: [m, n], run,
      reference: (out, mag) => (mag ? ref(abs(x), abs(kernel), abs(bias), out, m, k, n, false) : ref(x, kernel, bias, out, m, k, n, relu)),
      macs: m * k * n,
      nonzeroMacs: m * countNonzero(kernel),
    });
  };
}

/** Output shape [n, outH, outW, cout] of the conv, or of the fused conv + 2x2 pool. */
function conv2dOutputShape(g: Conv2dGeometry, pool: boolean): number[] {
  return pool ? [g.n, g.outH >> 1, g.outW >> 1, g.cout] : [g.n, g.outH, g.outW, g.cout];
}

/** dims: n h w cin cout kh kw, optional sh sw (strides), same (padding), relu, out_minor (the sparse convs' batch-minor output). */
function convGeometry(d: Record<string, number>): Conv2dGeometry {
  return conv2dGeometry({
    n: d.n, h: d.h, w: d.w, cin: d.cin, cout: d.cout, kh: d.kh, kw: d.kw,
    strideH: d.sh ?? 1, strideW: d.sw ?? 1, padding: d.same ? 'same' : 'valid', relu: d.relu === 1,
    outLayout: d.out_minor ? 'minor' : 'nhwc',
  });
}

type ConvKind = 'conv' | 'pool' | 'sparse' | 'pool_sparse';
const CONV_KERNELS = {
  conv: 'f32_conv2d_nhwc', pool: 'f32_conv2d_relu_maxpool2d', sparse: 'f32_conv2d_sparse', pool_sparse: 'f32_conv2d_relu_maxpool2d_sparse',
} as const;
const CONV_REFS = { conv: refConv, pool: refConvPool, sparse: refConvSparse, pool_sparse: refConvPoolSparse };
const CONV_PACK = {
  conv: (k: Float32Array, b: Float32Array, g: Conv2dGeometry) => packConv2d(k, b, g.kh, g.kw, g.cin, g.cout),
  pool: (k: Float32Array, b: Float32Array, g: Conv2dGeometry) => packConv2d(k, b, g.kh, g.kw, g.cin, g.cout),
  sparse: packConv2dSparse,
  pool_sparse: packConv2dReluMaxpoolSparse,
};
const CONV_SCRATCH = { conv: conv2dScratchBytes, pool: conv2dScratchBytes, sparse: conv2dSparseScratchBytes, pool_sparse: conv2dReluMaxpoolSparseScratchBytes };

function prepareConv(kind: ConvKind) {
  const name = CONV_KERNELS[kind], pool = kind === 'pool' || kind === 'pool_sparse';
  return (mod: KernelModule, shape: KernelShape, seed: number): KernelCase => {
    const g = convGeometry(shape.dims);
    const rng = new Rng(seed);
    const x = uniform(rng, g.n * g.h * g.w * g.cin, -1, 1);
    const kernel = weights(rng, shape, g.kh * g.kw * g.cin * g.cout), bias = uniform(rng, g.cout, -0.5, 0.5);
    const buf = new Buffers(mod);
    const params = buf.alloc(CONV_PARAMS_BYTES);
    const xp = buf.put(x);
    const wp = buf.put(CONV_PACK[kind](kernel, bias, g));
    const outShape = conv2dOutputShape(g, pool);
    const per = outShape.slice(1).reduce((a, b) => a * b, 1), minor = g.outLayout === 'minor' ? per : undefined;
    const y = buf.output(minor ? minorLength(g.n, per) : g.n * per);
    const scratchBytes = CONV_SCRATCH[kind](g);
    const scratch = scratchBytes > 0 ? buf.alloc(scratchBytes, true) : 0;
    writeConv2dParams(buf.memory, params, g);
    const kernelFn = buf.exports[name];
    const ref = CONV_REFS[kind];
    const pixels = pool ? g.n * 4 * (g.outH >> 1) * (g.outW >> 1) : g.n * g.outH * g.outW;
    return makeCase(buf, name, {
      y, shape: outShape, minor,
      run: () => kernelFn(params, xp, wp, y, scratch),
      reference: (out, mag) => (mag ? ref(abs(x), abs(kernel), abs(bias), out, { ...g, relu: false }) : ref(x, kernel, bias, out, g)),
      macs: pixels * g.kh * g.kw * g.cin * g.cout,
      nonzeroMacs: pixels * countNonzero(kernel),
    });
  };
}

function preparePool(mod: KernelModule, shape: KernelShape, seed: number): KernelCase {
  const d = shape.dims;
  const g: Pool2dGeometry = pool2dGeometry({ n: d.n, h: d.h, w: d.w, c: d.c, poolH: d.ph, poolW: d.pw, strideH: d.sh, strideW: d.sw, padding: d.same ? 'same' : 'valid' });
  const x = uniform(new Rng(seed), g.n * g.h * g.w * g.c, -1, 1);
  const buf = new Buffers(mod);
  const params = buf.alloc(POOL_PARAMS_BYTES), xp = buf.put(x), y = buf.output(g.n * g.outH * g.outW * g.c);
  writePool2dParams(buf.memory, params, g);
  const compares = g.n * g.outH * g.outW * g.c * g.poolH * g.poolW;
  return makeCase(buf, 'f32_maxpool2d', {
    y, shape: [g.n, g.outH, g.outW, g.c],
    run: () => buf.exports.f32_maxpool2d(params, xp, y),
    reference: (out, mag) => refPool(mag ? abs(x) : x, out, g),
    macs: compares,
    nonzeroMacs: compares,
  });
}

const s = (label: string, dims: Record<string, number>, sparsity?: number): KernelShape => (sparsity === undefined ? { label, dims } : { label, dims, sparsity });

// Dense tiles are 2 rows x a block of 12 or 4 output channels; k is the reduction.
const DENSE_SHAPES: KernelShape[] = [
  s('k1_m1_n1 (less than a tile)', { m: 1, k: 1, n: 1 }),
  s('one_tile m2_n4', { m: 2, k: 5, n: 4, relu: 1 }),
  s('m3_n10 (more than a tile, odd row, 12-block with 2 idle lanes)', { m: 3, k: 17, n: 10 }),
  s('several m7_n33 (three 12-blocks, 3 idle lanes)', { m: 7, k: 64, n: 33, relu: 1 }),
  s('n13 (a 12-block, then a 4-block with 3 idle lanes)', { m: 4, k: 9, n: 13 }),
  s('n8 (two 4-blocks)', { m: 5, k: 31, n: 8, relu: 1 }),
  s('n6_k1', { m: 6, k: 1, n: 6 }),
  s('m1_k300 (batch 1, long k)', { m: 1, k: 300, n: 10 }),
];

const CONV_SHAPES: KernelShape[] = [
  s('seed-like 3x3 cin1 cout12', { n: 2, h: 8, w: 8, cin: 1, cout: 12, kh: 3, kw: 3, relu: 1 }),
  s('cin3 cout5 odd width', { n: 1, h: 7, w: 6, cin: 3, cout: 5, kh: 3, kw: 3 }),
  s('same stride2 cout17', { n: 2, h: 9, w: 8, cin: 4, cout: 17, kh: 3, kw: 3, sh: 2, sw: 2, same: 1, relu: 1 }),
  s('1x1 cout16', { n: 1, h: 5, w: 5, cin: 7, cout: 16, kh: 1, kw: 1 }),
  s('5x3 kernel stride 2x1', { n: 1, h: 11, w: 9, cin: 2, cout: 8, kh: 5, kw: 3, sh: 2, sw: 1, relu: 1 }),
  s('single output pixel', { n: 1, h: 3, w: 3, cin: 2, cout: 4, kh: 3, kw: 3 }),
  s('same cout33 cin6', { n: 1, h: 6, w: 5, cin: 6, cout: 33, kh: 3, kw: 3, same: 1, relu: 1 }),
  s('k1 cin1 cout1', { n: 3, h: 4, w: 4, cin: 1, cout: 1, kh: 1, kw: 1 }),
];

const CONV_POOL_SHAPES: KernelShape[] = [
  s('seed-like 8x8 -> 3x3x12', { n: 2, h: 8, w: 8, cin: 1, cout: 12, kh: 3, kw: 3 }),
  s('odd conv output 7x5 -> 3x2, cout5', { n: 1, h: 9, w: 7, cin: 3, cout: 5, kh: 3, kw: 3 }),
  s('same padding cout20', { n: 1, h: 10, w: 10, cin: 2, cout: 20, kh: 3, kw: 3, same: 1 }),
  s('conv stride 2', { n: 2, h: 11, w: 11, cin: 1, cout: 4, kh: 3, kw: 3, sh: 2, sw: 2 }),
  s('one pooled pixel', { n: 1, h: 4, w: 4, cin: 9, cout: 7, kh: 3, kw: 3 }),
];

const POOL_SHAPES: KernelShape[] = [
  s('2x2 c12', { n: 2, h: 6, w: 6, c: 12, ph: 2, pw: 2 }),
  s('odd dims c5', { n: 1, h: 7, w: 5, c: 5, ph: 2, pw: 2 }),
  s('3x3 stride 2 c3', { n: 1, h: 9, w: 9, c: 3, ph: 3, pw: 3, sh: 2, sw: 2 }),
  s('2x1 stride 1x2 c17', { n: 1, h: 4, w: 4, c: 17, ph: 2, pw: 1, sh: 1, sw: 2 }),
  s('c1 whole image', { n: 3, h: 3, w: 4, c: 1, ph: 3, pw: 4 }),
  s("'same' 2x2 on odd 7x5 c5 (pads bottom/right)", { n: 2, h: 7, w: 5, c: 5, ph: 2, pw: 2, same: 1 }),
  s("'same' 3x3 stride 1 c6 (pads all sides)", { n: 1, h: 5, w: 6, c: 6, ph: 3, pw: 3, sh: 1, sw: 1, same: 1 }),
  s("'same' 3x2 stride 2x3 c17", { n: 1, h: 8, w: 7, c: 17, ph: 3, pw: 2, sh: 2, sw: 3, same: 1 }),
  s("'same' 4x4 stride 1 on 2x3 c1 (window larger than the image)", { n: 3, h: 2, w: 3, c: 1, ph: 4, pw: 4, sh: 1, sw: 1, same: 1 }),
];

// Sparse engine: a channel's outputs are one run (conv: rows of the phase planes' width; dense: a block of up
// to 32 rows) in strips of 28, or 4 at a time when 16 or fewer are left; the pooled conv in strips of 8.
const DENSE_SPARSE_SHAPES: KernelShape[] = [
  s('0% m5 k9 n7', { m: 5, k: 9, n: 7 }, 0),
  s('50% m33: two row blocks, the second one row', { m: 33, k: 40, n: 10, relu: 1 }, 0.5),
  s('80% m32: one block, strips of 28 + 4', { m: 32, k: 100, n: 12 }, 0.8),
  s('95% m17: one 28-row strip, 11 rows idle', { m: 17, k: 64, n: 3, relu: 1 }, 0.95),
  s('100%: every column all zero', { m: 3, k: 20, n: 5 }, 1),
  s('50% k1, 7 rows: 4-row strips', { m: 7, k: 1, n: 4 }, 0.5),
  s('80% m70: several blocks', { m: 70, k: 33, n: 17, relu: 1 }, 0.8),
  s('50% m16 n1: four 4-row strips', { m: 16, k: 5, n: 1 }, 0.5),
  s('80% m70 batch-minor x: three blocks, NaN past row 70', { m: 70, k: 33, n: 17, relu: 1, in_minor: 1 }, 0.8),
  s('50% m5 batch-minor x', { m: 5, k: 9, n: 7, in_minor: 1 }, 0.5),
  // full 32-row blocks go 128 taps at a time through toPlanes (4 columns a step, the last k % 4 through
  // transpose); rows 28..31 two channels at a time (an odd last channel pairs with itself)
  s('95% m64 k7: two full blocks, 3 columns past the 4-column steps', { m: 64, k: 7, n: 5 }, 0.95),
  s('50% m32 k2: a full block narrower than one step', { m: 32, k: 2, n: 3, relu: 1 }, 0.5),
  s('80% m32 k300 n5: chunks of 128, 128 and 44 taps, an odd last channel', { m: 32, k: 300, n: 5, relu: 1 }, 0.8),
  s('50% m96 k257 n6 batch-minor x: three full blocks, a last chunk of one tap', { m: 96, k: 257, n: 6, in_minor: 1 }, 0.5),
  s('90% m32 k640 n1: five whole chunks, one channel', { m: 32, k: 640, n: 1 }, 0.9),
  s('80% m64 k131 n7 relu: a last chunk of 3 taps, NHWC x', { m: 64, k: 131, n: 7, relu: 1 }, 0.8),
  s('100% m32 k300 n5 relu: chunks with no records', { m: 32, k: 300, n: 5, relu: 1 }, 1),
  s('99% m32 k257 n2: mostly empty chunks', { m: 32, k: 257, n: 2 }, 0.99),
  s('0% m32 k260 n3: full chunks', { m: 32, k: 260, n: 3 }, 0),
  s('50% m33 k129 n1 relu batch-minor x: a partial block, a last chunk of one tap', { m: 33, k: 129, n: 1, relu: 1, in_minor: 1 }, 0.5),
  s('50% m32 k128 n4: exactly one chunk', { m: 32, k: 128, n: 4 }, 0.5),
  // one row (batch 1, or a last block of one): straight from x, two channels at a time
  s('80% m1 k2028 n10: the seed dense at batch 1', { m: 1, k: 2028, n: 10 }, 0.8),
  s('50% m1 k37 n5 relu: an unpaired last channel', { m: 1, k: 37, n: 5, relu: 1 }, 0.5),
  s('0% m1 k9 n6: every tap', { m: 1, k: 9, n: 6 }, 0),
  s('95% m1 k64 n1: one channel', { m: 1, k: 64, n: 1 }, 0.95),
  s('100% m1 k20 n4 relu: no records', { m: 1, k: 20, n: 4, relu: 1 }, 1),
  s('80% m1 k33 n7 batch-minor x', { m: 1, k: 33, n: 7, in_minor: 1 }, 0.8),
  s('80% m65 k40 n3 relu batch-minor x: two full blocks, then one row', { m: 65, k: 40, n: 3, relu: 1, in_minor: 1 }, 0.8),
  s('50% m97 k20 n9: three full blocks, then one row', { m: 97, k: 20, n: 9 }, 0.5),
];

const CONV_SPARSE_SHAPES: KernelShape[] = [
  s('80% seed-like 8x8x1 -> 6x6x12', { n: 2, h: 8, w: 8, cin: 1, cout: 12, kh: 3, kw: 3, relu: 1 }, 0.8),
  s('50% cin3 cout5', { n: 1, h: 7, w: 6, cin: 3, cout: 5, kh: 3, kw: 3 }, 0.5),
  s('95% same stride 2, cin4 cout17', { n: 2, h: 9, w: 8, cin: 4, cout: 17, kh: 3, kw: 3, sh: 2, sw: 2, same: 1, relu: 1 }, 0.95),
  s('0% 1x1 cout16', { n: 1, h: 5, w: 5, cin: 7, cout: 16, kh: 1, kw: 1 }, 0),
  s('100% 5x3 stride 2x1', { n: 1, h: 11, w: 9, cin: 2, cout: 8, kh: 5, kw: 3, sh: 2, sw: 1, relu: 1 }, 1),
  s('80% one 38-wide row: a run of 40, strips of 28 + 3 x 4', { n: 1, h: 3, w: 40, cin: 2, cout: 3, kh: 3, kw: 3 }, 0.8),
  s('80% stride 2, NHWC cin3: 2x2 phases', { n: 2, h: 9, w: 9, cin: 3, cout: 6, kh: 3, kw: 3, sh: 2, sw: 2 }, 0.8),
  s('50% 20-wide rows, read in place', { n: 2, h: 4, w: 22, cin: 1, cout: 3, kh: 3, kw: 3 }, 0.5),
  s('80% stride 3 same, 3 column phases', { n: 1, h: 7, w: 10, cin: 2, cout: 6, kh: 3, kw: 4, sh: 1, sw: 3, same: 1 }, 0.8),
  s('0% k1 cin1 cout1', { n: 3, h: 4, w: 4, cin: 1, cout: 1, kh: 1, kw: 1 }, 0),
  s('80% batch-minor out, n6: groups of 4 and 2', { n: 6, h: 8, w: 8, cin: 1, cout: 12, kh: 3, kw: 3, relu: 1, out_minor: 1 }, 0.8),
  s('50% batch-minor out, stride 2 same, cin3 cout5', { n: 2, h: 9, w: 8, cin: 3, cout: 5, kh: 3, kw: 3, sh: 2, sw: 2, same: 1, out_minor: 1 }, 0.5),
  // stride 1, 'valid', one channel: images but the last are read in place as the planes; more channels are transposed
  s('80% cin3, transposed to planes', { n: 3, h: 6, w: 7, cin: 3, cout: 5, kh: 3, kw: 3, relu: 1 }, 0.8),
  s('95% cin1 3x2 kernel, read in place', { n: 4, h: 5, w: 9, cin: 1, cout: 6, kh: 3, kw: 2 }, 0.95),
];

const CONV_POOL_SPARSE_SHAPES: KernelShape[] = [
  s('80% seed-like 8x8x1 -> 3x3x12', { n: 2, h: 8, w: 8, cin: 1, cout: 12, kh: 3, kw: 3 }, 0.8),
  s('50% odd conv output 7x5 -> 3x2, cout5', { n: 1, h: 9, w: 7, cin: 3, cout: 5, kh: 3, kw: 3 }, 0.5),
  s('95% same padding cout20', { n: 1, h: 10, w: 10, cin: 2, cout: 20, kh: 3, kw: 3, same: 1 }, 0.95),
  s('0% conv stride 2', { n: 2, h: 11, w: 11, cin: 1, cout: 4, kh: 3, kw: 3, sh: 2, sw: 2 }, 0),
  s('100% one pooled pixel', { n: 1, h: 4, w: 4, cin: 9, cout: 7, kh: 3, kw: 3 }, 1),
  s('80% 22 pooled columns: a run of 2 x 23, six 8-wide strips', { n: 1, h: 6, w: 46, cin: 2, cout: 3, kh: 3, kw: 3 }, 0.8),
  s('80% conv stride 2, NHWC cin3: 4x4 phases', { n: 3, h: 13, w: 11, cin: 3, cout: 5, kh: 3, kw: 3, sh: 2, sw: 2 }, 0.8),
  s('50% 4x5 kernel stride 1x3', { n: 1, h: 9, w: 20, cin: 1, cout: 6, kh: 4, kw: 5, sh: 1, sw: 3 }, 0.5),
  s('80% batch-minor out, n37: two blocks, a last group of 1', { n: 37, h: 8, w: 8, cin: 1, cout: 12, kh: 3, kw: 3, out_minor: 1 }, 0.8),
  s('50% batch-minor out, 5 pooled columns, cout5', { n: 3, h: 12, w: 12, cin: 2, cout: 5, kh: 3, kw: 3, out_minor: 1 }, 0.5),
  // a channel's run of 2 x 13 = 26 outputs: 28 floats hold the conv's strips, the pooled strips of 8 need 32
  s('80% 12 pooled columns: a run of 26, the last 8-wide strip past 28', { n: 2, h: 6, w: 26, cin: 1, cout: 3, kh: 3, kw: 3 }, 0.8),
  s('50% batch-minor out, a run of 26', { n: 2, h: 6, w: 26, cin: 1, cout: 3, kh: 3, kw: 3, out_minor: 1 }, 0.5),
];

const SEED_CONV = { n: 32, h: 28, w: 28, cin: 1, cout: 12, kh: 3, kw: 3, relu: 1 };
const SEED_DENSE = { m: 32, k: 2028, n: 10 };

export const F32_KERNELS: KernelInfo[] = [
  {
    name: 'f32_dense', op: 'dense', dtype: 'f32', sparse: false, exact: false,
    shapes: DENSE_SHAPES,
    benchShapes: [s('seed dense 2028->10, batch 32', SEED_DENSE), s('batch 1', { m: 1, k: 2028, n: 10 })],
    prepare: prepareDense(false),
  },
  {
    name: 'f32_dense_sparse', op: 'dense', dtype: 'f32', sparse: true, exact: false,
    shapes: DENSE_SPARSE_SHAPES,
    benchShapes: [
      s('seed dense 2028->10, batch 32', SEED_DENSE, 0.5),
      s('seed dense 2028->10, batch 32', SEED_DENSE, 0.8),
      s('seed dense 2028->10, batch 32', SEED_DENSE, 0.95),
      s('batch 1', { m: 1, k: 2028, n: 10 }, 0.5),
      s('batch 1', { m: 1, k: 2028, n: 10 }, 0.8),
      s('batch 1', { m: 1, k: 2028, n: 10 }, 0.95),
      s('seed dense, batch-minor x (no transpose)', { ...SEED_DENSE, in_minor: 1 }, 0.8),
    ],
    prepare: prepareDense(true),
  },
  {
    name: 'f32_conv2d_nhwc', op: 'conv2d', dtype: 'f32', sparse: false, exact: false,
    shapes: CONV_SHAPES,
    benchShapes: [s('seed conv 28x28x1 -> 26x26x12, batch 32', SEED_CONV)],
    prepare: prepareConv('conv'),
  },
  {
    name: 'f32_conv2d_sparse', op: 'conv2d', dtype: 'f32', sparse: true, exact: false,
    shapes: CONV_SPARSE_SHAPES,
    benchShapes: [
      s('seed conv 28x28x1 -> 26x26x12, batch 32', SEED_CONV, 0.5),
      s('seed conv 28x28x1 -> 26x26x12, batch 32', SEED_CONV, 0.8),
      s('seed conv 28x28x1 -> 26x26x12, batch 32', SEED_CONV, 0.95),
    ],
    prepare: prepareConv('sparse'),
  },
  {
    name: 'f32_conv2d_relu_maxpool2d', op: 'conv2d_relu_maxpool2d', dtype: 'f32', sparse: false, exact: false,
    shapes: CONV_POOL_SHAPES,
    benchShapes: [s('seed conv+pool 28x28x1 -> 13x13x12, batch 32', SEED_CONV), s('batch 1', { ...SEED_CONV, n: 1 })],
    prepare: prepareConv('pool'),
  },
  {
    name: 'f32_conv2d_relu_maxpool2d_sparse', op: 'conv2d_relu_maxpool2d', dtype: 'f32', sparse: true, exact: false,
    shapes: CONV_POOL_SPARSE_SHAPES,
    benchShapes: [
      s('seed conv+pool 28x28x1 -> 13x13x12, batch 32', SEED_CONV, 0.5),
      s('seed conv+pool 28x28x1 -> 13x13x12, batch 32', SEED_CONV, 0.8),
      s('seed conv+pool 28x28x1 -> 13x13x12, batch 32', SEED_CONV, 0.95),
      s('batch 1', { ...SEED_CONV, n: 1 }, 0.8),
      s('batch 1, batch-minor out', { ...SEED_CONV, n: 1, out_minor: 1 }, 0.8),
    ],
    prepare: prepareConv('pool_sparse'),
  },
  {
    name: 'f32_maxpool2d', op: 'maxpool2d', dtype: 'f32', sparse: false, exact: true,
    shapes: POOL_SHAPES,
    benchShapes: [s('seed pool 26x26x12 -> 13x13x12, batch 32', { n: 32, h: 26, w: 26, c: 12, ph: 2, pw: 2 })],
    prepare: preparePool,
  },
];
