// qs8_conv2d_nhwc / qs8_spconv2d_nhwc: int8 conv2d (NHWC, weights int8 per output channel, any kernel,
// stride, 'valid'/'same' padding), optionally fused with the maxpool that follows. TFLite's reference
// semantics bit for bit:
//   acc = bias[c] + sum over in-image taps of w * (x - zIn)     (zIn folded into bias at pack time)
//   y   = clamp(MultiplyByQuantizedMultiplier(acc, q[c], shift[c]) + zOut, actMin, actMax)
// Fused maxpool: requant is monotone (q >= 0, no left shift; the resolver checks), so the max of the
// requantized window is the requantized max of its accumulators: one requant per pooled output.
//
// Per image, every output pixel first gets the packed constants: each channel's requantized bias,
// which is its output wherever the receptive field is all zIn (a digit's empty background). Then each
// pixel's field is copied into a patch: byte d = dy * segP + dx * cin + ci is the input at offset
// (dy, dx, ci) of the field (zIn outside the image), rows padded to segP (4, 8 or a multiple of 16
// bytes) so that a row is one load, the patch to r16 (a multiple of 16); pad bytes are garbage that no
// tap reads (and the activity test masks out). Only patches with a tap other than zIn are kept, with
// their output's byte offset; each 16 kept patches are transposed into planes[d][16], so every tap at
// every pool position is one vector over 16 pixels: SIMD lanes are pixels and each channel's requant
// has one shift. The block's 16 outputs per channel are transposed back to pixels and stored.
//   dense: pairs of taps feed i32x4.dot_i16x8_s: lanes [a0 b0 a1 b1 ..] . [wa wb wa wb ..]; offsets
//          [pos][pair] (the pair's two taps' d * 16), weights [cout][pair] as i16 pairs; each block of 16
//          pixels first widens all (pos, pair) vectors into scratch, shared by the channels, which take
//          them two at a time (each vector loaded once for both: 1.10-1.18x one at a time, 2026-11-28);
//   sparse: each channel's nonzero taps two at a time (an odd last one with itself and weight 0), the
//          same dot on the two taps' planes zipped and widened per channel: int32 sums from the start,
//          whatever the weights (no int16 groups to bound and widen); pairs [offset a, offset b,
//          wa | wb << 16] (d * 16 at position 0), each position's shift [pos], ranges start[cout+1] =
//          first pair; a channel without any is its constant.
//          The planes hold x as the u8 x + 128 (each byte xor 0x80 in the transpose, as qs8_spmm;
//          packConv folds -128 * sum(w) into the bias after the requant bound), so the widening is
//          zero-extension (zxl, zxh): 6 shuffles and extends a pair, not 8 (1.5-4% faster pooled, none in quad mode,
//          2026-11-28). The dense path gained nothing from it (its widening is shared by the channels).
// Measured on the seed layer at batch 32, 80% zeros, hollow digits ('strokes'), before the pairs: with the channels'
// work cut out, the sparse kernel took 30 of its 63 us (gather and constants 18): the costs both
// kernels share bound its lead over the dense one (1.57x, src/runtime/resolver_qs8.ts). A pair costs
// 24 instructions per pool position (V8's code, perf annotate), a dense pair 13 (its zips are shared
// by the channels); a lone tap costs a whole pair, so one-tap channels cost more than int16 products
// did (digits 1.56x -> 1.52x) while multi-tap ones, most of the real model's, cost less.
// Tried and dropped (2026-11-28, CPU time, old and new in one process, alternating): planes straight
// from the image rows, a block per pool row (lanes its 13 pixels, no gather, transpose nor per-pixel
// skip): sparse 1.17x on random pixels but 0.83x on digits, 0.67x on strokes, 0.72x on pruned-qat-lite
// through the runtime (dense 0.69x, 0.55x, 0.59x on qat-lite): an MNIST digit keeps 74 of 169 pixels
// (5.1 blocks) but has 11.3 pool rows with any. Blocks of four 4-pixel windows, each from its first kept
// pixel, built by byte unzips (6.0 blocks a digit): 0.87x digits, 0.99x strokes, 1.0x pruned-qat-lite.
// Where the sparse kernel's time goes (digits, 56 us, by cutting each part out): channel taps 36%,
// requant 17%, gather 27%, constants 7%, transposes and stores 13%; with no taps at all it would be
// only 2.6x faster than the dense kernel.
// Packed header, i32 (packConv2d / packSpconv2d, src/runtime/packing/qs8.ts):
//   0 h  1 w  2 cin  3 cout  4 kh  5 kw  6 sh  7 sw  8 padT  9 padL  10 poolH  11 poolW  12 poolSH
//   13 poolSW  14 ph  15 pw  16 zIn  17 zOut  18 actMin  19 actMax  20 dy  21 dx  22 r16  23 pairs (dense)
//   24 offBias  25 offRq  26 offW (sparse: the pairs)  27 offOff (sparse: the shifts)  28 offStart (sparse)
//   29 offConst (int8 [cout] padded to 16)
//   30 segP  31 offMask (r16 bytes, 0xff on a tap's byte)  32 qb: 2 in quad mode, else 1
// Quad mode (no pool, even output size): each 2x2 block of output pixels is one patch whose 4 'pool
// positions' are stored as 4 pixels instead of their max: a quarter of the patches, transposes and
// per-block work of one pixel per patch. Its tail (4 requants, transposes and pixel stores a patch) was
// what kept it behind the pooled kernel (8.7 vs 14 GMAC/s dense): a quad's 4 pixels are now 4 plain
// 16-byte stores (was a store per pixel behind 5 tests, with the offset recomputed): 1.11-1.17x dense,
// 1.23-1.26x sparse at 80%, the pooled kernels unchanged (0.97-1.04x) (CPU time, old and new builds
// alternating in one process, 2026-11-28).
// Tried (same day): each quad position requantized straight from registers in the taps' loop, no ACC
// round trip: another 1.04-1.09x in quad mode, but as 4 inline copies (+503 B .wasm, past the int8 gz
// budget), and emitting inside the loop with one copy made the pooled kernels 5-9% slower.
// Scratch (PackedConv.scratchBytes): patches, their output offsets, one block's planes and outputs, the
// dense pair vectors. The scalar build computes the kept pixels straight from their patches (sparse:
// reading each tap as x + 128 too, against the same packed bias).
// References: src/runtime/reference/qs8_conv2d_nhwc.ts.
import { RQ_GROUP, clampOut, fastPack, requant, requant16, rqMagic, rqP2l, rqQ, rqRight, storeBytes } from '../lib/requant';
import { transpose16, transpose16x, zh8, zl8, zxh, zxl } from './qs8_transpose';

