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
//   dense: 4 pixels x 4 channels per step; offsets [pos][pair] (plane byte offsets of the pair's taps),
//          weights [cout/4][pair][4] as i16 pairs;
//   sparse: 16 pixels x 1 channel per step over that channel's nonzero pairs only; offsets
//          [pair][pos], weights [pair], pair ranges start[cout+1].
// Packed header, i32 (packConv2d / packSpconv2d, src/runtime/packing/qs8.ts):
//   0 h  1 w  2 cin  3 cout  4 kh  5 kw  6 sh  7 sw  8 padT  9 padL  10 poolH  11 poolW  12 poolSH
//   13 poolSW  14 ph  15 pw  16 zIn  17 zOut  18 actMin  19 actMax  20 dy  21 dx  22 pqp (plane bytes)
//   23 pairs (dense)  24 offBias  25 offRq  26 offW  27 offOff  28 offStart (sparse)
// Scratch: dy*dx*cin*pqp bytes. References: src/runtime/reference/qs8_conv2d_nhwc.ts.
import { RQ_GROUP, clampOut, packBytes, requant, requantSplat, rqP2l, rqQ, rqRight } from '../lib/requant';

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
          if (y < 0 || y >= h) { memory.fill(row, <u8>zIn, pw); continue; }
          const src = img + <usize>(y * w * cin + ci);
          let px = 0;
          if (cin == 1 && x0 >= 0 && (pw - 1) * psx + x0 < w) {
            if (psx == 1) { memory.copy(row, src + x0, pw); continue; }
            if (ASC_FEATURE_SIMD && psx == 2) {
              // 8 outputs from 16 bytes; up to 7 bytes land past the row and are rewritten (pqp has slack).
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
@inline function store4x4(out: usize, stride: usize, v: v128, nPix: i32, nCh: i32): void {
  if (nCh == 4) {
    if (nPix > 0) v128.store32_lane(out, v, 0);
    if (nPix > 1) v128.store32_lane(out + stride, v, 1);
    if (nPix > 2) v128.store32_lane(out + 2 * stride, v, 2);
    if (nPix > 3) v128.store32_lane(out + 3 * stride, v, 3);
  } else {
    v128.store(TMP, v);
    for (let j = 0; j < nPix; j++) memory.copy(out + <usize>j * stride, TMP + (<usize>j << 2), nCh);
  }
}

/** One channel's requant + clamp of 4 accumulators, scalar. */
@inline function requantScalar(p: usize, rq: usize, c: i32, acc: i32): i8 {
  return <i8>clampOut(requant(acc, rqQ(rq, c), rqP2l(rq, c), rqRight(rq, c)), hdr(p, 17), hdr(p, 18), hdr(p, 19));
}

function convDense(p: usize, planes: usize, out: usize): void {
  const cout = hdr(p, 3), npos = hdr(p, 10) * hdr(p, 11), pq = hdr(p, 14) * hdr(p, 15), pairs = hdr(p, 23);
  const bias = p + hdr(p, 24), rq = p + hdr(p, 25), wts = p + hdr(p, 26), offs = p + hdr(p, 27);
  for (let q0 = 0; q0 < pq; q0 += 4) {
    const nPix = min(4, pq - q0);
    for (let cb = 0; cb < cout; cb += 4) {
      const wb = wts + <usize>(cb * pairs) * 4;
      if (ASC_FEATURE_SIMD) {
        const lo = i32x4.splat(i32.MIN_VALUE);
        let m0 = lo, m1 = lo, m2 = lo, m3 = lo;
        const base = planes + <usize>q0;
        for (let pos = 0, op = offs; pos < npos; pos++) {
          let a0 = v128.load32_splat(bias + (<usize>cb << 2)), a1 = v128.load32_splat(bias + (<usize>cb << 2), 4);
          let a2 = v128.load32_splat(bias + (<usize>cb << 2), 8), a3 = v128.load32_splat(bias + (<usize>cb << 2), 12);
          for (let i = 0, wp = wb; i < pairs; i++, op += 8, wp += 16) {
            const va = v128.load32_zero(base + load<i32>(op)), vb = v128.load32_zero(base + load<i32>(op, 4));
            const v = i16x8.extend_low_i8x16_s(i8x16.shuffle(va, vb, 0, 16, 1, 17, 2, 18, 3, 19, 0, 0, 0, 0, 0, 0, 0, 0));
            a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v, v128.load32_splat(wp)));
            a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v, v128.load32_splat(wp, 4)));
            a2 = i32x4.add(a2, i32x4.dot_i16x8_s(v, v128.load32_splat(wp, 8)));
            a3 = i32x4.add(a3, i32x4.dot_i16x8_s(v, v128.load32_splat(wp, 12)));
          }
          m0 = i32x4.max_s(m0, a0); m1 = i32x4.max_s(m1, a1); m2 = i32x4.max_s(m2, a2); m3 = i32x4.max_s(m3, a3);
        }
        const g = rq + <usize>(cb >> 2) * RQ_GROUP;
        m0 = requantSplat(m0, v128.load32_splat(g), v128.load32_splat(g, 16), load<i32>(g, 80), v128.load32_splat(g, 32), v128.load32_splat(g, 48));
        m1 = requantSplat(m1, v128.load32_splat(g, 4), v128.load32_splat(g, 20), load<i32>(g, 84), v128.load32_splat(g, 36), v128.load32_splat(g, 52));
        m2 = requantSplat(m2, v128.load32_splat(g, 8), v128.load32_splat(g, 24), load<i32>(g, 88), v128.load32_splat(g, 40), v128.load32_splat(g, 56));
        m3 = requantSplat(m3, v128.load32_splat(g, 12), v128.load32_splat(g, 28), load<i32>(g, 92), v128.load32_splat(g, 44), v128.load32_splat(g, 60));
        const b = packBytes(m0, m1, m2, m3, i16x8.splat(<i16>hdr(p, 17)), i8x16.splat(<i8>hdr(p, 18)), i8x16.splat(<i8>hdr(p, 19)));
        const t = i8x16.shuffle(b, b, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        store4x4(out + <usize>(q0 * cout + cb), <usize>cout, t, nPix, min(4, cout - cb));
      } else {
        for (let j = 0; j < nPix; j++) {
          for (let c = cb; c < min(cb + 4, cout); c++) {
            let m = i32.MIN_VALUE;
            for (let pos = 0, op = offs; pos < npos; pos++) {
              let acc = load<i32>(bias + (<usize>c << 2));
              for (let i = 0; i < pairs; i++, op += 8) {
                const wab = load<i32>(wb + <usize>(i * 16 + (c - cb) * 4));
                acc += <i32>load<i8>(planes + <usize>(load<i32>(op) + q0 + j)) * ((wab << 16) >> 16)
                  + <i32>load<i8>(planes + <usize>(load<i32>(op, 4) + q0 + j)) * (wab >> 16);
              }
              m = max(m, acc);
            }
            store<i8>(out + <usize>((q0 + j) * cout + c), requantScalar(p, rq, c, m));
          }
        }
      }
    }
  }
}

