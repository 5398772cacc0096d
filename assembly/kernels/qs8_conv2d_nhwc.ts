// qs8_conv2d_nhwc / qs8_spconv2d_nhwc: int8 conv2d (NHWC, weights int8 per output channel, any kernel,
// stride, 'valid'/'same' padding), optionally fused with the maxpool that follows. TFLite's reference
// semantics bit for bit:
//   acc = bias[c] + sum over in-image taps of w * (x - zIn)     (zIn folded into bias at pack time)
//   y   = clamp(MultiplyByQuantizedMultiplier(acc, q[c], shift[c]) + zOut, actMin, actMax)
// Fused maxpool: requant is monotone (q >= 0, no left shift; the packer checks), so the max of the
// requantized window is the requantized max of its accumulators: one requant per pooled output.
//
// Per image, the padded input is laid out as "planes", one per (dy, dx, ci) offset of a tap inside a
// pooled output's receptive field: plane[dy][dx][ci][q] = x[py*psy + dy - padT][px*psx + dx - padL][ci]
// (zIn outside the image), q = py*pw + px over the pooled outputs. Every tap at every pool position is
// then a contiguous run over q, so SIMD lanes are output pixels and each channel's requant has one
// shift. Pairs of taps feed i32x4.dot_i16x8_s: lanes [a0 b0 a1 b1 ..] . [wa wb wa wb ..].
// Steps of 16 pixels x 1 channel, 4 channels then transposed to NHWC and stored.
//   dense: offsets [pos][pair] (plane byte offsets of the pair's two taps), weights [cout][pair] as
//          i16 pairs; each block of 16 pixels first widens all (pos, pair) vectors into scratch once;
//   sparse: only the channel's nonzero pairs: offsets [pair][pos], weights [pair], ranges start[cout+1].
// Packed header, i32 (packConv2d / packSpconv2d, src/runtime/packing/qs8.ts):
//   0 h  1 w  2 cin  3 cout  4 kh  5 kw  6 sh  7 sw  8 padT  9 padL  10 poolH  11 poolW  12 poolSH
//   13 poolSW  14 ph  15 pw  16 zIn  17 zOut  18 actMin  19 actMax  20 dy  21 dx  22 pqp (plane bytes)
//   23 pairs (dense)  24 offBias  25 offRq  26 offW  27 offOff  28 offStart (sparse)
// Scratch: dy*dx*cin*pqp bytes of planes (+ poolH*poolW*pairs*64 for dense). References: src/runtime/reference/qs8_conv2d_nhwc.ts.
import { RQ_GROUP, clampOut, requant, requant16, rqP2l, rqQ, rqRight } from '../lib/requant';

const TMP = memory.data(16, 16);

@inline function hdr(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** Lays out image `img` as planes (see above). Never reads outside [img, xEnd). */
function buildPlanes(p: usize, img: usize, xEnd: usize, planes: usize): void {
  const h = hdr(p, 0), w = hdr(p, 1), cin = hdr(p, 2), padT = hdr(p, 8), padL = hdr(p, 9);
  const psy = hdr(p, 12) * hdr(p, 6), psx = hdr(p, 13) * hdr(p, 7), ph = hdr(p, 14), pw = hdr(p, 15);
  const zIn = hdr(p, 16), ndy = hdr(p, 20), ndx = hdr(p, 21), pqp = hdr(p, 22);
  let dst = planes;
  for (let dy = 0; dy < ndy; dy++) {
    for (let dx = 0; dx < ndx; dx++) {
      for (let ci = 0; ci < cin; ci++, dst += <usize>pqp) {
        const x0 = dx - padL;
        for (let py = 0; py < ph; py++) {
          const y = py * psy + dy - padT, row = dst + <usize>(py * pw);
          if (y < 0 || y >= h) {
            if (ASC_FEATURE_SIMD) { for (let i = 0; i < pw; i += 16) v128.store(row + i, i8x16.splat(<i8>zIn)); } // slack absorbs the overrun
            else memory.fill(row, <u8>zIn, pw);
            continue;
          }
          const src = img + <usize>(y * w * cin + ci);
          let px = 0;
          if (cin == 1 && x0 >= 0 && (pw - 1) * psx + x0 < w) {
            if (ASC_FEATURE_SIMD && psx == 1) {
              for (; px < pw && src + <usize>(x0 + px + 16) <= xEnd; px += 16) v128.store(row + px, v128.load(src + <usize>(x0 + px)));
            }
            if (ASC_FEATURE_SIMD && psx == 2) {
              // 8 outputs from 16 bytes. Stores may run up to 15 bytes past the row: the next row rewrites
              // them, and after the last row pqp has 16 bytes of slack.
              for (; px < pw && src + <usize>(x0 + 2 * px + 16) <= xEnd; px += 8) {
                const v = v128.load(src + <usize>(x0 + 2 * px));
                v128.store64_lane(row + px, i8x16.shuffle(v, v, 0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0), 0);
              }
            }
          }
          for (; px < pw; px++) {
            const x = px * psx + x0;
            store<i8>(row + px, x >= 0 && x < w ? load<i8>(src + <usize>(x * cin)) : <i8>zIn);
          }
        }
      }
    }
  }
}

/** Stores 4 pixels x 4 channels (v = pixel-major bytes) at out, pixel stride `stride`: nPix pixels, nCh channels. */
function store4x4(out: usize, stride: usize, v: v128, nPix: i32, nCh: i32): void {
  if (nCh == 4) {
    if (nPix > 0) v128.store32_lane(out, v, 0);
    if (nPix > 1) v128.store32_lane(out + stride, v, 1);
    if (nPix > 2) v128.store32_lane(out + 2 * stride, v, 2);
    if (nPix > 3) v128.store32_lane(out + 3 * stride, v, 3);
  } else {
    v128.store(TMP, v);
    for (let j = 0; j < nPix; j++) {
      for (let c = 0; c < nCh; c++) store<u8>(out + <usize>j * stride + c, load<u8>(TMP + (<usize>j << 2) + c));
    }
  }
}

/** One channel's requant + clamp, scalar. */
@inline function requantScalar(p: usize, rq: usize, c: i32, acc: i32): i8 {
  return <i8>clampOut(requant(acc, rqQ(rq, c), rqP2l(rq, c), rqRight(rq, c)), hdr(p, 17), hdr(p, 18), hdr(p, 19));
}

@inline function zipLo(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23); }
@inline function zipHi(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31); }