// ZERO: the zero vector from memory (as a v128.const V8 rebuilds it at every use); ACC2: the second
// of the two dense channels computed together
const ACC = memory.data(256, 16), OUT = memory.data(1024, 16), ZERO = memory.data(16, 16), ACC2 = memory.data(256, 16);

@inline function hdr(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/**
 * Keeps the patch just written: its (first) output's byte offset q * cout goes to idx[kept], with bit 31
 * set on the last pixel of a row (quad mode: whose right column has the row below after it).
 */
@inline function keep(active: bool, q: i32, kept: i32, idx: usize, cout: i32, last: bool): bool {
  if (active) store<i32>(idx + (<usize>kept << 2), q * cout | (<i32>last << 31));
  return active;
}

/**
 * Writes the constants (every channel's requantized bias) to all pq output pixels at out, ascending, so
 * that a store's spill past its pixel is rewritten by the next; the kept pixels overwrite theirs later.
 */
function constants(out: usize, pq: i32, cout: i32, cst: usize, yEnd: usize): void {
  const c16 = <usize>((cout + 15) & ~15);
  let o = out;
  if (ASC_FEATURE_SIMD) {
    const v = v128.load(cst);
    if (cout <= 16) for (; o + 16 <= yEnd && pq > 0; o += <usize>cout, pq--) v128.store(o, v);
    else for (; o + c16 <= yEnd && pq > 0; o += <usize>cout, pq--) for (let c: usize = 0; c < c16; c += 16) v128.store(o + c, v128.load(cst + c));
  }
  for (; pq > 0; o += <usize>cout, pq--) memory.copy(o, cst, cout);
}

/**
 * Copies the receptive field of each output pixel of one image into patches, keeping those with a tap
 * other than zIn (their outputs' byte offset in idx). Returns how many it kept. Reads only [img, xEnd).
 */
function gather(p: usize, img: usize, xEnd: usize, patches: usize, idx: usize): i32 {
  const h = hdr(p, 0), w = hdr(p, 1), cin = hdr(p, 2), cout = hdr(p, 3), padT = hdr(p, 8), padL = hdr(p, 9);
  const psy = hdr(p, 12) * hdr(p, 6), psx = hdr(p, 13) * hdr(p, 7), ph = hdr(p, 14), pw = hdr(p, 15);
  const zIn = hdr(p, 16), ndy = hdr(p, 20), ndx = hdr(p, 21), r16 = hdr(p, 22), segP = hdr(p, 30), mask = p + hdr(p, 31);
  const stride = w * cin, sx = <usize>(psx * cin), qb = hdr(p, 32), rowQ = pw * qb * qb;
  // Patches of one vector (rows of at most 4 bytes, at most 4 rows) come from 32-bit lane loads when
  // the field is inside the image: pixels [pxLo, pxHi) of rows whose fields are.
  const one = ASC_FEATURE_SIMD && segP == 4 && ndy <= 4;
  const span = w - ndx + padL, pxLo = min((padL + psx - 1) / psx, pw), pxHi = span < 0 ? pxLo : max(min(span / psx + 1, pw), pxLo);
  let kept = 0, patch = patches;
  for (let py = 0; py < ph; py++) {
    const y0 = py * psy - padT;
    let px = 0;
    // (always 4 rows: rows past the field are garbage that no tap reads and the mask leaves out)
    if (one && y0 >= 0 && y0 + ndy <= h && img + <usize>((y0 + 3) * stride + (pxHi - 1) * psx * cin - padL * cin + 4) <= xEnd) {
      const z = i8x16.splat(<i8>zIn), m = v128.load(mask);
      for (; px < pxLo; px++) {
        if (keep(gather1(p, img, y0, px * psx - padL, patch), py * rowQ + px * qb, kept, idx, cout, px == pw - 1)) { kept++; patch += 16; }
      }
      // one channel, 16 to 32 columns: only pixels whose field meets the rows' columns other than zIn
      // can be kept (a digit's margins): the others keep the constants
      let end = pxHi;
      if (cin == 1 && w >= 16 && w <= 32) {
        let cols = 0;
        for (let dy = 0; dy < ndy; dy++) {
          const row = img + <usize>((y0 + dy) * w);
          cols |= i8x16.bitmask(i8x16.ne(v128.load(row), z)) | (i8x16.bitmask(i8x16.ne(v128.load(row + <usize>(w - 16)), z)) << (w - 16));
        }
        if (cols == 0) end = px;
        else {
          px = max(px, (ctz(cols) - ndx + padL + psx) / psx);
          end = min(end, max(px, (31 - clz(cols) + padL) / psx + 1));
        }
      }
      let src = img + <usize>(y0 * stride + (px * psx - padL) * cin), o = (py * rowQ + px * qb) * cout;
      for (; px < end; px++, src += sx, o += qb * cout) {
        let v = v128.load32_zero(src);
        v = v128.load32_lane(src + <usize>stride, v, 1);
        v = v128.load32_lane(src + <usize>(2 * stride), v, 2);
        v = v128.load32_lane(src + <usize>(3 * stride), v, 3);
        // kept or not, without a branch (a stroke's pixels alternate unpredictably): a dropped patch and
        // output offset are overwritten by the next
        v128.store(patch, v);
        store<i32>(idx + (<usize>kept << 2), o | (<i32>(px == pw - 1) << 31));
        const active = <i32>v128.any_true(v128.and(v128.xor(v, z), m));
        kept += active; patch += <usize>active << 4;
      }
      px = pxHi;
    }
    for (; px < pw; px++) {
      if (keep(gather1(p, img, y0, px * psx - padL, patch), py * rowQ + px * qb, kept, idx, cout, px == pw - 1)) { kept++; patch += <usize>r16; }
    }
  }
  return kept;
}

/** One patch, byte by byte (fields that cross the image's edge, wide fields); true if a tap is not zIn. */
function gather1(p: usize, img: usize, y0: i32, x0: i32, patch: usize): bool {
  const h = hdr(p, 0), w = hdr(p, 1), cin = hdr(p, 2), zIn = hdr(p, 16), ndy = hdr(p, 20), ndx = hdr(p, 21), segP = hdr(p, 30);
  memory.fill(patch, <u8>zIn, hdr(p, 22));
  let active = false;
  for (let dy = 0; dy < ndy; dy++) {
    const y = y0 + dy;
    if (y < 0 || y >= h) continue;
    for (let dx = 0; dx < ndx; dx++) {
      const x = x0 + dx;
      if (x < 0 || x >= w) continue;
      for (let ci = 0; ci < cin; ci++) {
        const v = load<i8>(img + <usize>((y * w + x) * cin + ci));
        store<i8>(patch + <usize>(dy * segP + dx * cin + ci), v);
        active = active || v != <i8>zIn;
      }
    }
  }
  return active;
}

/** Dense only: the i16 pair vectors of the block's 16 pixels for every (pos, pair), 64 bytes each, shared by all channels. */
function buildPairs(offs: usize, n: i32, planes: usize, abuf: usize): void {
  for (let i = 0; i < n; i++, abuf += 64) {
    const va = v128.load(planes + load<i32>(offs + (<usize>i << 3))), vb = v128.load(planes + load<i32>(offs + (<usize>i << 3), 4));
    const l = zl8(va, vb), h = zh8(va, vb);
    v128.store(abuf, i16x8.extend_low_i8x16_s(l)); v128.store(abuf, i16x8.extend_high_i8x16_s(l), 16);
    v128.store(abuf, i16x8.extend_low_i8x16_s(h), 32); v128.store(abuf, i16x8.extend_high_i8x16_s(h), 48);
  }
}

@inline function maxAcc(m: v128, a: v128): v128 { return i32x4.max_s(m, a); }

/**
 * Dense: channels c and c2 (c2 == c for an odd last channel) for the block's 16 pixels into ACC and
 * ACC2 (see put4). The two share each pair vector's 4 loads. (The running max kept in registers, as
 * sparseChannel does, left 8 + 8 + 6 vectors live: spills, and only 1.10-1.13x one channel at a time.)
 */
@inline function denseChannels(npos: i32, pairs: i32, bias: v128, bias2: v128, wc: usize, wc2: usize, abuf: usize, quad: bool): void {
  let ap = abuf;
  for (let pos = 0; pos < npos; pos++) {
    let a0 = bias, a1 = bias, a2 = bias, a3 = bias, b0 = bias2, b1 = bias2, b2 = bias2, b3 = bias2;
    for (let i: usize = 0, e = <usize>pairs << 2; i < e; i += 4, ap += 64) {
      const w = v128.load32_splat(wc + i), u = v128.load32_splat(wc2 + i);
      const x0 = v128.load(ap), x1 = v128.load(ap, 16), x2 = v128.load(ap, 32), x3 = v128.load(ap, 48);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x0, w)); a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x1, w));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(x2, w)); a3 = i32x4.add(a3, i32x4.dot_i16x8_s(x3, w));
      b0 = i32x4.add(b0, i32x4.dot_i16x8_s(x0, u)); b1 = i32x4.add(b1, i32x4.dot_i16x8_s(x1, u));
      b2 = i32x4.add(b2, i32x4.dot_i16x8_s(x2, u)); b3 = i32x4.add(b3, i32x4.dot_i16x8_s(x3, u));
    }
    put4(ACC, pos, quad, a0, a1, a2, a3); put4(ACC2, pos, quad, b0, b1, b2, b3);
  }
}

