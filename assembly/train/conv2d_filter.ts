// conv2d filter and bias gradients, NHWC, 'valid' geometry (the host pads 'same' inputs first):
//   dw[ky, kx, ci, co] += sum over pixels p of x[tap(p, ky, kx), ci] * dy[p, co];  db[co] += sum dy[p, co]
// The rows r = (ky, kx, ci) of w go 3 at a time; pixels are summed image by image so dy stays in cache.
// Reference twins: conv2dBackward (src/engine/ops/conv2d.ts), denseBackward (dense = 1x1 conv).
// Tests: test/engine/wasm_backend.test.ts. Tiles: SIMD 3 rows x 12 channels, scalar 3 rows x 4 channels.
import { madd, addChunk } from './simd';
import { BATCH, IN_H, IN_W, IN_C, OUT_H, OUT_W, OUT_C, K_H, K_W, STRIDE_H, STRIDE_W } from './params';

/** dw += sum over pixels of x (x) dy; db += sum over pixels of dy. Image by image, so dy stays in cache. */
export function conv2d_backward_filter(x: usize, dy: usize, dw: usize, db: usize, pp: usize): void {
  const batch = load<i32>(pp, BATCH), inH = load<i32>(pp, IN_H), inW = load<i32>(pp, IN_W), inC = load<i32>(pp, IN_C);
  const outH = load<i32>(pp, OUT_H), outW = load<i32>(pp, OUT_W), outC = load<i32>(pp, OUT_C);
  const kh = load<i32>(pp, K_H), kw = load<i32>(pp, K_W), sh = load<i32>(pp, STRIDE_H), sw = load<i32>(pp, STRIDE_W);
  const rowLen = kw * inC;
  const rows = kh * rowLen;
  const xRow = <usize>(inW * inC) << 2;
  const xStep = <usize>(sw * inC) << 2;
  const dyPix = <usize>outC << 2;
  const xImage = <usize>inH * xRow;
  const dyImage = <usize>(outH * outW) * dyPix;
  for (let n = 0; n < batch; n++) {
    const xn = x + <usize>n * xImage;
    const dyn = dy + <usize>n * dyImage;
    biasGrad(dyn, db, outH * outW, outC);
    for (let r0 = 0; r0 < rows; r0 += 3) {
      const nr = min(rows - r0, 3);
      // byte offset of w row r's input tap from a pixel's top-left input (extra rows repeat the last)
      const o0 = tapOffset(r0, rowLen, xRow);
      const o1 = tapOffset(min(r0 + 1, rows - 1), rowLen, xRow);
      const o2 = tapOffset(min(r0 + 2, rows - 1), rowLen, xRow);
      const dwRow = dw + <usize>r0 * dyPix;
      if (ASC_FEATURE_SIMD) {
        for (let c0 = 0; c0 < outC; c0 += 12) {
          const lanes = min(outC - c0, 12);
          const off = <usize>c0 << 2;
          if (nr == 3) filterRows(3, xn, dyn + off, dwRow + off, o0, o1, o2, lanes, outH, outW, sh, xRow, xStep, dyPix);
          else if (nr == 2) filterRows(2, xn, dyn + off, dwRow + off, o0, o1, o2, lanes, outH, outW, sh, xRow, xStep, dyPix);
          else filterRows(1, xn, dyn + off, dwRow + off, o0, o1, o2, lanes, outH, outW, sh, xRow, xStep, dyPix);
        }
      } else {
        let co = 0;
        for (; co + 4 <= outC; co += 4) {
          const off = <usize>co << 2;
          if (nr == 3) filterScalar(3, 4, xn, dyn + off, dwRow + off, o0, o1, o2, outH, outW, sh, xRow, xStep, dyPix);
          else if (nr == 2) filterScalar(2, 4, xn, dyn + off, dwRow + off, o0, o1, o2, outH, outW, sh, xRow, xStep, dyPix);
          else filterScalar(1, 4, xn, dyn + off, dwRow + off, o0, o1, o2, outH, outW, sh, xRow, xStep, dyPix);
        }
        for (; co < outC; co++) {
          const off = <usize>co << 2;
          if (nr == 3) filterScalar(3, 1, xn, dyn + off, dwRow + off, o0, o1, o2, outH, outW, sh, xRow, xStep, dyPix);
          else if (nr == 2) filterScalar(2, 1, xn, dyn + off, dwRow + off, o0, o1, o2, outH, outW, sh, xRow, xStep, dyPix);
          else filterScalar(1, 1, xn, dyn + off, dwRow + off, o0, o1, o2, outH, outW, sh, xRow, xStep, dyPix);
        }
      }
    }
  }
}

/** Scalar build: R rows of w (1..3) x C output channels (1 or 4), over the pixels of one image. */
@inline function filterScalar(R: i32, C: i32, x: usize, dy: usize, dwp: usize, o0: usize, o1: usize, o2: usize, outH: i32, outW: i32, sh: i32, xRow: usize, xStep: usize, dyPix: usize): void {
  let a00: f32 = 0, a01: f32 = 0, a02: f32 = 0, a03: f32 = 0;
  let a10: f32 = 0, a11: f32 = 0, a12: f32 = 0, a13: f32 = 0;
  let a20: f32 = 0, a21: f32 = 0, a22: f32 = 0, a23: f32 = 0;
  let dp = dy;
  for (let oy = 0; oy < outH; oy++) {
    let xp = x + <usize>(oy * sh) * xRow;
    for (let ox = 0; ox < outW; ox++) {
      const d0 = load<f32>(dp);
      const d1 = C > 1 ? load<f32>(dp, 4) : d0;
      const d2 = C > 1 ? load<f32>(dp, 8) : d0;
      const d3 = C > 1 ? load<f32>(dp, 12) : d0;
      let xv = load<f32>(xp + o0);
      a00 += xv * d0;
      if (C > 1) { a01 += xv * d1; a02 += xv * d2; a03 += xv * d3; }
      if (R > 1) {
        xv = load<f32>(xp + o1);
        a10 += xv * d0;
        if (C > 1) { a11 += xv * d1; a12 += xv * d2; a13 += xv * d3; }
      }
      if (R > 2) {
        xv = load<f32>(xp + o2);
        a20 += xv * d0;
        if (C > 1) { a21 += xv * d1; a22 += xv * d2; a23 += xv * d3; }
      }
      xp += xStep;
      dp += dyPix;
    }
  }
  addScalars(C, dwp, a00, a01, a02, a03);
  if (R > 1) addScalars(C, dwp + dyPix, a10, a11, a12, a13);
  if (R > 2) addScalars(C, dwp + 2 * dyPix, a20, a21, a22, a23);
}

