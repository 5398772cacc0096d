// conv2d forward, NHWC, 'valid' geometry (the host pads 'same' inputs into scratch first), any stride
// and channel counts. Dense runs through it as a 1x1 conv over a 1 x batch image, and so does dense's
// input gradient (dy through w transposed, no bias).
//   x [batch, inH, inW, inC]   w [kh, kw, inC, outC]   b [outC]   y [batch, outH, outW, outC]
// Reference twins: conv2dForward (src/engine/ops/conv2d.ts), denseForward (ops/dense.ts).
// Tests: test/engine/wasm_backend.test.ts. Tiles keep their accumulators in registers:
//   SIMD    4 output pixels x 12 channels (12 f32x4); w rows r = (kx, ci) are contiguous in x and w per ky
//   scalar  1 output pixel  x 4 channels
import { madd, storeChunk } from './simd';
import { BATCH, IN_H, IN_W, IN_C, OUT_H, OUT_W, OUT_C, K_H, K_W, STRIDE_H, STRIDE_W } from './params';

/** y = b + conv(x, w); b = 0 means no bias (the host never hands out offset 0). */
export function conv2d_forward(x: usize, w: usize, b: usize, y: usize, pp: usize): void {
  const batch = load<i32>(pp, BATCH), inH = load<i32>(pp, IN_H), inW = load<i32>(pp, IN_W), inC = load<i32>(pp, IN_C);
  const outH = load<i32>(pp, OUT_H), outW = load<i32>(pp, OUT_W), outC = load<i32>(pp, OUT_C);
  const kh = load<i32>(pp, K_H), kw = load<i32>(pp, K_W), sh = load<i32>(pp, STRIDE_H), sw = load<i32>(pp, STRIDE_W);
  const rowLen = kw * inC; // one kernel row: (kx, ci) pairs, contiguous in x and in w
  const xRow = <usize>(inW * inC) << 2;
  const xStep = <usize>(sw * inC) << 2;
  const wKy = <usize>(rowLen * outC) << 2;
  const wR = <usize>outC << 2;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const xLine = x + (<usize>((n * inH + oy * sh) * inW * inC) << 2);
      const yLine = y + (<usize>((n * outH + oy) * outW * outC) << 2);
      if (ASC_FEATURE_SIMD) {
        let ox = 0;
        for (; ox + 4 <= outW; ox += 4) forwardPixels(4, xLine + <usize>ox * xStep, yLine + <usize>ox * wR, w, b, outC, kh, rowLen, xRow, xStep, wKy, wR);
        for (; ox < outW; ox++) forwardPixels(1, xLine + <usize>ox * xStep, yLine + <usize>ox * wR, w, b, outC, kh, rowLen, xRow, xStep, wKy, wR);
      } else {
        for (let ox = 0; ox < outW; ox++) {
          const xp = xLine + <usize>ox * xStep;
          const yp = yLine + <usize>ox * wR;
          let co = 0;
          for (; co + 4 <= outC; co += 4) forwardScalar(4, xp, w + (<usize>co << 2), b ? b + (<usize>co << 2) : 0, yp + (<usize>co << 2), kh, rowLen, xRow, wKy, wR);
          for (; co < outC; co++) forwardScalar(1, xp, w + (<usize>co << 2), b ? b + (<usize>co << 2) : 0, yp + (<usize>co << 2), kh, rowLen, xRow, wKy, wR);
        }
      }
    }
  }
}