/**
 * One position's 16 accumulators of a channel to its ACC slot at p: quad, position pos's own 64 bytes;
 * pooled, the running max over the positions at p.
 */
@inline function put4(p: usize, pos: i32, quad: bool, a: v128, b: v128, c: v128, d: v128): void {
  if (quad) p += <usize>pos << 6;
  else if (pos) { a = maxAcc(a, v128.load(p)); b = maxAcc(b, v128.load(p, 16)); c = maxAcc(c, v128.load(p, 32)); d = maxAcc(d, v128.load(p, 48)); }
  store4(p, a, b, c, d);
}

@inline function store4(p: usize, a: v128, b: v128, c: v128, d: v128): void {
  v128.store(p, a); v128.store(p, b, 16); v128.store(p, c, 32); v128.store(p, d, 48);
}

/**
 * Sparse: channel c's nonzero taps two at a time, pairs [i0, i1) at ent (12 bytes each: the two taps'
 * offsets at position 0 in the planes, wa | wb << 16; an odd last tap is paired with itself and wb = 0),
 * for the block's 16 pixels, into ACC: the two taps' planes interleaved [a0 b0 a1 b1 ..] and widened
 * feed i32x4.dot_i16x8_s, so sums are int32 from the start. Position pos shifts every offset by dlt[pos].
 */
