// f32_conv2d_relu_maxpool2d_sparse: maxpool2x2/2(relu(conv)) with pruned weights, never writing the conv.
// The four conv outputs of a pooled pixel (py, px) are four "sub-images" (conv row 2py+i, column 2px+j).
// The input goes to planes split into 2*strideH row phases and 2*strideW column phases (fillPlanes), so
// in every sub-image the pooled pixel (py, px) reads float py*wq + px + (the tap's offset): a channel's
// pooled image is one run of ph*wq outputs (pw real, wq - pw ignored per row). One nonzero weight
// feeds 4 sub-images x 8 pooled pixels with 8 loads and 8 multiply-adds; the pool is a lane-wise max.
// Same params block as f32_conv2d_nhwc (CONV_OUT_NCHW picks [n][cout][ph][pw]).
// Weights (packConv2dReluMaxpoolSparse): [bias: cout f32][count: cout i32][(off i,j = 00 01 10 11 u32, w f32)...]
// Scratch (conv2dReluMaxpoolSparseScratchBytes): planes [cin][2sh][2sw][hq][wq] + wq + 16 floats, then [cout][pitch].
// Reference twin: src/runtime/reference/f32_conv2d_relu_maxpool2d_sparse.ts.
import { madd, relu } from '../lib/simd';
import { CONV_IN_NCHW, CONV_OUT_NCHW, param } from './f32_conv_params';
import { fillPlanes } from './f32_sparse_core';
import { transpose } from './f32_transpose';

@inline function max4(a: v128, b: v128, c: v128, d: v128): v128 {
  return relu(f32x4.pmax(f32x4.pmax(a, b), f32x4.pmax(c, d)));
}

/** Pooled outputs at[0 .. 8) of one channel into out (all 8 stored; the caller's buffer has room). */
function strip(out: usize, at: usize, t: usize, end: usize, bias: f32): void {
  const b = f32x4.splat(bias);
  let a0 = b, a1 = b, b0 = b, b1 = b, c0 = b, c1 = b, d0 = b, d1 = b;
  for (; t < end; t += 20) {
    const q0 = at + <usize>load<u32>(t), q1 = at + <usize>load<u32>(t, 4);
    const q2 = at + <usize>load<u32>(t, 8), q3 = at + <usize>load<u32>(t, 12);
    const v = v128.load32_splat(t, 16);
    a0 = madd(a0, v128.load(q0), v); a1 = madd(a1, v128.load(q0, 16), v);
    b0 = madd(b0, v128.load(q1), v); b1 = madd(b1, v128.load(q1, 16), v);
    c0 = madd(c0, v128.load(q2), v); c1 = madd(c1, v128.load(q2, 16), v);
    d0 = madd(d0, v128.load(q3), v); d1 = madd(d1, v128.load(q3, 16), v);
  }
  v128.store(out, max4(a0, b0, c0, d0));
  v128.store(out, max4(a1, b1, c1, d1), 16);
}

function stripScalar(out: usize, at: usize, t0: usize, end: usize, bias: f32): void {
  let a = bias, b = bias, c = bias, d = bias;
  for (let t = t0; t < end; t += 20) {
    const v = load<f32>(t, 16);
    a += v * load<f32>(at + <usize>load<u32>(t)); b += v * load<f32>(at + <usize>load<u32>(t, 4));
    c += v * load<f32>(at + <usize>load<u32>(t, 8)); d += v * load<f32>(at + <usize>load<u32>(t, 12));
  }
  store<f32>(out, max(max(max(a, b), max(c, d)), 0));
}

export function f32_conv2d_relu_maxpool2d_sparse(p: usize, x: usize, w: usize, y: usize, scratch: usize): void {
  const n = param(p, 0), h = param(p, 1), wd = param(p, 2), cin = param(p, 3), cout = param(p, 4);
  const kh = param(p, 5), kw = param(p, 6), sh = param(p, 7), sw = param(p, 8);
  const pt = param(p, 9), pl = param(p, 10), oh = param(p, 11), ow = param(p, 12), flags = param(p, 13);
  const ph = oh >> 1, pw = ow >> 1, rq = 2 * sh, cq = 2 * sw;
  const hp = (oh - 1) * sh + kh, wp = (ow - 1) * sw + kw, hq = (hp + rq - 1) / rq, wq = (wp + cq - 1) / cq;
  const planesBytes = <usize>(cin * rq * cq * hq * wq) << 2;
  const fill = pt > 0 || pl > 0 || hp > h || wp > wd;
  const outNchw = (flags & CONV_OUT_NCHW) != 0;
  const count = ph * wq, pitch = <usize>((count + 7) & ~7) << 2;
  const tmp = scratch + ((planesBytes + (<usize>(wq + 16) << 2) + 15) & ~15);
  const imgIn = <usize>(h * wd * cin) << 2, imgOut = <usize>(ph * pw * cout) << 2;
  const counts = w + (<usize>cout << 2);
  for (let b = 0; b < n; b++) {
    if (fill) memory.fill(scratch, 0, planesBytes);
    fillPlanes(scratch, x + <usize>b * imgIn, (flags & CONV_IN_NCHW) != 0, h, wd, cin, hq, wq, rq, cq, pt, pl);
    let t = counts + (<usize>cout << 2);
    for (let c = 0; c < cout; c++) {
      const end = t + <usize>load<i32>(counts + (<usize>c << 2)) * 20;
      const bias = load<f32>(w + (<usize>c << 2)), out = tmp + <usize>c * pitch;
      for (let o = 0; o < count; o += 8) {
        const at = scratch + (<usize>o << 2);
        if (ASC_FEATURE_SIMD) strip(out + (<usize>o << 2), at, t, end, bias);
        else for (let j = 0; j < 8; j++) stripScalar(out + (<usize>(o + j) << 2), at + (<usize>j << 2), t, end, bias);
      }
      t = end;
    }
    const dst = y + <usize>b * imgOut;
    for (let py = 0; py < ph; py++) {
      const src = tmp + (<usize>(py * wq) << 2);
      if (outNchw) {
        for (let c = 0; c < cout; c++) memory.copy(dst + (<usize>((c * ph + py) * pw) << 2), src + <usize>c * pitch, <usize>pw << 2);
      } else {
        transpose(src, pitch, dst + (<usize>(py * pw * cout) << 2), <usize>cout << 2, cout, pw);
      }
    }
  }
}
