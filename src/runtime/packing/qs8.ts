// Packs int8 layers into the layouts the qs8 WASM kernels read (see each kernel's header comment in
// assembly/kernels/qs8_*.ts). The runtime's prepare calls exactly these, once per layer, with
// no checks: the format reader has validated shapes, zero points and scales, the resolver the fused
// pool (valid, every shift <= 0). Keras layouts in: Dense [k][n], Conv2D [kh][kw][cin][cout].
// Every blob is placed at a 16-byte aligned offset; its sections are 16-byte aligned inside it.
// The input zero point is folded into the bias: bias[c] - zIn * sum(w[.][c]), exact mod 2^32.
// The exact requant comes in as `exact`: the runtime passes its kernel build's (qs8_requant_one), which
// keeps the TS reference out of its bundle; tests pass the reference (src/runtime/reference/qs8_requantize.ts).
import { type Conv2dGeometry, type Pool2dGeometry, type Qs8Requant, axis, channelRequant } from '../reference/qs8_types.js';

/** Bytes of requant params per 4 channels (assembly/lib/requant.ts). */
const RQ_GROUP = 128;
const up = (v: number, m: number): number => Math.ceil(v / m) * m;

/** The exact requant of one accumulator of channel c, as reference/qs8_requantize.ts requantize(). */
export type Requantize = (acc: number, rq: Qs8Requant, c: number) => number;

/**
 * Lays out sections at 16-byte aligned offsets and writes values into them through typed-array views,
 * in the platform's byte order: little-endian, as WebAssembly's (the arena makes the same assumption).
 */
class Blob {
  // `declare`d, set in the constructor: no field declarations in the runtime's bundle
  declare readonly bytes: Uint8Array;
  declare readonly words: Int32Array;
  declare readonly floats: Float32Array;
  declare readonly at: number[];
  constructor(sizes: number[]) {
    let o = 0;
    this.at = sizes.map((s) => [o, (o += up(s, 16))][0]);
    this.bytes = new Uint8Array(o);
    this.words = new Int32Array(this.bytes.buffer);
    this.floats = new Float32Array(this.bytes.buffer);
  }
  /** Writes `values` as int32s from int32 `index` of `section` on. */
  i32(section: number, index: number, ...values: number[]): void {
    this.words.set(values, this.at[section] / 4 + index);
  }
}

/**
 * The SIMD fast path's float32 map for channel c (assembly/lib/requant.ts): M and C such that
 * clamp(round(f32(f32(f32(acc) * M) + C)) + zOut) equals the exact requant for every |acc| <= bound,
 * or undefined. Both maps are monotone in acc, so they agree everywhere once they agree at the bound's
 * ends and on both sides of each step of the exact map (each output level's least acc).
 */
export function provenAffine(rq: Qs8Requant, c: number, bound: number, requantize: Requantize): [number, number] | undefined {
  const [q, shift] = channelRequant(rq, c), b = Math.floor(bound);
  // round-to-nearest of acc * M + C: C = 2^-(right + 1) is RoundingDivideByPOT's half on top of SRDHM's
  const real = q * 2 ** (shift - 31), M = Math.fround(real), C = shift < 0 ? 2 ** (shift - 1) : 0;
  // a bound reaching 2^31 allows sums that wrap: no proof over [-b, b] covers them
  if (shift > 0 || b >= 2 ** 31 - 1 || b * M >= 2 ** 21) return undefined;
  const exact = (acc: number): number => requantize(acc, rq, c);
  const fast = (acc: number): number => {
    const r = Math.fround(Math.fround(Math.fround(Math.fround(acc) * M) + C) + 12582912) - 12582912 + rq.zOut;
    return Math.min(Math.max(r, rq.actMin), rq.actMax);
  };
  if (fast(-b) !== exact(-b) || fast(b) !== exact(b)) return undefined;
  for (let o = exact(-b) + 1; o <= exact(b); o++) {
    // the least acc in (-b, b] with exact(acc) >= o, walked to from its real-number estimate: the
    // exact map's roundings move a step by under 2 accs (q >= 2^30), and exact(-b) < o <= exact(b) stop both walks
    let lo = Math.min(Math.max(Math.round((o - rq.zOut - 0.5) / real), -b), b);
    while (exact(lo) >= o) lo--;
    while (exact(lo) < o) lo++;
    if (fast(lo) < o || fast(lo - 1) >= o) return undefined;
  }
  return [M, C];
}

/**
 * Requant groups for channels [0, np) (zeros past `channels`): q, 2^left, mask, proven, f32 2^-right,
 * right, and the fast path's f32 M and C (assembly/lib/requant.ts), given a bound on |acc| per channel, `bounds`.
 */