@inline function sparseChannel(npos: i32, i0: i32, i1: i32, bias: v128, ent: usize, dlt: usize, planes: usize, quad: bool, z: v128): void {
  const lo = i32x4.splat(i32.MIN_VALUE);
  let m0 = lo, m1 = lo, m2 = lo, m3 = lo;
  for (let pos = 0; pos < npos; pos++) {
    const d = planes + <usize>load<i32>(dlt + (<usize>pos << 2));
    let a0 = bias, a1 = bias, a2 = bias, a3 = bias;
    for (let e = ent + <usize>i0 * 12, end = ent + <usize>i1 * 12; e < end; e += 12) {
      const va = v128.load(d + <usize>load<i32>(e)), vb = v128.load(d + <usize>load<i32>(e, 4)), w = v128.load32_splat(e, 8);
      const l = zl8(va, vb), h = zh8(va, vb);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(zxl(l), w)); a1 = i32x4.add(a1, i32x4.dot_i16x8_s(zxh(l, z), w));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(zxl(h), w)); a3 = i32x4.add(a3, i32x4.dot_i16x8_s(zxh(h, z), w));
    }
    // (in registers: the running max through ACC, as the dense channels keep it, was 0.87x on digits)
    if (quad) store4(ACC + (<usize>pos << 6), a0, a1, a2, a3);
    else { m0 = maxAcc(m0, a0); m1 = maxAcc(m1, a1); m2 = maxAcc(m2, a2); m3 = maxAcc(m3, a3); }
  }
  if (!quad) store4(ACC, m0, m1, m2, m3);
}

