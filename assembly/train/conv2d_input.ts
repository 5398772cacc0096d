// conv2d input gradient of strided convs, NHWC, 'valid' geometry (the host pads 'same' inputs and
// crops the result):  dx[tap(p, ky, kx), ci] += sum over co of dy[p, co] * w[ky, kx, ci, co]
// scattered from each output pixel, from w transposed per tap to wT [kh*kw, outC, inC] (transpose_taps)
// so input channels are contiguous. Stride-1 convs skip this kernel: their dx is a forward conv of dy,
// zero-padded by k-1, with the kernel rotated 180 degrees and transposed (see src/engine/wasm_backend.ts).
// Reference twin: conv2dBackward (src/engine/ops/conv2d.ts). Tests: test/engine/wasm_backend.test.ts.
// SIMD tile: 1 tap x 12 input channels.
import { madd, addChunk } from './simd';
import { BATCH, IN_H, IN_W, IN_C, OUT_H, OUT_W, OUT_C, K_H, K_W, STRIDE_H, STRIDE_W } from './params';

/** dx = conv-transpose(dy, w), from wT = w transposed per tap to [kh*kw, outC, inC]. */
export function conv2d_backward_input(wT: usize, dy: usize, dx: usize, pp: usize): void {
  const batch = load<i32>(pp, BATCH), inH = load<i32>(pp, IN_H), inW = load<i32>(pp, IN_W), inC = load<i32>(pp, IN_C);
  const outH = load<i32>(pp, OUT_H), outW = load<i32>(pp, OUT_W), outC = load<i32>(pp, OUT_C);
  const kh = load<i32>(pp, K_H), kw = load<i32>(pp, K_W), sh = load<i32>(pp, STRIDE_H), sw = load<i32>(pp, STRIDE_W);
  memory.fill(dx, 0, <usize>(batch * inH * inW * inC) << 2);
  const inCb = <usize>inC << 2;
  const tapBytes = <usize>(outC * inC) << 2;
  let dp = dy;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          let dxp = dx + (<usize>(((n * inH + oy * sh + ky) * inW + ox * sw) * inC) << 2);
          let wt = wT + <usize>(ky * kw) * tapBytes;
          for (let kx = 0; kx < kw; kx++) {
            if (ASC_FEATURE_SIMD) {
              for (let c0 = 0; c0 < inC; c0 += 12) {
                const lanes = min(inC - c0, 12);
                const off = <usize>c0 << 2;
                if (lanes > 8) inputTile(3, wt + off, dp, dxp + off, outC, inCb, lanes);
                else if (lanes > 4) inputTile(2, wt + off, dp, dxp + off, outC, inCb, lanes);
                else inputTile(1, wt + off, dp, dxp + off, outC, inCb, lanes);
              }
            } else {
              for (let ci = 0; ci < inC; ci++) {
                let s: f32 = 0;
                let wr = wt + (<usize>ci << 2);
                for (let co = 0; co < outC; co++) {
                  s += load<f32>(dp + (<usize>co << 2)) * load<f32>(wr);
                  wr += inCb;
                }
                const at = dxp + (<usize>ci << 2);
                store<f32>(at, load<f32>(at) + s);
              }
            }
            dxp += inCb;
            wt += tapBytes;
          }
        }
        dp += <usize>outC << 2;
      }
    }
  }
}

/** V vectors (1..3) of input channels at one tap: dx += sum over co of dy[co] * wT[co, :]. */
@inline function inputTile(V: i32, wt: usize, dp: usize, dxp: usize, outC: i32, inCb: usize, lanes: i32): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z;
  let wr = wt;
  for (let co = 0; co < outC; co++) {
    const d = v128.load32_splat(dp + (<usize>co << 2));
    a0 = madd(d, v128.load(wr), a0);
    if (V > 1) a1 = madd(d, v128.load(wr, 16), a1);
    if (V > 2) a2 = madd(d, v128.load(wr, 32), a2);
    wr += inCb;
  }
  addChunk(V, dxp, a0, a1, a2, lanes);
}

/**
 * dst[t', c, r] = src[t, r, c] (w [kh*kw, inC, outC] -> wT [kh*kw, outC, inC]), with t' = t, or with
 * t' = taps-1-t when `flip`: reversing the flat tap index rotates the kernel by 180 degrees.
 */
export function transpose_taps(src: usize, dst: usize, taps: i32, rows: i32, cols: i32, flip: bool): void {
  const rowBytes = <usize>cols << 2;
  const colBytes = <usize>rows << 2;
  for (let t = 0; t < taps; t++) {
    const s = src + <usize>(t * rows) * rowBytes;
    const d = dst + <usize>((flip ? taps - 1 - t : t) * rows) * rowBytes;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        store<f32>(d + <usize>c * colBytes + (<usize>r << 2), load<f32>(s + <usize>r * rowBytes + (<usize>c << 2)));
      }
    }
  }
}