function writeRequant(blob: Blob, section: number, rq: Qs8Requant, exact: Requantize, channels: number, np: number, bounds: ArrayLike<number>): void {
  const o = blob.at[section];
  for (let c = 0; c < np; c++) {
    const [q, shift] = c < channels ? channelRequant(rq, c) : [0, 0];
    const left = Math.max(shift, 0), right = Math.max(-shift, 0);
    const fast = c < channels ? provenAffine(rq, c, bounds[c], exact) : [0, 0];
    const p = (o + (c >> 2) * RQ_GROUP) / 4 + (c & 3);
    // the eight fields, 16 bytes (4 words) apart; 2^-right, M and C are float32
    [q, 2 ** left, 2 ** right - 1, fast ? -1 : 0, 2 ** -right, right, ...(fast ?? [0, 0])].forEach((v, k) =>
      ((k === 4 || k > 5 ? blob.floats : blob.words)[p + 4 * k] = v));
  }
}

/**
 * The biases (section 1) and requant groups (section 2, channels [0, np)) of weights w [count][n], column
 * c = channel c (Keras Dense [k][n], Conv2D [kh * kw * cin][cout]). The input zero point is folded into
 * the bias, bias' = bias - zIn * sum(w); a channel's bound on |acc| = |bias' + sum of w * x| over int8 x
 * is |bias'| + 128 * sum |w|. `u8`: the kernel reads x as the u8 x + 128, so the stored bias also folds
 * out 128 * sum(w) (the bound stays the one above: the same sums, only grouped differently).
 */
function writeBiasRequant(blob: Blob, w: Int8Array, count: number, n: number, np: number, bias: ArrayLike<number>, zIn: number, rq: Qs8Requant, exact: Requantize, u8: boolean): void {
  const bounds: number[] = [];
  for (let c = 0; c < n; c++) {
    let sum = 0, abs = 0;
    for (let i = 0; i < count; i++) {
      sum += w[i * n + c];
      abs += Math.abs(w[i * n + c]);
    }
    bounds[c] = Math.abs((bias[c] - zIn * sum) | 0) + 128 * abs;
    blob.i32(1, c, bias[c] - (u8 ? zIn + 128 : zIn) * sum); // wraps like int32 as the Int32Array stores it
  }
  writeRequant(blob, 2, rq, exact, n, np, bounds);
}

/** qs8_requantize params: [m][n] int32 -> int8, channel = column. */
export function packRequantize(n: number, rq: Qs8Requant, exact: Requantize): Uint8Array {
  const np = up(n, 16);
  const blob = new Blob([16, (np / 4) * RQ_GROUP]);
  blob.i32(0, 0, n, rq.zOut, rq.actMin, rq.actMax);
  writeRequant(blob, 1, rq, exact, n, np, new Array(n).fill(2 ** 31));
  return blob.bytes;
}

/** qs8_gemm: w [k][n] (Keras Dense), bias [n]. */
export function packGemm(w: Int8Array, k: number, n: number, bias: ArrayLike<number>, zIn: number, rq: Qs8Requant, exact: Requantize): Uint8Array {
  // w [nc][kp]: each channel's k weights after kp - k zeros (the kernel's first 8-column step)
  const nc = up(n, 2), np = up(n, 16), kp = up(k, 8);
  const blob = new Blob([64, 4 * np, (np / 4) * RQ_GROUP, nc * kp]);
  blob.i32(0, 0, k, n, nc, np, rq.zOut, rq.actMin, rq.actMax, blob.at[1], blob.at[2], blob.at[3]);
  for (let c = 0; c < n; c++) for (let kk = 0; kk < k; kk++) blob.bytes[blob.at[3] + (c + 1) * kp - k + kk] = w[kk * n + c];
  writeBiasRequant(blob, w, k, n, np, bias, zIn, rq, exact, false);
  return blob.bytes;
}

const pairWord = (wa: number, wb: number): number => (wa & 0xffff) | (wb << 16);

/** Per channel c, the rows t of its nonzero weights in w [count][n], two at a time (an odd last one pairs with itself). */
function nonzeroPairs(w: Int8Array, count: number, n: number): number[][][] {
  return Array.from({ length: n }, (_, c) => {
    const nz: number[] = [], pairs: number[][] = [];
    for (let t = 0; t < count; t++) if (w[t * n + c]) nz.push(t);
    for (let i = 0; i < nz.length; i += 2) pairs.push([nz[i], nz[Math.min(i + 1, nz.length - 1)]]);
    return pairs;
  });
}