/**
 * The kept pixels [j0, j0 + n) (n <= 16) of one image: patches -> planes -> each channel's 16 outputs
 * in stage[c][16] (quad: stage[pos][c][16]) -> transposed, 16 channels at a time, to pixels -> out +
 * idx (byte offsets); with at most 16 channels, one 16-byte store a pixel (see below).
 */
function block(p: usize, patches: usize, idx: usize, j0: i32, n: i32, planes: usize, stage: usize, abuf: usize, out: usize, yEnd: usize, sparse: bool): void {
  const cout = hdr(p, 3), r16 = hdr(p, 22), npos = hdr(p, 10) * hdr(p, 11), pairs = hdr(p, 23), quad = hdr(p, 32) == 2;
  // quad: the 2x2 positions are 4 output pixels, each with its own stage [16 channels][16]
  const nq = quad ? 4 : 1, stg = <usize>((cout + 15) & ~15) << 4, ow = hdr(p, 15) * 2;
  const biasp = p + hdr(p, 24), rq = p + hdr(p, 25), wts = p + hdr(p, 26), offs = p + hdr(p, 27), start = p + hdr(p, 28), cst = p + hdr(p, 29);
  const zOut = hdr(p, 17), lo = hdr(p, 18), hi = hdr(p, 19);
  const vlo = i8x16.splat(<i8>lo), vhi = i8x16.splat(<i8>hi), magic = rqMagic(), mz = i32x4.sub(magic, i32x4.splat(zOut));
  // sparse: the planes hold x as the u8 x + 128 (the bias folds the 128 back out). With n < 16, the
  // rows past the kept patches are stale scratch (rows below j0 + 16 <= pq + 15 of r16 bytes: within
  // the patches, idx and planes), lanes whose outputs are never stored
  for (let b = 0; b < r16; b += 16) transpose16x(patches + <usize>(j0 * r16 + b), <usize>r16, planes + (<usize>b << 4), sparse ? 0x80 : 0);
  if (!sparse) buildPairs(offs, npos * pairs, planes, abuf);
  for (let c = 0; c < cout; c++) {
    const bias = v128.load32_splat(biasp + (<usize>c << 2)), dst = stage + (<usize>c << 4);
    if (sparse) {
      const i0 = load<i32>(start + (<usize>c << 2)), i1 = load<i32>(start + (<usize>c << 2), 4);
      if (i0 == i1) { // bias only: the constant
        for (let q = 0; q < nq; q++) v128.store(dst + <usize>q * stg, v128.load8_splat(cst + c));
        continue;
      }
      sparseChannel(npos, i0, i1, bias, wts, offs, planes, quad, v128.load(ZERO));
    } else if (c & 1) {
      // computed with channel c - 1: moved into ACC, where the requant below reads every channel
      for (let i: usize = 0; i < <usize>nq << 6; i += 16) v128.store(ACC + i, v128.load(ACC2 + i));
    } else {
      // channels c and c + 1 at once (an odd last channel: c twice, its copy never read)
      const c2 = min(c + 1, cout - 1);
      denseChannels(npos, pairs, bias, v128.load32_splat(biasp + (<usize>c2 << 2)), wts + <usize>(c * pairs) * 4, wts + <usize>(c2 * pairs) * 4, abuf, quad);
    }
    // a proven channel's requant inline (zOut folded into the rounding constant's subtraction), its
    // constants hoisted; the others through requant16
    const g = rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2), fast = load<i32>(g, 48);
    for (let q = 0; q < nq; q++) {
      const a = ACC + (<usize>q << 6);
      if (fast) v128.store(dst + <usize>q * stg, fastPack(v128.load(a), v128.load(a, 16), v128.load(a, 32), v128.load(a, 48), v128.load32_splat(g, 96), v128.load32_splat(g, 112), magic, mz, vlo, vhi));
      else requant16(a, g, zOut, lo, hi, dst + <usize>q * stg);
    }
  }
  const ix = idx + (<usize>j0 << 2), r = <usize>cout, dn = <usize>(ow * cout);
  // At most 16 channels (a quad: at least 8) and the block's last pixel (the highest offset) not near the
  // batch's end: a pixel is one 16-byte store, whose spill past it holds the next pixels' constants
  // (stage rows cout..15, set by run), overwritten when a kept next pixel is stored (later). A quad's 4
  // pixels go top left, top right, bottom left, bottom right: each spill lands on the pixel stored next
  // or on a later quad's, but that of a row's last top right pixel (the row below's first, stored
  // before): that one stores only its own bytes.
  if (cout <= 16 && (!quad || cout >= 8) && out + <usize>(load<i32>(ix + (<usize>(n - 1) << 2)) & 0x7fffffff) + (quad ? dn + r : 0) + 16 <= yEnd) {
    for (let q = 0; q < nq; q++) transpose16(stage + <usize>q * stg, 16, OUT + (<usize>q << 8));
    for (let j = 0; j < n; j++) {
      const at = load<i32>(ix + (<usize>j << 2)), o = out + <usize>(at & 0x7fffffff), v = OUT + (<usize>j << 4);
      v128.store(o, v128.load(v));
      if (quad) {
        if (at < 0) memory.copy(o + r, v + 256, r);
        else v128.store(o + r, v128.load(v, 256));
        v128.store(o + dn, v128.load(v, 512)); v128.store(o + dn + r, v128.load(v, 768));
      }
    }
    return;
  }
  for (let cb = 0; cb < cout; cb += 16) {
    const nc = min(16, cout - cb);
    for (let q = 0; q < nq; q++) transpose16(stage + <usize>q * stg + (<usize>cb << 4), 16, OUT + (<usize>q << 8));
    for (let j = 0; j < n; j++) {
      // (more than 16 channels, a quad of fewer than 8 or near the batch's end: bytes, never a spill)
      const at = <usize>(load<i32>(ix + (<usize>j << 2)) & 0x7fffffff);
      for (let q = 0; q < nq; q++) storeBytes(out + at + <usize>cb + (q >> 1) * dn + <usize>(q & 1) * r, v128.load(OUT + (<usize>q << 8) + (<usize>j << 4)), nc);
    }
  }
}

