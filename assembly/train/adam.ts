// Keras Adam over the flat ParamStore arrays. Reference twin: adamUpdate (src/engine/adam.ts).
// The reference computes in f64 (JS numbers) and rounds each stored value to f32; so does this kernel
// (f64x2 lanes in the SIMD build), which makes the two bit-identical:
//   m' = m + (g - m)(1 - b1); v' = v + (g^2 - v)(1 - b2); w' = w - alpha m' / (sqrt(v') + eps)
// with m', v' used unrounded in the w update, exactly as `mi = (m[i] += ...)` is in JS.

export function adam_update(w: usize, g: usize, m: usize, v: usize, n: i32, alpha: f64, beta1: f64, beta2: f64, eps: f64): void {
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vc1 = f64x2.splat(c1), vc2 = f64x2.splat(c2), va = f64x2.splat(alpha), ve = f64x2.splat(eps);
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 2;
      const gi = f64x2.promote_low_f32x4(v128.load64_zero(g + off));
      const m0 = f64x2.promote_low_f32x4(v128.load64_zero(m + off));
      const v0 = f64x2.promote_low_f32x4(v128.load64_zero(v + off));
      const w0 = f64x2.promote_low_f32x4(v128.load64_zero(w + off));
      const mi = f64x2.add(m0, f64x2.mul(f64x2.sub(gi, m0), vc1));
      const vi = f64x2.add(v0, f64x2.mul(f64x2.sub(f64x2.mul(gi, gi), v0), vc2));
      const wi = f64x2.sub(w0, f64x2.div(f64x2.mul(va, mi), f64x2.add(f64x2.sqrt(vi), ve)));
      v128.store64_lane(m + off, f32x4.demote_f64x2_zero(mi), 0);
      v128.store64_lane(v + off, f32x4.demote_f64x2_zero(vi), 0);
      v128.store64_lane(w + off, f32x4.demote_f64x2_zero(wi), 0);
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const gi = <f64>load<f32>(g + off);
    const m0 = <f64>load<f32>(m + off);
    const v0 = <f64>load<f32>(v + off);
    const mi = m0 + (gi - m0) * c1;
    const vi = v0 + (gi * gi - v0) * c2;
    store<f32>(m + off, <f32>mi);
    store<f32>(v + off, <f32>vi);
    store<f32>(w + off, <f32>(<f64>load<f32>(w + off) - (alpha * mi) / (Math.sqrt(vi) + eps)));
  }
}