/** Scalar build: one pixel x C (1 or 4) output channels, the reference's summation order. */
@inline function forwardScalar(C: i32, xp: usize, w: usize, b: usize, yp: usize, kh: i32, rowLen: i32, xRow: usize, wKy: usize, wR: usize): void {
  let s0: f32 = b ? load<f32>(b) : 0;
  let s1: f32 = C > 1 && b ? load<f32>(b, 4) : 0;
  let s2: f32 = C > 1 && b ? load<f32>(b, 8) : 0;
  let s3: f32 = C > 1 && b ? load<f32>(b, 12) : 0;
  for (let ky = 0; ky < kh; ky++) {
    let xr = xp + <usize>ky * xRow;
    let wr = w + <usize>ky * wKy;
    for (let r = 0; r < rowLen; r++) {
      const xv = load<f32>(xr);
      s0 += xv * load<f32>(wr);
      if (C > 1) {
        s1 += xv * load<f32>(wr, 4);
        s2 += xv * load<f32>(wr, 8);
        s3 += xv * load<f32>(wr, 12);
      }
      xr += 4;
      wr += wR;
    }
  }
  store<f32>(yp, s0);
  if (C > 1) {
    store<f32>(yp, s1, 4);
    store<f32>(yp, s2, 8);
    store<f32>(yp, s3, 12);
  }
}

@inline function forwardPixels(P: i32, xp: usize, yp: usize, w: usize, b: usize, outC: i32, kh: i32, rowLen: i32, xRow: usize, xStep: usize, wKy: usize, wR: usize): void {
  for (let c0 = 0; c0 < outC; c0 += 12) {
    const lanes = min(outC - c0, 12);
    const off = <usize>c0 << 2;
    const bc = b ? b + off : 0;
    if (lanes > 8) forwardTile(P, 3, xp, w + off, bc, yp + off, lanes, kh, rowLen, xRow, xStep, wKy, wR);
    else if (lanes > 4) forwardTile(P, 2, xp, w + off, bc, yp + off, lanes, kh, rowLen, xRow, xStep, wKy, wR);
    else forwardTile(P, 1, xp, w + off, bc, yp + off, lanes, kh, rowLen, xRow, xStep, wKy, wR);
  }
}

/** P pixels (1 or 4) x V vectors (1..3) of output channels; P*V accumulators. */
@inline function forwardTile(P: i32, V: i32, xp: usize, w: usize, b: usize, yp: usize, lanes: i32, kh: i32, rowLen: i32, xRow: usize, xStep: usize, wKy: usize, wR: usize): void {
  const z = f32x4.splat(0);
  const b0 = b ? v128.load(b) : z;
  const b1 = V > 1 && b ? v128.load(b, 16) : z;
  const b2 = V > 2 && b ? v128.load(b, 32) : z;
  let a00 = b0, a01 = b1, a02 = b2, a10 = b0, a11 = b1, a12 = b2;
  let a20 = b0, a21 = b1, a22 = b2, a30 = b0, a31 = b1, a32 = b2;
  for (let ky = 0; ky < kh; ky++) {
    let xr = xp + <usize>ky * xRow;
    let wr = w + <usize>ky * wKy;
    for (let r = 0; r < rowLen; r++) {
      const w0 = v128.load(wr);
      const w1 = V > 1 ? v128.load(wr, 16) : w0;
      const w2 = V > 2 ? v128.load(wr, 32) : w0;
      let xv = v128.load32_splat(xr);
      a00 = madd(xv, w0, a00);
      if (V > 1) a01 = madd(xv, w1, a01);
      if (V > 2) a02 = madd(xv, w2, a02);
      if (P > 1) {
        xv = v128.load32_splat(xr + xStep);
        a10 = madd(xv, w0, a10);
        if (V > 1) a11 = madd(xv, w1, a11);
        if (V > 2) a12 = madd(xv, w2, a12);
        xv = v128.load32_splat(xr + 2 * xStep);
        a20 = madd(xv, w0, a20);
        if (V > 1) a21 = madd(xv, w1, a21);
        if (V > 2) a22 = madd(xv, w2, a22);
        xv = v128.load32_splat(xr + 3 * xStep);
        a30 = madd(xv, w0, a30);
        if (V > 1) a31 = madd(xv, w1, a31);
        if (V > 2) a32 = madd(xv, w2, a32);
      }
      xr += 4;
      wr += wR;
    }
  }
  storeChunk(V, yp, a00, a01, a02, lanes);
  if (P > 1) {
    storeChunk(V, yp + wR, a10, a11, a12, lanes);
    storeChunk(V, yp + 2 * wR, a20, a21, a22, lanes);
    storeChunk(V, yp + 3 * wR, a30, a31, a32, lanes);
  }
}