@inline function addScalars(C: i32, p: usize, a0: f32, a1: f32, a2: f32, a3: f32): void {
  store<f32>(p, load<f32>(p) + a0);
  if (C > 1) {
    store<f32>(p, load<f32>(p, 4) + a1, 4);
    store<f32>(p, load<f32>(p, 8) + a2, 8);
    store<f32>(p, load<f32>(p, 12) + a3, 12);
  }
}

@inline function tapOffset(r: i32, rowLen: i32, xRow: usize): usize {
  const ky = r / rowLen;
  return <usize>ky * xRow + (<usize>(r - ky * rowLen) << 2);
}

@inline function filterRows(R: i32, x: usize, dy: usize, dwp: usize, o0: usize, o1: usize, o2: usize, lanes: i32, outH: i32, outW: i32, sh: i32, xRow: usize, xStep: usize, dyPix: usize): void {
  if (lanes > 8) filterTile(R, 3, x, dy, dwp, o0, o1, o2, lanes, outH, outW, sh, xRow, xStep, dyPix);
  else if (lanes > 4) filterTile(R, 2, x, dy, dwp, o0, o1, o2, lanes, outH, outW, sh, xRow, xStep, dyPix);
  else filterTile(R, 1, x, dy, dwp, o0, o1, o2, lanes, outH, outW, sh, xRow, xStep, dyPix);
}

/** R rows of w (1..3) x V vectors (1..3) of output channels, summed over the pixels of one image. */
@inline function filterTile(R: i32, V: i32, x: usize, dy: usize, dwp: usize, o0: usize, o1: usize, o2: usize, lanes: i32, outH: i32, outW: i32, sh: i32, xRow: usize, xStep: usize, dyPix: usize): void {
  const z = f32x4.splat(0);
  let a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z, a20 = z, a21 = z, a22 = z;
  let dp = dy;
  for (let oy = 0; oy < outH; oy++) {
    let xp = x + <usize>(oy * sh) * xRow;
    for (let ox = 0; ox < outW; ox++) {
      const d0 = v128.load(dp);
      const d1 = V > 1 ? v128.load(dp, 16) : d0;
      const d2 = V > 2 ? v128.load(dp, 32) : d0;
      let xv = v128.load32_splat(xp + o0);
      a00 = madd(xv, d0, a00);
      if (V > 1) a01 = madd(xv, d1, a01);
      if (V > 2) a02 = madd(xv, d2, a02);
      if (R > 1) {
        xv = v128.load32_splat(xp + o1);
        a10 = madd(xv, d0, a10);
        if (V > 1) a11 = madd(xv, d1, a11);
        if (V > 2) a12 = madd(xv, d2, a12);
      }
      if (R > 2) {
        xv = v128.load32_splat(xp + o2);
        a20 = madd(xv, d0, a20);
        if (V > 1) a21 = madd(xv, d1, a21);
        if (V > 2) a22 = madd(xv, d2, a22);
      }
      xp += xStep;
      dp += dyPix;
    }
  }
  addChunk(V, dwp, a00, a01, a02, lanes);
  if (R > 1) addChunk(V, dwp + dyPix, a10, a11, a12, lanes);
  if (R > 2) addChunk(V, dwp + 2 * dyPix, a20, a21, a22, lanes);
}

/** db[c] += sum over the p pixels of dy[p, c]. */
function biasGrad(dy: usize, db: usize, pixels: i32, outC: i32): void {
  const dyPix = <usize>outC << 2;
  if (ASC_FEATURE_SIMD) {
    for (let c0 = 0; c0 < outC; c0 += 12) {
      const lanes = min(outC - c0, 12);
      const off = <usize>c0 << 2;
      if (lanes > 8) biasTile(3, dy + off, db + off, pixels, lanes, dyPix);
      else if (lanes > 4) biasTile(2, dy + off, db + off, pixels, lanes, dyPix);
      else biasTile(1, dy + off, db + off, pixels, lanes, dyPix);
    }
  } else {
    for (let c = 0; c < outC; c++) {
      let s: f32 = 0;
      let dp = dy + (<usize>c << 2);
      for (let p = 0; p < pixels; p++) {
        s += load<f32>(dp);
        dp += dyPix;
      }
      const at = db + (<usize>c << 2);
      store<f32>(at, load<f32>(at) + s);
    }
  }
}

@inline function biasTile(V: i32, dy: usize, db: usize, pixels: i32, lanes: i32, dyPix: usize): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z;
  let dp = dy;
  for (let p = 0; p < pixels; p++) {
    a0 = f32x4.add(a0, v128.load(dp));
    if (V > 1) a1 = f32x4.add(a1, v128.load(dp, 16));
    if (V > 2) a2 = f32x4.add(a2, v128.load(dp, 32));
    dp += dyPix;
  }
  addChunk(V, db, a0, a1, a2, lanes);
}