/**
 * Dense only: the i16 pair vectors of pixels q0..q0+15 for every (pos, pair), 64 bytes each, built once
 * per block and shared by all output channels.
 */
function buildPairs(p: usize, planes: usize, q0: i32, abuf: usize): void {
  const n = hdr(p, 10) * hdr(p, 11) * hdr(p, 23), offs = p + hdr(p, 27), base = planes + <usize>q0;
  for (let i = 0; i < n; i++, abuf += 64) {
    const va = v128.load(base + load<i32>(offs + (<usize>i << 3))), vb = v128.load(base + load<i32>(offs + (<usize>i << 3), 4));
    const l = zipLo(va, vb), h = zipHi(va, vb);
    v128.store(abuf, i16x8.extend_low_i8x16_s(l)); v128.store(abuf, i16x8.extend_high_i8x16_s(l), 16);
    v128.store(abuf, i16x8.extend_low_i8x16_s(h), 32); v128.store(abuf, i16x8.extend_high_i8x16_s(h), 48);
  }
}

/**
 * The max over pool positions of channel c's accumulators for pixels q0..q0+15 (4 x i32x4), requantized
 * to 16 int8. Dense: pairs [0, pairs) of the shared vectors in abuf. Sparse: the channel's own pairs,
 * interleaved from the planes here.
 */
@inline function channel16(p: usize, planes: usize, abuf: usize, q0: i32, c: i32, sparse: bool): v128 {
  const npos = hdr(p, 10) * hdr(p, 11), wts = p + hdr(p, 26), offs = p + hdr(p, 27);
  let i0 = 0, i1 = hdr(p, 23), wc = wts + <usize>(c * i1) * 4;
  if (sparse) {
    const start = p + hdr(p, 28) + (<usize>c << 2);
    i0 = load<i32>(start); i1 = load<i32>(start, 4); wc = wts;
  }
  const base = planes + <usize>q0, lo = i32x4.splat(i32.MIN_VALUE);
  let m0 = lo, m1 = lo, m2 = lo, m3 = lo;
  for (let pos = 0; pos < npos; pos++) {
    let a0 = v128.load32_splat(p + hdr(p, 24) + (<usize>c << 2)), a1 = a0, a2 = a0, a3 = a0;
    for (let i = i0; i < i1; i++) {
      const w = v128.load32_splat(wc + (<usize>i << 2));
      let x0: v128, x1: v128, x2: v128, x3: v128;
      if (sparse) {
        const op = offs + <usize>(i * npos + pos) * 8;
        const va = v128.load(base + load<i32>(op)), vb = v128.load(base + load<i32>(op, 4));
        const l = zipLo(va, vb), h = zipHi(va, vb);
        x0 = i16x8.extend_low_i8x16_s(l); x1 = i16x8.extend_high_i8x16_s(l);
        x2 = i16x8.extend_low_i8x16_s(h); x3 = i16x8.extend_high_i8x16_s(h);
      } else {
        const ap = abuf + <usize>(pos * i1 + i) * 64;
        x0 = v128.load(ap); x1 = v128.load(ap, 16); x2 = v128.load(ap, 32); x3 = v128.load(ap, 48);
      }
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x0, w)); a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x1, w));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(x2, w)); a3 = i32x4.add(a3, i32x4.dot_i16x8_s(x3, w));
    }
    m0 = i32x4.max_s(m0, a0); m1 = i32x4.max_s(m1, a1); m2 = i32x4.max_s(m2, a2); m3 = i32x4.max_s(m3, a3);
  }
  const g = p + hdr(p, 25) + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2);
  return requantChannel(p, m0, m1, m2, m3, g);
}

