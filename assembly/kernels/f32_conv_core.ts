// The f32 NHWC convolution engine behind f32_conv2d_nhwc, f32_conv2d_relu_maxpool2d and f32_dense
// (a dense layer is a 1x1 conv over a 1 x M image). A tile is 2 output pixels x one channel block;
// per tap it splats 2 input values and multiplies them into the block's weight vectors.
// Packed weights (src/runtime/packing/f32.ts packConv2d / packDense):
//   [bias: Cp f32][block 0: kh x (kw*cin) x W0 f32][block 1 ...]   W = blockWidth(channels left)
// Padded lanes hold zero weights and bias; they are computed and never stored.
// Reference twins: src/runtime/reference/f32_conv2d_nhwc.ts, f32_dense.ts. Tests: test/runtime/kernels.test.ts.
import { loadLanes, madd, relu, storeLanes } from '../lib/simd';

/** What a tile does with its two accumulated pixels. */
export const STORE: i32 = 0;
export const STORE_RELU: i32 = 1;
/** 2x2 pooling in two tile calls: the top pair stores its max, the bottom pair maxes into it + ReLU. */
export const POOL_TOP: i32 = 2;
export const POOL_BOTTOM: i32 = 3;

/** Output channels per block: 12, or 4 when 8 or fewer are left (the packer uses the same rule). */
@inline export function blockWidth(left: i32): i32 {
  return left > 8 ? 12 : 4;
}

/** Channel count with every block padded (length of the packed bias). */
export function paddedChannels(cout: i32): i32 {
  let cp = 0;
  while (cp < cout) cp += blockWidth(cout - cp);
  return cp;
}

@inline function emit(y: usize, dy: usize, p0: v128, p1: v128, n: i32, mode: i32): void {
  if (mode < POOL_TOP) {
    if (mode == STORE_RELU) { p0 = relu(p0); p1 = relu(p1); }
    storeLanes(y, p0, n);
    storeLanes(y + dy, p1, n);
  } else {
    let m = f32x4.pmax(p0, p1);
    if (mode == POOL_BOTTOM) m = relu(f32x4.pmax(m, loadLanes(y, n)));
    storeLanes(y, m, n);
  }
}

// A row of `count` tiles: tile i is pixel 0 at x + i*xStep and pixel 1 at + dx (taps: kh rows of rowLen
// contiguous floats, xRow bytes apart), stored at y + i*yStep and + dy. With `odd` the last tile is one
// pixel (run as a pair with itself). `n` = valid lanes of the block's last vector.
function row4(y: usize, yStep: usize, dy: usize, x: usize, xStep: usize, dx: usize, xRow: usize, kh: i32, rowLen: i32, w: usize, b: usize, n: i32, mode: i32, count: i32, odd: bool): void {
  for (let i = 0; i < count; i++) {
    if (odd && i == count - 1) { dx = 0; dy = 0; }
    let a0 = v128.load(b);
    let b0 = a0;
    let wp = w;
    for (let r = 0; r < kh; r++) {
      let p = x + <usize>r * xRow;
      for (const e = p + (<usize>rowLen << 2); p < e; p += 4) {
        const u = v128.load32_splat(p), v = v128.load32_splat(p + dx);
        const w0 = v128.load(wp);
        a0 = madd(a0, u, w0); b0 = madd(b0, v, w0);
        wp += 16;
      }
    }
    emit(y, dy, a0, b0, n, mode);
    x += xStep; y += yStep;
  }
}

