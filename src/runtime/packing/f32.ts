// Packs Keras-layout f32 weights into the layouts the f32 WASM kernels read. The runtime's prepare
// step calls exactly these, once per layer; kernels never reorder anything at run time.
// Keras layouts: Conv2D kernel [kh][kw][cin][cout] (HWIO), Dense kernel [k][n], bias [cout].
import { sparsePlanes, type Conv2dGeometry } from './f32_params.js';

/** Output channels per block of the dense conv engine (must match assembly/kernels/f32_conv_core.ts). */
export function blockWidth(left: number): number {
  return left > 8 ? 12 : 4;
}

/**
 * f32_conv2d_nhwc / f32_conv2d_relu_maxpool2d weights:
 *   [bias: Cp][block 0: taps x W0][block 1: taps x W1]...   taps = kh*kw*cin in HWIO order,
 * blocks of W = blockWidth(channels left) output channels, padded lanes zero (Cp = sum of W).
 */
export function packConv2d(kernel: ArrayLike<number>, bias: ArrayLike<number>, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const taps = kh * kw * cin;
  let cp = 0;
  while (cp < cout) cp += blockWidth(cout - cp);
  const out = new Float32Array(cp + taps * cp);
  for (let c = 0; c < cout; c++) out[c] = bias[c];
  let o = cp;
  for (let c0 = 0; c0 < cout; c0 += blockWidth(cout - c0)) {
    const width = blockWidth(cout - c0), valid = Math.min(width, cout - c0);
    for (let t = 0; t < taps; t++, o += width) {
      for (let l = 0; l < valid; l++) out[o + l] = kernel[t * cout + c0 + l];
    }
  }
  return out;
}

/** f32_dense weights: a Dense kernel [k][n] is a 1x1 conv with cin = k. */
export function packDense(kernel: ArrayLike<number>, bias: ArrayLike<number>, k: number, n: number): Float32Array {
  return packConv2d(kernel, bias, 1, 1, k, n);
}

/**
 * Per-output-channel nonzero lists: [bias: cout f32][count: cout i32][records per nonzero: its tap's byte
 * offsets (offsetsOf, same length for every tap), then the weight f32]; weightAt(t, c) is tap t of channel c.
 */
function packSparse(cout: number, bias: ArrayLike<number>, taps: number, weightAt: (t: number, c: number) => number, offsetsOf: (t: number) => number[]): Uint8Array {
  const len = offsetsOf(0).length + 1;
  let nnz = 0;
  for (let c = 0; c < cout; c++) for (let t = 0; t < taps; t++) if (weightAt(t, c) !== 0) nnz++;
  const u32 = new Uint32Array(2 * cout + len * nnz), f32 = new Float32Array(u32.buffer);
  let o = 2 * cout;
  for (let c = 0; c < cout; c++) {
    f32[c] = bias[c];
    for (let t = 0; t < taps; t++) {
      const v = weightAt(t, c);
      if (v === 0) continue;
      u32.set(offsetsOf(t), o);
      f32[o + len - 1] = v;
      o += len;
      u32[cout + c]++;
    }
  }
  return new Uint8Array(u32.buffer);
}

/**
 * f32_conv2d_sparse weights (pool false) or f32_conv2d_relu_maxpool2d_sparse weights (pool true) for
 * geometry g, in the planes of sparsePlanes(g, pool) (Q row and P column phases). Tap (r, s, ci) of the
 * conv output at row offset i, column offset j is input row u = i*strideH + r, column v = j*strideW + s, at
 *   (((ci*Q + u % Q)*P + v % P)*hq + floor(u / Q))*wq + floor(v / P) floats;
 * i = j = 0 for the conv, the pooled conv's records hold the offsets of sub-images ij = 00 01 10 11.
 * The packing is tied to the layer's input size (fixed per model), not to the batch.
 */
function packSparseConv(kernel: ArrayLike<number>, bias: ArrayLike<number>, g: Conv2dGeometry, pool: boolean): Uint8Array {
  const { kh, kw, cin, cout, strideH, strideW } = g;
  const { Q, P, hq, wq } = sparsePlanes(g, pool);
  return packSparse(cout, bias, kh * kw * cin, (t, c) => kernel[t * cout + c], (t) => {
    const ci = t % cin, s = Math.floor(t / cin) % kw, r = Math.floor(t / (cin * kw));
    return (pool ? [0, 1, 2, 3] : [0]).map((k) => {
      const u = (k >> 1) * strideH + r, v = (k & 1) * strideW + s;
      return 4 * ((((ci * Q + (u % Q)) * P + (v % P)) * hq + Math.floor(u / Q)) * wq + Math.floor(v / P));
    });
  });
}

export const packConv2dSparse = (kernel: ArrayLike<number>, bias: ArrayLike<number>, g: Conv2dGeometry): Uint8Array => packSparseConv(kernel, bias, g, false);
export const packConv2dReluMaxpoolSparse = (kernel: ArrayLike<number>, bias: ArrayLike<number>, g: Conv2dGeometry): Uint8Array => packSparseConv(kernel, bias, g, true);

/** Rows per block of f32_dense_sparse (assembly/kernels/f32_dense_sparse.ts). */
export const DENSE_SPARSE_BLOCK = 32;

/** Taps per chunk of f32_dense_sparse's full blocks (KC in assembly/kernels/f32_dense_sparse.ts). */
export const DENSE_SPARSE_CHUNK = 128;

/**
 * f32_dense_sparse weights: nonzeros of each output column of a Dense kernel [k][n], offset k * 128 bytes;
 * then a table [chunks + 1][n] i32: row j holds, per channel, the index (among all records) of its first
 * record at a tap >= j * DENSE_SPARSE_CHUNK (the last row: its list's end).
 */
export function packDenseSparse(kernel: ArrayLike<number>, bias: ArrayLike<number>, k: number, n: number): Uint8Array {
  const records = packSparse(n, bias, k, (t, c) => kernel[t * n + c], (t) => [4 * DENSE_SPARSE_BLOCK * t]);
  const chunks = Math.ceil(k / DENSE_SPARSE_CHUNK), out = new Uint8Array(records.length + 4 * (chunks + 1) * n);
  out.set(records);
  const table = new Int32Array(out.buffer, records.length);
  for (let c = 0, i = 0; c < n; c++) {
    for (let t = 0; t < k; t++) {
      if (t % DENSE_SPARSE_CHUNK === 0) table[(t / DENSE_SPARSE_CHUNK) * n + c] = i;
      if (kernel[t * n + c] !== 0) i++;
    }
    table[chunks * n + c] = i;
  }
  return out;
}