function convSparse(p: usize, planes: usize, out: usize): void {
  const cout = hdr(p, 3), npos = hdr(p, 10) * hdr(p, 11), pq = hdr(p, 14) * hdr(p, 15);
  const bias = p + hdr(p, 24), rq = p + hdr(p, 25), wts = p + hdr(p, 26), offs = p + hdr(p, 27), start = p + hdr(p, 28);
  const step: i32 = ASC_FEATURE_SIMD ? 16 : 1;
  for (let q0 = 0; q0 < pq; q0 += step) {
    const nPix = min(16, pq - q0);
    for (let cb = 0; cb < cout; cb += 4) {
      if (ASC_FEATURE_SIMD) {
        const z = i16x8.splat(<i16>hdr(p, 17)), vlo = i8x16.splat(<i8>hdr(p, 18)), vhi = i8x16.splat(<i8>hdr(p, 19));
        let g0 = i8x16.splat(0), g1 = g0, g2 = g0, g3 = g0;
        for (let c = cb; c < min(cb + 4, cout); c++) {
          const lo = i32x4.splat(i32.MIN_VALUE);
          let m0 = lo, m1 = lo, m2 = lo, m3 = lo;
          const i0 = load<i32>(start + (<usize>c << 2)), i1 = load<i32>(start + (<usize>c << 2), 4);
          const base = planes + <usize>q0;
          for (let pos = 0; pos < npos; pos++) {
            let a0 = v128.load32_splat(bias + (<usize>c << 2)), a1 = a0, a2 = a0, a3 = a0;
            for (let i = i0; i < i1; i++) {
              const op = offs + <usize>(i * npos + pos) * 8;
              const va = v128.load(base + load<i32>(op)), vb = v128.load(base + load<i32>(op, 4));
              const w = v128.load32_splat(wts + (<usize>i << 2));
              const l = i8x16.shuffle(va, vb, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
              const h = i8x16.shuffle(va, vb, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
              a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(l), w));
              a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(l), w));
              a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(h), w));
              a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(h), w));
            }
            m0 = i32x4.max_s(m0, a0); m1 = i32x4.max_s(m1, a1); m2 = i32x4.max_s(m2, a2); m3 = i32x4.max_s(m3, a3);
          }
          const q = v128.load32_splat(rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2));
          const g = rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2);
          const p2l = v128.load32_splat(g, 16), right = load<i32>(g, 80), mask = v128.load32_splat(g, 32), half = v128.load32_splat(g, 48);
          const b = packBytes(
            requantSplat(m0, q, p2l, right, mask, half), requantSplat(m1, q, p2l, right, mask, half),
            requantSplat(m2, q, p2l, right, mask, half), requantSplat(m3, q, p2l, right, mask, half), z, vlo, vhi);
          const k = c - cb;
          if (k == 0) g0 = b; else if (k == 1) g1 = b; else if (k == 2) g2 = b; else g3 = b;
        }
        // 4 channels x 16 pixels -> 16 pixels x 4 channels
        const l01 = i8x16.shuffle(g0, g1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const h01 = i8x16.shuffle(g0, g1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const l23 = i8x16.shuffle(g2, g3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const h23 = i8x16.shuffle(g2, g3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const o = out + <usize>(q0 * cout + cb), s = <usize>cout, nCh = min(4, cout - cb);
        store4x4(o, s, i8x16.shuffle(l01, l23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), nPix, nCh);
        if (nPix > 4) store4x4(o + 4 * s, s, i8x16.shuffle(l01, l23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), nPix - 4, nCh);
        if (nPix > 8) store4x4(o + 8 * s, s, i8x16.shuffle(h01, h23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), nPix - 8, nCh);
        if (nPix > 12) store4x4(o + 12 * s, s, i8x16.shuffle(h01, h23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), nPix - 12, nCh);
      } else {
        for (let c = cb; c < min(cb + 4, cout); c++) {
          let m = i32.MIN_VALUE;
          const i0 = load<i32>(start + (<usize>c << 2)), i1 = load<i32>(start + (<usize>c << 2), 4);
          for (let pos = 0; pos < npos; pos++) {
            let acc = load<i32>(bias + (<usize>c << 2));
            for (let i = i0; i < i1; i++) {
              const op = offs + <usize>(i * npos + pos) * 8, wab = load<i32>(wts + (<usize>i << 2));
              acc += <i32>load<i8>(planes + <usize>(load<i32>(op) + q0)) * ((wab << 16) >> 16)
                + <i32>load<i8>(planes + <usize>(load<i32>(op, 4) + q0)) * (wab >> 16);
            }
            m = max(m, acc);
          }
          store<i8>(out + <usize>(q0 * cout + c), requantScalar(p, rq, c, m));
        }
      }
    }
  }
}

@inline function run(p: usize, x: usize, y: usize, n: i32, scratch: usize, sparse: bool): void {
  const img = hdr(p, 0) * hdr(p, 1) * hdr(p, 2), outImg = hdr(p, 14) * hdr(p, 15) * hdr(p, 3);
  const xEnd = x + <usize>(n * img);
  for (let b = 0; b < n; b++) {
    buildPlanes(p, x + <usize>(b * img), xEnd, scratch);
    if (sparse) convSparse(p, scratch, y + <usize>(b * outImg));
    else convDense(p, scratch, y + <usize>(b * outImg));
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
