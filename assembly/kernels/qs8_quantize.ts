// qs8_quantize: f32 -> int8, q = clamp(round(x / s) + z, -128, 127), TFLite's QUANTIZE (float32
// division, ties away from zero; NaN quantizes like 0). qs8_dequantize: int8 -> f32, x = s * (q - z).
// The model's edges. Reference: src/runtime/reference/qs8_quantize.ts; test: test/runtime kernel table.

@inline function quantize1(x: f32, s: f32, z: i32): i8 {
  let v = x / s;
  if (v != v) v = 0;
  const t = trunc(v);
  const r = abs(v - t) >= 0.5 ? t + copysign<f32>(1, v) : t;
  return <i8><i32>min(max(r + <f32>z, -128), 127);
}

export function qs8_quantize(x: usize, y: usize, n: i32, s: f32, z: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s), vz = f32x4.splat(<f32>z), sign = i32x4.splat(0x80000000);
    const one = f32x4.splat(1), half = f32x4.splat(0.5), lo = f32x4.splat(-128), hi = f32x4.splat(127);
    for (; i + 4 <= n; i += 4) {
      let v = f32x4.div(v128.load(x + (<usize>i << 2)), vs);
      v = v128.and(v, f32x4.eq(v, v)); // NaN -> 0
      const t = f32x4.trunc(v);
      const away = v128.and(f32x4.ge(f32x4.abs(f32x4.sub(v, t)), half), v128.or(v128.and(v, sign), one));
      const r = f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.add(t, away), vz), lo), hi);
      const q = i32x4.trunc_sat_f32x4_s(r);
      const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q, q), q);
      v128.store32_lane(y + i, b, 0);
    }
  }
  for (; i < n; i++) store<i8>(y + i, quantize1(load<f32>(x + (<usize>i << 2)), s, z));
}

export function qs8_dequantize(x: usize, y: usize, n: i32, s: f32, z: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s), vz = i32x4.splat(z);
    for (; i + 16 <= n; i += 16) {
      const b = v128.load(x + i), lo = i16x8.extend_low_i8x16_s(b), hi = i16x8.extend_high_i8x16_s(b);
      const p = y + (<usize>i << 2);
      v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(i32x4.extend_low_i16x8_s(lo), vz)), vs));
      v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(i32x4.extend_high_i16x8_s(lo), vz)), vs), 16);
      v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(i32x4.extend_low_i16x8_s(hi), vz)), vs), 32);
      v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(i32x4.extend_high_i16x8_s(hi), vz)), vs), 48);
    }
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), s * <f32>(<i32>load<i8>(x + i) - z));
}
