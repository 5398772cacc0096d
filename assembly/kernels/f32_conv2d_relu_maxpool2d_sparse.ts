// f32_conv2d_relu_maxpool2d_sparse: maxpool2x2/2(relu(conv)) with pruned weights, never writing the conv.
// The four conv outputs of a pooled pixel are four "sub-images" (row 2py+i, column 2px+j): with input
// columns split into 2*strideW phases (fillPlanes), each sub-image is a run of consecutive floats, so
// one nonzero weight feeds 4 sub-images x 8 pooled pixels with 8 loads and 8 multiply-adds, and the
// pool is a lane-wise max. Same params block as f32_conv2d_nhwc (CONV_OUT_NCHW picks [n][cout][ph][pw]).
// Weights (packConv2dReluMaxpoolSparse): [bias: cout f32][count: cout i32][(off j=0 u32, off j=1 u32, w f32)...]
// Scratch (conv2dReluMaxpoolSparseScratchBytes): planes [cin][2*sw][hp][wq] + SLACK, then [cout][ph][pw].
// Reference twin: src/runtime/reference/f32_conv2d_relu_maxpool2d_sparse.ts.
import { madd, relu, storeLanes } from '../lib/simd';
import { CONV_IN_NCHW, CONV_OUT_NCHW, param } from './f32_conv_params';
import { SLACK, fillPlanes } from './f32_sparse_core';
import { transpose } from './f32_transpose';

/** Pooled pixels [0, valid) (valid <= 8) of one pooled row; sub-image row i=1 is `down` bytes below. */
function strip2(out: usize, row: usize, down: usize, t: usize, end: usize, bias: f32, valid: i32): void {
  const b = f32x4.splat(bias);
  let a0 = b, a1 = b, b0 = b, b1 = b, c0 = b, c1 = b, d0 = b, d1 = b;
  for (; t < end; t += 12) {
    const q0 = row + <usize>load<u32>(t), q1 = row + <usize>load<u32>(t, 4);
    const v = v128.load32_splat(t, 8);
    a0 = madd(a0, v128.load(q0), v); a1 = madd(a1, v128.load(q0, 16), v);
    b0 = madd(b0, v128.load(q1), v); b1 = madd(b1, v128.load(q1, 16), v);
    c0 = madd(c0, v128.load(q0 + down), v); c1 = madd(c1, v128.load(q0 + down, 16), v);
    d0 = madd(d0, v128.load(q1 + down), v); d1 = madd(d1, v128.load(q1 + down, 16), v);
  }
  storeLanes(out, relu(f32x4.pmax(f32x4.pmax(a0, b0), f32x4.pmax(c0, d0))), valid);
  if (valid > 4) storeLanes(out + 16, relu(f32x4.pmax(f32x4.pmax(a1, b1), f32x4.pmax(c1, d1))), valid - 4);
}

function stripScalar(out: usize, row: usize, down: usize, t0: usize, end: usize, bias: f32, valid: i32): void {
  for (let j = 0; j < valid; j++) {
    const r = row + (<usize>j << 2);
    let a = bias, b = bias, c = bias, d = bias;
    for (let t = t0; t < end; t += 12) {
      const q0 = r + <usize>load<u32>(t), q1 = r + <usize>load<u32>(t, 4), v = load<f32>(t, 8);
      a += v * load<f32>(q0); b += v * load<f32>(q1);
      c += v * load<f32>(q0 + down); d += v * load<f32>(q1 + down);
    }
    store<f32>(out + (<usize>j << 2), max(max(max(a, b), max(c, d)), 0));
  }
}

export function f32_conv2d_relu_maxpool2d_sparse(p: usize, x: usize, w: usize, y: usize, scratch: usize): void {
  const n = param(p, 0), h = param(p, 1), wd = param(p, 2), cin = param(p, 3), cout = param(p, 4);
  const kh = param(p, 5), kw = param(p, 6), sh = param(p, 7), sw = param(p, 8);
  const pt = param(p, 9), pl = param(p, 10), oh = param(p, 11), ow = param(p, 12), flags = param(p, 13);
  const ph = oh >> 1, pw = ow >> 1, phases = 2 * sw;
  const hp = (oh - 1) * sh + kh, wp = (ow - 1) * sw + kw, wq = (wp + phases - 1) / phases;
  const planesBytes = <usize>(cin * phases * hp * wq + SLACK) << 2;
  const fill = pt > 0 || pl > 0 || hp > h || wp > wd;
  const outNchw = (flags & CONV_OUT_NCHW) != 0;
  const tmp = scratch + ((planesBytes + 15) & ~15);
  const imgIn = <usize>(h * wd * cin) << 2, imgOut = <usize>(ph * pw * cout) << 2;
  const down = <usize>(sh * wq) << 2, rowStep = <usize>(2 * sh * wq) << 2;
  const counts = w + (<usize>cout << 2);
  for (let b = 0; b < n; b++) {
    if (fill) memory.fill(scratch, 0, planesBytes);
    fillPlanes(scratch, x + <usize>b * imgIn, (flags & CONV_IN_NCHW) != 0, h, wd, cin, hp, wp, wq, phases, pt, pl);
    const out = outNchw ? y + <usize>b * imgOut : tmp;
    let t = counts + (<usize>cout << 2);
    for (let c = 0; c < cout; c++) {
      const end = t + <usize>load<i32>(counts + (<usize>c << 2)) * 12;
      const bias = load<f32>(w + (<usize>c << 2));
      for (let py = 0; py < ph; py++) {
        const row = scratch + <usize>py * rowStep;
        const dst = out + (<usize>((c * ph + py) * pw) << 2);
        if (ASC_FEATURE_SIMD) {
          for (let px = 0; px < pw; px += 8) strip2(dst + (<usize>px << 2), row + (<usize>px << 2), down, t, end, bias, min(8, pw - px));
        } else {
          stripScalar(dst, row, down, t, end, bias, pw);
        }
      }
      t = end;
    }
    if (!outNchw) transpose(tmp, <usize>(ph * pw) << 2, y + <usize>b * imgOut, <usize>cout << 2, cout, ph * pw);
  }
}
