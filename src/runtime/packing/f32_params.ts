// Geometry of the f32 conv and pool kernels and the params blocks they read from linear memory
// (the AS side reads the same field order: assembly/kernels/f32_conv_params.ts, f32_maxpool2d.ts).
// Nothing is checked here: the runtime calls these for layers the format reader validated (windows that
// fit, positive dims), and the kernel table (src/runtime/kernels_f32.ts) builds only shapes that fit.

/** 'minor' (sparse conv output only): batch-minor, [n / 32 rounded up][h][w][c][32 samples], f32_dense_sparse's input with DENSE_IN_MINOR. */
export type Layout = 'nhwc' | 'minor';

/** One conv layer's geometry, batch included. Pads are zeros added above/left; bottom/right follow from outH/outW. */
export interface Conv2dGeometry {
  n: number; h: number; w: number; cin: number; cout: number;
  kh: number; kw: number; strideH: number; strideW: number;
  padTop: number; padLeft: number; outH: number; outW: number;
  relu: boolean;
  /** Sparse conv only (f32_conv2d_sparse): layout of y (x is NHWC); the dense conv is NHWC in and out. */
  outLayout?: Layout;
}

export interface ConvSpec {
  n: number; h: number; w: number; cin: number; cout: number; kh: number; kw: number;
  strideH?: number; strideW?: number;
  /** Keras/TF padding: 'valid' adds none, 'same' gives ceil(h / stride) outputs, padding split with the extra row at the bottom. */
  padding?: 'valid' | 'same';
  relu?: boolean;
  outLayout?: Layout;
}

/** The geometry Keras' Conv2D uses for `spec` (TF's 'same' rule: the odd pad row/column goes at the bottom/right). */
export function conv2dGeometry(spec: ConvSpec): Conv2dGeometry {
  const { n, h, w, cin, cout, kh, kw, strideH = 1, strideW = 1, padding, relu = false, outLayout } = spec;
  const same = padding === 'same';
  const outH = same ? Math.ceil(h / strideH) : Math.floor((h - kh) / strideH) + 1, outW = same ? Math.ceil(w / strideW) : Math.floor((w - kw) / strideW) + 1;
  const padTop = same ? Math.max((outH - 1) * strideH + kh - h, 0) >> 1 : 0, padLeft = same ? Math.max((outW - 1) * strideW + kw - w, 0) >> 1 : 0;
  return { n, h, w, cin, cout, kh, kw, strideH, strideW, padTop, padLeft, outH, outW, relu, outLayout };
}

export const CONV_RELU = 1;
export const CONV_OUT_MINOR = 2;
/** f32_dense_sparse flags: ReLU, and x batch-minor ([m / 32 rounded up][k][32], a sparse conv's 'minor' output). */
export const DENSE_RELU = 1;
export const DENSE_IN_MINOR = 2;
/** Bytes of a conv params block (14 i32); the flags are its last field (i32 index CONV_FLAGS_AT). */
export const CONV_PARAMS_BYTES = 56;
export const CONV_FLAGS_AT = 13;

/** Writes `g` at byte offset `ptr` of `memory` (field order: assembly/kernels/f32_conv_params.ts). */
export function writeConv2dParams(memory: ArrayBuffer, ptr: number, g: Conv2dGeometry): void {
  const flags = (g.relu ? CONV_RELU : 0) | (g.outLayout === 'minor' ? CONV_OUT_MINOR : 0);
  new Int32Array(memory, ptr, 14).set([g.n, g.h, g.w, g.cin, g.cout, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, flags]);
}

/** Scratch bytes f32_conv2d_nhwc / f32_conv2d_relu_maxpool2d need: one zero-padded image, or 0 without padding. */
export function conv2dScratchBytes(g: Conv2dGeometry): number {
  const hp = (g.outH - 1) * g.strideH + g.kh, wp = (g.outW - 1) * g.strideW + g.kw;
  if (g.padTop === 0 && g.padLeft === 0 && hp <= g.h && wp <= g.w) return 0;
  return hp * wp * g.cin * 4;
}