/**
 * The sparse kernels' pairs: in section `starts`, each channel's first pair, then the total (n + 1 words);
 * in section `list`, per pair its two rows' offsets in the kernel's x, `offset(t)`, and their weights
 * (the second 0 when a row pairs with itself).
 */
function writePairs(blob: Blob, starts: number, list: number, w: Int8Array, n: number, pairs: number[][][], offset: (t: number) => number): void {
  let i = 0;
  pairs.forEach((channel, c) => {
    blob.i32(starts, c, i);
    for (const [a, b] of channel) {
      blob.i32(list, 3 * i, offset(a), offset(b), pairWord(w[a * n + c], b === a ? 0 : w[b * n + c]));
      i++;
    }
  });
  blob.i32(starts, n, i);
}

/**
 * qs8_spmm: w [k][n] (Keras Dense) with its zeros skipped, two at a time (an odd last one pairs with wb = 0).
 * The kernel reads x as the u8 x + 128, so the bias also folds out 128 * sum(w).
 */
export function packSpmm(w: Int8Array, k: number, n: number, bias: ArrayLike<number>, zIn: number, rq: Qs8Requant, exact: Requantize): Uint8Array {
  const np = up(n, 4), pairs = nonzeroPairs(w, k, n);
  const blob = new Blob([64, 4 * np, (np / 4) * RQ_GROUP, 4 * (n + 1), 12 * pairs.flat().length]);
  blob.i32(0, 0, k, n, rq.zOut, rq.actMin, rq.actMax, blob.at[1], blob.at[2], blob.at[3], blob.at[4]);
  writeBiasRequant(blob, w, k, n, np, bias, zIn, rq, exact, true);
  // a pair's offsets: its rows in the kernel's 16-row blocks of x transposed
  writePairs(blob, 3, 4, w, n, pairs, (t) => t * 16);
  return blob.bytes;
}

/**
 * Scratch qs8_spmm needs for a batch of m rows: one 16-row block of x transposed, then room for x's rows
 * when there are fewer than 16 (copied out to 16 readable rows). Never less for more rows: the
 * interpreter plans for its largest batch and runs smaller ones in that plan.
 */
export function spmmScratchBytes(m: number, k: number): number {
  return m > 1 ? k * 32 : 0;
}

/** A packed conv: the blob and the scratch it needs per call. */
export interface PackedConv {
  bytes: Uint8Array;
  scratchBytes: number;
}

/** qs8_conv2d_nhwc (or, with `pool`, the fused qs8_conv2d_maxpool2d): w [kh][kw][cin][cout]. */
export function packConv2d(g: Conv2dGeometry, w: Int8Array, bias: ArrayLike<number>, zIn: number, rq: Qs8Requant, exact: Requantize, pool?: Pool2dGeometry): PackedConv {
  return packConv(g, w, bias, zIn, rq, exact, pool, false);
}

/** qs8_spconv2d_nhwc (or, with `pool`, qs8_spconv2d_maxpool2d): zeros of w skipped per output channel. */
export function packSpconv2d(g: Conv2dGeometry, w: Int8Array, bias: ArrayLike<number>, zIn: number, rq: Qs8Requant, exact: Requantize, pool?: Pool2dGeometry): PackedConv {
  return packConv(g, w, bias, zIn, rq, exact, pool, true);
}