/** Scalar build: the kept pixels' outputs straight from their patches. */
function scalarImage(p: usize, patches: usize, idx: usize, kept: i32, out: usize, sparse: bool): void {
  const cout = hdr(p, 3), npos = hdr(p, 10) * hdr(p, 11), r16 = hdr(p, 22), dense = hdr(p, 23), qb = hdr(p, 32), qo = hdr(p, 15) * 2;
  const bias = p + hdr(p, 24), rq = p + hdr(p, 25), wts = p + hdr(p, 26), offs = p + hdr(p, 27), start = p + hdr(p, 28);
  for (let j = 0; j < kept; j++) {
    const patch = patches + <usize>(j * r16), o = out + <usize>(load<i32>(idx + (<usize>j << 2)) & 0x7fffffff);
    for (let c = 0; c < cout; c++) {
      let m = i32.MIN_VALUE;
      // sparse: the channel's pairs [e0, e1) (12 bytes each) and each position's shift; a dense layer
      // has no pair table, so nothing is read from it
      const e0 = wts + <usize>(sparse ? load<i32>(start + (<usize>c << 2)) : 0) * 12, e1 = wts + <usize>(sparse ? load<i32>(start + (<usize>c << 2), 4) : 0) * 12;
      for (let pos = 0; pos < npos; pos++) {
        let acc = load<i32>(bias + (<usize>c << 2));
        if (sparse) {
          const d = patch + (<usize>load<i32>(offs + (<usize>pos << 2)) >> 4);
          for (let e = e0; e < e1; e += 12) {
            const wab = load<i32>(e, 8);
            // x + 128, as the SIMD planes hold it: the packed bias takes it back out
            acc += (<i32>load<i8>(d + (<usize>load<i32>(e) >> 4)) + 128) * ((wab << 16) >> 16) + (<i32>load<i8>(d + (<usize>load<i32>(e, 4) >> 4)) + 128) * (wab >> 16);
          }
        } else {
          const wc = wts + <usize>(c * dense) * 4;
          for (let i = 0; i < dense; i++) {
            const op = offs + <usize>(pos * dense + i) * 8, wab = load<i32>(wc + (<usize>i << 2));
            acc += <i32>load<i8>(patch + (<usize>load<i32>(op) >> 4)) * ((wab << 16) >> 16)
              + <i32>load<i8>(patch + (<usize>load<i32>(op, 4) >> 4)) * (wab >> 16);
          }
        }
        if (qb == 2) store<i8>(o + <usize>(((pos >> 1) * qo + (pos & 1)) * cout + c), <i8>clampOut(requant(acc, rqQ(rq, c), rqP2l(rq, c), rqRight(rq, c)), hdr(p, 17), hdr(p, 18), hdr(p, 19)));
        m = max(m, acc);
      }
      if (qb == 1) store<i8>(o + c, <i8>clampOut(requant(m, rqQ(rq, c), rqP2l(rq, c), rqRight(rq, c)), hdr(p, 17), hdr(p, 18), hdr(p, 19)));
    }
  }
}