function row12(y: usize, yStep: usize, dy: usize, x: usize, xStep: usize, dx: usize, xRow: usize, kh: i32, rowLen: i32, w: usize, b: usize, n: i32, mode: i32, count: i32, odd: bool): void {
  for (let i = 0; i < count; i++) {
    if (odd && i == count - 1) { dx = 0; dy = 0; }
    let a0 = v128.load(b), a1 = v128.load(b, 16), a2 = v128.load(b, 32);
    let b0 = a0, b1 = a1, b2 = a2;
    let wp = w;
    for (let r = 0; r < kh; r++) {
      let p = x + <usize>r * xRow;
      for (const e = p + (<usize>rowLen << 2); p < e; p += 4) {
        const u = v128.load32_splat(p), v = v128.load32_splat(p + dx);
        const w0 = v128.load(wp), w1 = v128.load(wp, 16), w2 = v128.load(wp, 32);
        a0 = madd(a0, u, w0); a1 = madd(a1, u, w1); a2 = madd(a2, u, w2);
        b0 = madd(b0, v, w0); b1 = madd(b1, v, w1); b2 = madd(b2, v, w2);
        wp += 48;
      }
    }
    emit(y, dy, a0, b0, 4, mode);
    emit(y + 16, dy, a1, b1, 4, mode);
    emit(y + 32, dy, a2, b2, n, mode);
    x += xStep; y += yStep;
  }
}

@inline function emitScalar(y: usize, dy: usize, p0: f32, p1: f32, mode: i32): void {
  if (mode < POOL_TOP) {
    if (mode == STORE_RELU) { p0 = max(p0, 0); p1 = max(p1, 0); }
    store<f32>(y, p0);
    store<f32>(y + dy, p1);
  } else {
    let m = max(p0, p1);
    if (mode == POOL_BOTTOM) m = max(max(m, load<f32>(y)), 0);
    store<f32>(y, m);
  }
}

/** The scalar build's row: 4 channels x 2 pixels at a time (8 independent sums). */
function rowScalar(y: usize, yStep: usize, dy: usize, x: usize, xStep: usize, dx: usize, xRow: usize, kh: i32, rowLen: i32, w: usize, b: usize, width: i32, valid: i32, mode: i32, count: i32, odd: bool): void {
  const wStep = <usize>width << 2;
  for (let i = 0; i < count; i++) {
    if (odd && i == count - 1) { dx = 0; dy = 0; }
    for (let c = 0; c < valid; c += 4) {
      const bc = b + (<usize>c << 2);
      let a0 = load<f32>(bc), a1 = load<f32>(bc, 4), a2 = load<f32>(bc, 8), a3 = load<f32>(bc, 12);
      let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
      let wp = w + (<usize>c << 2);
      for (let r = 0; r < kh; r++) {
        let p = x + <usize>r * xRow;
        for (const e = p + (<usize>rowLen << 2); p < e; p += 4) {
          const u = load<f32>(p), v = load<f32>(p + dx);
          const w0 = load<f32>(wp), w1 = load<f32>(wp, 4), w2 = load<f32>(wp, 8), w3 = load<f32>(wp, 12);
          a0 += u * w0; a1 += u * w1; a2 += u * w2; a3 += u * w3;
          b0 += v * w0; b1 += v * w1; b2 += v * w2; b3 += v * w3;
          wp += wStep;
        }
      }
      const yc = y + (<usize>c << 2);
      emitScalar(yc, dy, a0, b0, mode);
      if (c + 1 < valid) emitScalar(yc + 4, dy, a1, b1, mode);
      if (c + 2 < valid) emitScalar(yc + 8, dy, a2, b2, mode);
      if (c + 3 < valid) emitScalar(yc + 12, dy, a3, b3, mode);
    }
    x += xStep; y += yStep;
  }
}

/** Copies one NHWC image into a zeroed [hp][wp][cin] buffer at row padTop, column padLeft. */
function padImage(dst: usize, src: usize, h: i32, wd: i32, cin: i32, hp: i32, wp: i32, pt: i32, pl: i32): void {
  const pix = <usize>cin << 2;
  memory.fill(dst, 0, <usize>(hp * wp) * pix);
  const cols = min(wd, wp - pl);
  const rows = min(h, hp - pt);
  if (cols <= 0) return;
  for (let iy = 0; iy < rows; iy++) {
    memory.copy(dst + <usize>((iy + pt) * wp + pl) * pix, src + <usize>(iy * wd) * pix, <usize>cols * pix);
  }
}