/** packConv2d or, when `sparse`, packSpconv2d (the resolver's one call for both). */
export function packConv(
  g: Conv2dGeometry, w: Int8Array, bias: ArrayLike<number>, zIn: number, rq: Qs8Requant, exact: Requantize, pool: Pool2dGeometry | undefined, sparse: boolean,
): PackedConv {
  const taps = g.kh * g.kw * g.cin;
  const ay = axis(g.h, g.kh, g.strideH, g.padding), ax = axis(g.w, g.kw, g.strideW, g.padding);
  // quad mode (assembly/kernels/qs8_conv2d_nhwc.ts): an unpooled conv of even output size takes its
  // pixels 2x2 at a time, as the positions of a 2x2 pool
  const quad = !pool && ay.out % 2 === 0 && ax.out % 2 === 0, tile = quad ? 2 : 1; // pixels per side a step takes
  const p = pool ?? { poolH: tile, poolW: tile, strideH: tile, strideW: tile, padding: 'valid' as const };
  const ph = axis(ay.out, p.poolH, p.strideH, 'valid').out, pw = axis(ax.out, p.poolW, p.strideW, 'valid').out;
  const ndy = (p.poolH - 1) * g.strideH + g.kh, ndx = (p.poolW - 1) * g.strideW + g.kw;
  // a patch: ndy rows of the field, each ndx * cin bytes padded to segP, the whole padded to r16
  const seg = ndx * g.cin, segP = seg <= 4 ? 4 : seg <= 8 ? 8 : up(seg, 16), r16 = up(ndy * segP, 16);
  const npos = p.poolH * p.poolW, coutP = up(g.cout, 4), pq = ph * pw;
  // Byte offset, inside a block's planes [r16][16], of tap t = (ky, kx, ci) at pool position pos = (wy, wx).
  const planeOffset = (t: number, pos: number): number => {
    const ci = t % g.cin, kx = Math.floor(t / g.cin) % g.kw, ky = Math.floor(t / (g.cin * g.kw));
    const wy = Math.floor(pos / p.poolW), wx = pos % p.poolW;
    return ((wy * g.strideH + ky) * segP + (wx * g.strideW + kx) * g.cin + ci) * 16;
  };

  // dense: the taps two at a time, shared by the channels; sparse: each channel's nonzero taps two at a
  // time (an odd last one with itself and weight 0)
  const pairs = Array.from({ length: (taps + 1) >> 1 }, (_, i) => [2 * i, Math.min(2 * i + 1, taps - 1)]);
  const entries = sparse ? nonzeroPairs(w, taps, g.cout) : [];
  const denseCount = pairs.length;
  const sizes = sparse
    ? [144, 4 * coutP, (coutP / 4) * RQ_GROUP, 12 * entries.flat().length, 4 * npos, 4 * (g.cout + 1), g.cout, r16]
    : [144, 4 * coutP, (coutP / 4) * RQ_GROUP, 4 * denseCount * coutP, 8 * denseCount * npos, 0, g.cout, r16];
  const blob = new Blob(sizes);
  blob.i32(0, 0,
    g.h, g.w, g.cin, g.cout, g.kh, g.kw, g.strideH, g.strideW, ay.pad, ax.pad, p.poolH, p.poolW, p.strideH, p.strideW,
    ph, pw, zIn, rq.zOut, rq.actMin, rq.actMax, ndy, ndx, r16, sparse ? 0 : denseCount,
    blob.at[1], blob.at[2], blob.at[3], blob.at[4], blob.at[5], blob.at[6], segP, blob.at[7], tile);
  for (let d = 0; d < ndy * segP; d++) if (d % segP < seg) blob.bytes[blob.at[7] + d] = 0xff;
  // an output whose receptive field is all zIn: the bias alone (an int8, stored as its byte)
  for (let c = 0; c < g.cout; c++) blob.bytes[blob.at[6] + c] = exact(bias[c] | 0, rq, c);
  // the sparse kernel reads x as the u8 x + 128 (as qs8_spmm)
  writeBiasRequant(blob, w, taps, g.cout, coutP, bias, zIn, rq, exact, sparse);
  if (sparse) {
    // a pair's offsets: its taps' at position 0 in the planes; then each position's shift from position 0
    writePairs(blob, 5, 3, w, g.cout, entries, (t) => planeOffset(t, 0));
    for (let pos = 0; pos < npos; pos++) blob.i32(4, pos, planeOffset(0, pos));
  } else {
    pairs.forEach(([ta, tb], i) => {
      for (let pos = 0; pos < npos; pos++) {
        blob.i32(4, 2 * (pos * denseCount + i), planeOffset(ta, pos), planeOffset(tb, pos));
      }
      for (let c = 0; c < g.cout; c++) {
        blob.i32(3, c * denseCount + i, pairWord(w[ta * g.cout + c], tb === ta ? 0 : w[tb * g.cout + c]));
      }
    });
  }
  // patches [pq][r16], their output offsets [pq], one block's planes [r16][16] and outputs [cout up to 16][16], dense pair vectors
  const scratchBytes = pq * r16 + up(4 * pq, 16) + 16 * r16 + 16 * up(g.cout, 16) * tile * tile + (sparse ? 0 : npos * denseCount * 64);
  return { bytes: blob.bytes, scratchBytes };
}

/** qs8_maxpool2d params for NHWC [n][h][w][c] (the clamp is the producer's activation range). */
export function packMaxpool2d(h: number, w: number, c: number, pool: Pool2dGeometry, actMin = -128, actMax = 127): Uint8Array {
  const ay = axis(h, pool.poolH, pool.strideH, pool.padding), ax = axis(w, pool.poolW, pool.strideW, pool.padding);
  return new Uint8Array(new Int32Array([h, w, c, pool.poolH, pool.poolW, pool.strideH, pool.strideW, ay.pad, ax.pad, ay.out, ax.out, actMin, actMax]).buffer);
}