const align16 = (bytes: number): number => (bytes + 15) & ~15;

/**
 * The sparse convs' input planes (assembly/kernels/f32_conv2d_sparse.ts): Q = strideH row and P = strideW
 * column phases (pooled: 2 strideH, 2 strideW) of hq x wq floats; a channel's output is `rows` runs of wq.
 */
export function sparsePlanes(g: Conv2dGeometry, pool: boolean): { Q: number; P: number; hq: number; wq: number; rows: number } {
  const Q = (pool ? 2 : 1) * g.strideH, P = (pool ? 2 : 1) * g.strideW;
  const hq = Math.ceil(((g.outH - 1) * g.strideH + g.kh) / Q), wq = Math.ceil(((g.outW - 1) * g.strideW + g.kw) / P);
  return { Q, P, hq, wq, rows: pool ? g.outH >> 1 : g.outH };
}

/**
 * Scratch bytes of f32_conv2d_sparse (pool false) / f32_conv2d_relu_maxpool2d_sparse: the planes + wq + 32
 * floats, then [cout][rows*wq rounded up to 28 (the conv's strips), then to 8 (the pooled strips)] (16 of
 * them for a 'minor' output: MINOR_GROUP in f32_sparse_core.ts).
 */
function sparseConvScratchBytes(g: Conv2dGeometry, pool: boolean): number {
  const { Q, P, hq, wq, rows } = sparsePlanes(g, pool);
  const pitch = (Math.ceil((rows * wq) / 28) * 28 + 7) & ~7;
  return align16(4 * (g.cin * Q * P * hq * wq + wq + 32)) + 4 * (g.outLayout === 'minor' ? 16 : 1) * g.cout * pitch;
}

export const conv2dSparseScratchBytes = (g: Conv2dGeometry): number => sparseConvScratchBytes(g, false);
export const conv2dReluMaxpoolSparseScratchBytes = (g: Conv2dGeometry): number => sparseConvScratchBytes(g, true);

/** Scratch bytes of f32_dense_sparse: a transposed block of 32 rows + 32 floats, then [n][32] outputs. */
export function denseSparseScratchBytes(k: number, n: number): number {
  return 128 * (k + 1 + n);
}

/** One max-pool layer (NHWC). Pads (TF's 'same' rule) are rows/columns above/left the window skips. */
export interface Pool2dGeometry {
  n: number; h: number; w: number; c: number;
  poolH: number; poolW: number; strideH: number; strideW: number;
  padTop: number; padLeft: number; outH: number; outW: number;
}

/** Keras MaxPooling2D; strides default to the pool size, padding to 'valid'. */
export function pool2dGeometry(spec: { n: number; h: number; w: number; c: number; poolH: number; poolW: number; strideH?: number; strideW?: number; padding?: 'valid' | 'same' }): Pool2dGeometry {
  const { n, h, w, c, poolH, poolW, strideH = poolH, strideW = poolW, padding } = spec;
  const { padTop, padLeft, outH, outW } = conv2dGeometry({ n, h, w, cin: c, cout: c, kh: poolH, kw: poolW, strideH, strideW, padding });
  return { n, h, w, c, poolH, poolW, strideH, strideW, padTop, padLeft, outH, outW };
}

/** Bytes of a pool params block (12 i32). */
export const POOL_PARAMS_BYTES = 48;

/** Writes `g` at byte offset `ptr` (field order: assembly/kernels/f32_maxpool2d.ts). */
export function writePool2dParams(memory: ArrayBuffer, ptr: number, g: Pool2dGeometry): void {
  new Int32Array(memory, ptr, 12).set([g.n, g.h, g.w, g.c, g.poolH, g.poolW, g.strideH, g.strideW, g.outH, g.outW, g.padTop, g.padLeft]);
}