function requantChannel(p: usize, m0: v128, m1: v128, m2: v128, m3: v128, g: usize): v128 {
  return requant16(m0, m1, m2, m3, g, i16x8.splat(<i16>hdr(p, 17)), i8x16.splat(<i8>hdr(p, 18)), i8x16.splat(<i8>hdr(p, 19)));
}

function channelDense(p: usize, planes: usize, abuf: usize, q0: i32, c: i32): v128 {
  return channel16(p, planes, abuf, q0, c, false);
}
function channelSparse(p: usize, planes: usize, abuf: usize, q0: i32, c: i32): v128 {
  return channel16(p, planes, abuf, q0, c, true);
}
@inline function channel(p: usize, planes: usize, abuf: usize, q0: i32, c: i32, sparse: bool): v128 {
  return sparse ? channelSparse(p, planes, abuf, q0, c) : channelDense(p, planes, abuf, q0, c);
}

/** One image: planes -> out (NHWC, pooled), 16 pixels x 4 channels at a time. */
function convImage(p: usize, planes: usize, abuf: usize, out: usize, sparse: bool): void {
  const cout = hdr(p, 3), npos = hdr(p, 10) * hdr(p, 11), pq = hdr(p, 14) * hdr(p, 15);
  const wts = p + hdr(p, 26), offs = p + hdr(p, 27), start = p + hdr(p, 28), dense = hdr(p, 23);
  if (ASC_FEATURE_SIMD) {
    for (let q0 = 0; q0 < pq; q0 += 16) {
      const nPix = min(16, pq - q0);
      if (!sparse) buildPairs(p, planes, q0, abuf);
      for (let cb = 0; cb < cout; cb += 4) {
        const nCh = min(4, cout - cb);
        const g0 = channel(p, planes, abuf, q0, cb, sparse);
        const g1 = nCh > 1 ? channel(p, planes, abuf, q0, cb + 1, sparse) : g0;
        const g2 = nCh > 2 ? channel(p, planes, abuf, q0, cb + 2, sparse) : g0;
        const g3 = nCh > 3 ? channel(p, planes, abuf, q0, cb + 3, sparse) : g0;
        // 4 channels x 16 pixels -> 16 pixels x 4 channels
        const l01 = zipLo(g0, g1), h01 = zipHi(g0, g1), l23 = zipLo(g2, g3), h23 = zipHi(g2, g3);
        const o = out + <usize>(q0 * cout + cb), s = <usize>cout;
        store4x4(o, s, i8x16.shuffle(l01, l23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), nPix, nCh);
        if (nPix > 4) store4x4(o + 4 * s, s, i8x16.shuffle(l01, l23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), nPix - 4, nCh);
        if (nPix > 8) store4x4(o + 8 * s, s, i8x16.shuffle(h01, h23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), nPix - 8, nCh);
        if (nPix > 12) store4x4(o + 12 * s, s, i8x16.shuffle(h01, h23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), nPix - 12, nCh);
      }
    }
  } else {
    const bias = p + hdr(p, 24), rq = p + hdr(p, 25);
    for (let q = 0; q < pq; q++) {
      for (let c = 0; c < cout; c++) {
        let i0 = 0, i1 = dense, wc = wts + <usize>(c * dense) * 4;
        if (sparse) { i0 = load<i32>(start + (<usize>c << 2)); i1 = load<i32>(start + (<usize>c << 2), 4); wc = wts; }
        let m = i32.MIN_VALUE;
        for (let pos = 0; pos < npos; pos++) {
          let acc = load<i32>(bias + (<usize>c << 2));
          for (let i = i0; i < i1; i++) {
            const op = offs + <usize>select<i32>(i * npos + pos, pos * dense + i, sparse) * 8, wab = load<i32>(wc + (<usize>i << 2));
            acc += <i32>load<i8>(planes + <usize>(load<i32>(op) + q)) * ((wab << 16) >> 16)
              + <i32>load<i8>(planes + <usize>(load<i32>(op, 4) + q)) * (wab >> 16);
          }
          m = max(m, acc);
        }
        store<i8>(out + <usize>(q * cout + c), requantScalar(p, rq, c, m));
      }
    }
  }
}

@inline function run(p: usize, x: usize, y: usize, n: i32, scratch: usize, sparse: bool): void {
  const img = hdr(p, 0) * hdr(p, 1) * hdr(p, 2), outImg = hdr(p, 14) * hdr(p, 15) * hdr(p, 3);
  const xEnd = x + <usize>(n * img);
  const abuf = scratch + <usize>(hdr(p, 20) * hdr(p, 21) * hdr(p, 2) * hdr(p, 22));
  for (let b = 0; b < n; b++) {
    buildPlanes(p, x + <usize>(b * img), xEnd, scratch);
    convImage(p, scratch, abuf, y + <usize>(b * outImg), sparse);
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
