// qs8_quantize: f32 -> int8, q = clamp(round(x / s) + z, -128, 127), TFLite's QUANTIZE (float32
// division, ties away from zero; NaN quantizes like 0). qs8_dequantize: int8 -> f32, x = s * (q - z).
// The model's edges. Reference: src/runtime/reference/qs8_quantize.ts; test: test/runtime kernel table.
//
// SIMD quantize multiplies by r = 1/s instead of dividing, and checks that this cannot change the result:
// v = fl(x * r) is within 2^-13 of x/s once clamped to [-1024, 1024] (r and the product each round by
// 2^-24 relative; a clamped lane saturates either way), and fl(x / s) within 2^-14 more, so round(v)
// equals round(fl(x / s)) unless v is within 2^-11 of a half-integer. A block of 16 with such a lane
// (rare, e.g. exact ties) is redone with the division, as is every block when r may not be normal
// (s outside [2^-100, 2^100]) and the last n % 16 values (staged through a 16-value block).
// The near-tie bound 0.5 - 2^-11 = 0.49951171875.

/** 1.5 * 2^23: v + MAGIC rounds v (|v| < 2^22) to an integer n held in the float's low bits. */
const MAGIC: f32 = 12582912;
const MAGIC_BITS = 0x4b400000;

@inline function quantize1(x: f32, s: f32, z: i32): i8 {
  let v = x / s;
  if (v != v) v = 0;
  const t = trunc(v);
  const r = abs(v - t) >= 0.5 ? t + copysign<f32>(1, v) : t;
  return <i8><i32>min(max(r + <f32>z, -128), 127);
}

// Loop constants live in memory: as v128.const, Binaryen folds them into every use and V8 then
// rebuilds each one per use (3 instructions); loaded once (v128.load32_splat), they stay in registers.
// Likewise 1/s and z go through memory, or Binaryen sinks their computation into the loop.
// f32 1024 at 0, -1024 at 4, MAGIC at 8, 0.5 - 2^-11 at 12, the abs mask at 16, 0.5 at 20; slots for 1/s at 24, bits at 28
const K = memory.data<u32>([0x44800000, 0xc4800000, 0x4b400000, 0x3effc000, 0x7fffffff, 0x3f000000, 0, 0], 16);

/** NaN -> 0, then clamp to [-1024, 1024] (beyond, every result saturates). */
@inline function tame(v: v128, hi: v128, lo: v128): v128 {
  return f32x4.pmax(f32x4.pmin(v128.and(v, f32x4.eq(v, v)), hi), lo);
}

/** The 16 results at x by division, ties away from zero: the reference's arithmetic. */
function exact16(x: usize, y: usize, s: f32, z: i32): void {
  const magic = v128.load32_splat(K, 8), bits = i32x4.splat(MAGIC_BITS - z), half = v128.load32_splat(K, 20), abs = v128.load32_splat(K, 16);
  for (let k = 0; k < 16; k += 4) {
    const v = tame(f32x4.div(v128.load(x + (<usize>k << 2)), f32x4.splat(s)), v128.load32_splat(K), v128.load32_splat(K, 4)), t = f32x4.trunc(v);
    const away = v128.and(f32x4.ge(v128.and(f32x4.sub(v, t), abs), half), v128.or(v128.andnot(v, abs), f32x4.splat(1)));
    const q = i32x4.sub(f32x4.add(f32x4.add(t, away), magic), bits);
    v128.store32_lane(y + k, i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q, q), q), 0);
  }
}

/** The last n % 16 values, through 16-value staging blocks: [64 bytes in] [16 bytes out]. */
const STAGE = memory.data(80, 16);

export function qs8_quantize(x: usize, y: usize, n: i32, s: f32, z: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // r = 1/s is normal for s in [2^-100, 2^100]; other scales take the division throughout
    const slow = !(s >= <f32>7.888609052210118e-31 && s <= <f32>1.2676506002282294e30);
    store<f32>(K, 1 / s, 24);
    store<i32>(K, MAGIC_BITS - z, 28);
    const r = v128.load32_splat(K, 24), bits = v128.load32_splat(K, 28), hi = v128.load32_splat(K), lo = v128.load32_splat(K, 4);
    const magic = v128.load32_splat(K, 8), near = v128.load32_splat(K, 12), abs = v128.load32_splat(K, 16);
    for (; i + 16 <= n; i += 16) {
      const p = x + (<usize>i << 2);
      const v0 = tame(f32x4.mul(v128.load(p), r), hi, lo), v1 = tame(f32x4.mul(v128.load(p, 16), r), hi, lo);
      const v2 = tame(f32x4.mul(v128.load(p, 32), r), hi, lo), v3 = tame(f32x4.mul(v128.load(p, 48), r), hi, lo);
      const t0 = f32x4.add(v0, magic), t1 = f32x4.add(v1, magic), t2 = f32x4.add(v2, magic), t3 = f32x4.add(v3, magic);
      // |v - round(v)|: how close each lane is to a half-integer
      const d = f32x4.pmax(
        f32x4.pmax(v128.and(f32x4.sub(v0, f32x4.sub(t0, magic)), abs), v128.and(f32x4.sub(v1, f32x4.sub(t1, magic)), abs)),
        f32x4.pmax(v128.and(f32x4.sub(v2, f32x4.sub(t2, magic)), abs), v128.and(f32x4.sub(v3, f32x4.sub(t3, magic)), abs)));
      if (slow || v128.any_true(f32x4.gt(d, near))) {
        exact16(p, y + i, s, z);
      } else {
        v128.store(y + i, i8x16.narrow_i16x8_s(
          i16x8.narrow_i32x4_s(i32x4.sub(t0, bits), i32x4.sub(t1, bits)), i16x8.narrow_i32x4_s(i32x4.sub(t2, bits), i32x4.sub(t3, bits))));
      }
    }
    if (i < n) {
      memory.copy(STAGE, x + (<usize>i << 2), <usize>(n - i) << 2);
      exact16(STAGE, STAGE + 64, s, z);
      memory.copy(y + i, STAGE + 64, n - i);
    }
    return;
  }
  for (; i < n; i++) store<i8>(y + i, quantize1(load<f32>(x + (<usize>i << 2)), s, z));
}

export function qs8_dequantize(x: usize, y: usize, n: i32, s: f32, z: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // 4 values a step (16 a step was 84 B more; this kernel runs once per batch, on the logits)
    const vs = f32x4.splat(s), vz = i32x4.splat(z);
    for (; i + 4 <= n; i += 4) {
      const q = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(x + i)));
      v128.store(y + (<usize>i << 2), f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(q, vz)), vs));
    }
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), s * <f32>(<i32>load<i8>(x + i) - z));
}