function run(p: usize, x: usize, y: usize, n: i32, scratch: usize, sparse: bool): void {
  const img = hdr(p, 0) * hdr(p, 1) * hdr(p, 2), pq = hdr(p, 14) * hdr(p, 15), qb = hdr(p, 32), outImg = pq * qb * qb * hdr(p, 3), r16 = hdr(p, 22);
  const xEnd = x + <usize>(n * img), yEnd = y + <usize>(n * outImg);
  // scratch: patches [pq][r16], idx [pq] (output byte offsets), planes [r16][16], stage [cout][16], pair vectors
  const idx = scratch + <usize>(pq * r16), planes = idx + <usize>(((pq + 3) & ~3) << 2);
  const cout = hdr(p, 3), stg = <usize>((cout + 15) & ~15) << 4, stage = planes + (<usize>r16 << 4), abuf = stage + stg * <usize>(qb * qb);
  // stage rows cout..15: the constants of the pixels that follow (see block)
  for (let q = 0; q < qb * qb; q++) {
    for (let c = cout; c < 16; c++) memory.fill(stage + <usize>q * stg + (<usize>c << 4), load<u8>(p + hdr(p, 29) + (c - cout) % cout), 16);
  }
  for (let b = 0; b < n; b++) {
    const out = y + <usize>(b * outImg);
    const kept = gather(p, x + <usize>(b * img), xEnd, scratch, idx);
    // with every patch kept, the blocks write every output pixel themselves
    if (kept < pq) constants(out, pq * qb * qb, cout, p + hdr(p, 29), yEnd);
    if (ASC_FEATURE_SIMD) {
      for (let j0 = 0; j0 < kept; j0 += 16) block(p, scratch, idx, j0, min(16, kept - j0), planes, stage, abuf, out, yEnd, sparse);
    } else {
      scalarImage(p, scratch, idx, kept, out, sparse);
    }
  }
}

/** Dense int8 conv2d (+ fused maxpool when the packed header says so). */
export function qs8_conv2d_nhwc(packed: usize, x: usize, y: usize, n: i32, scratch: usize): void {
  run(packed, x, y, n, scratch, false);
}

/** Sparse int8 conv2d: only each output channel's nonzero weights are visited. */
export function qs8_spconv2d_nhwc(packed: usize, x: usize, y: usize, n: i32, scratch: usize): void {
  run(packed, x, y, n, scratch, true);
}