/** Bytes of scratch convNhwc needs for padding (0 when the input already covers every tap). */
export function padScratchBytes(h: i32, wd: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, oh: i32, ow: i32): usize {
  const hp = (oh - 1) * sh + kh, wp = (ow - 1) * sw + kw;
  if (pt == 0 && pl == 0 && hp <= h && wp <= wd) return 0;
  return <usize>(hp * wp * cin) << 2;
}

/**
 * y[n][oh][ow][cout] = x (*) w + bias, or with pool=true y[n][oh/2][ow/2][cout] = maxpool2x2(relu(conv)).
 * Output pixel (oy, ox) reads input rows oy*sh - pt .. + kh, columns ox*sw - pl .. + kw (zeros outside).
 */
export function convNhwc(
  x: usize, w: usize, y: usize, scratch: usize,
  n: i32, h: i32, wd: i32, cin: i32, cout: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  pt: i32, pl: i32, oh: i32, ow: i32, reluOut: bool, pool: bool,
): void {
  const pad = padScratchBytes(h, wd, cin, kh, kw, sh, sw, pt, pl, oh, ow) > 0;
  const hp = (oh - 1) * sh + kh, wp = (ow - 1) * sw + kw;
  const inW = pad ? wp : wd;
  const xPix = <usize>cin << 2;
  const xRow = <usize>inW * xPix;
  const dx = <usize>sw * xPix;
  const rowLen = kw * cin;
  const yPix = <usize>cout << 2;
  const outH = pool ? oh >> 1 : oh, outW = pool ? ow >> 1 : ow;
  const tapBytes = <usize>(kh * rowLen) << 2;
  const weights = w + (<usize>paddedChannels(cout) << 2);
  const mode = pool ? POOL_TOP : reluOut ? STORE_RELU : STORE;
  // Plain: tiles are pixel pairs (ox, ox + 1). Pooled: tile px is conv pixels (2px, 2px + 1) of the top
  // conv row, then a second pass takes the bottom row (POOL_TOP stores the pair's max, POOL_BOTTOM maxes into it).
  const passes = pool ? 2 : 1, tiles = pool ? outW : (outW + 1) >> 1;
  const yStep = pool ? yPix : 2 * yPix, dy = pool ? <usize>0 : yPix, odd = !pool && (outW & 1) != 0;
  for (let i = 0; i < n; i++) {
    let img = x + <usize>(i * h * wd) * xPix;
    if (pad) { padImage(scratch, img, h, wd, cin, hp, wp, pt, pl); img = scratch; }
    const out = y + <usize>(i * outH * outW) * yPix;
    for (let oy = 0; oy < outH; oy++) {
      const yRow = out + <usize>(oy * outW) * yPix;
      const xr = img + <usize>((pool ? 2 * oy : oy) * sh) * xRow;
      let wb = weights;
      for (let c = 0; c < cout;) {
        const width = blockWidth(cout - c), valid = min(width, cout - c);
        const b = w + (<usize>c << 2), yc = yRow + (<usize>c << 2);
        for (let k = 0; k < passes; k++) {
          const xk = xr + <usize>(k * sh) * xRow, m = pool ? POOL_TOP + k : mode;
          if (!ASC_FEATURE_SIMD) rowScalar(yc, yStep, dy, xk, 2 * dx, dx, xRow, kh, rowLen, wb, b, width, valid, m, tiles, odd);
          else if (width == 12) row12(yc, yStep, dy, xk, 2 * dx, dx, xRow, kh, rowLen, wb, b, valid - 8, m, tiles, odd);
          else row4(yc, yStep, dy, xk, 2 * dx, dx, xRow, kh, rowLen, wb, b, valid, m, tiles, odd);
        }
        wb += tapBytes * <usize>width;
        c += width;
      }
    }
  }
}
