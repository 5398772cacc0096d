// Integer requantization for the qs8 kernels, bit for bit src/quant/requant.ts (TFLite's default
// double rounding): r = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc * 2^left, q), right),
// out = clamp(r + zOut, actMin, actMax). Multipliers come from QuantizeMultiplier, so q is in [0, 2^31)
// and the INT32_MIN * INT32_MIN saturation never arises.
//
// Per-channel params, one 128-byte group per 4 channels (written by src/runtime/packing/qs8.ts):
//   +0 q[4]   +16 2^left[4]   +32 mask[4] = 2^right - 1   +48 proven[4] (-1 or 0)   +64 f32 2^-right[4]
//   +80 right[4]   +96 f32 M[4]   +112 f32 C[4]
//
// Fast path (SIMD): r = round-to-nearest-even(f32(f32(f32(acc) * M) + C)), by adding 1.5 * 2^23. That
// float32 map is monotone in acc, and so is the exact requant; the packer proves them equal after the
// clamp over every reachable acc (|acc| <= a bound from the weights) by checking both sides of each of
// the exact map's steps (src/runtime/packing/qs8.ts provenAffine), and marks the channel proven. Other
// channels (a step the float map misses, left shifts, unbounded acc) take the exact integer path.
// Only call the v128 helpers under `if (ASC_FEATURE_SIMD)`.

export const RQ_GROUP: usize = 128;

// As v128.const, Binaryen folds constants into every use and V8 rebuilds each per use; loaded from
// memory (as splats) they stay in registers. [2^30 as i64] [f32 1.5 * 2^23]
const RK = memory.data<u32>([0x40000000, 0, 0x4b400000], 16);

/** The params of channel c: q, 2^left, right. */
@inline export function rqQ(rq: usize, c: i32): i32 {
  return load<i32>(rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2));
}
@inline export function rqP2l(rq: usize, c: i32): i32 {
  return load<i32>(rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2), 16);
}
@inline export function rqRight(rq: usize, c: i32): i32 {
  return load<i32>(rq + <usize>(c >> 2) * RQ_GROUP + (<usize>(c & 3) << 2), 80);
}

/** MultiplyByQuantizedMultiplier(acc, q, shift) for q >= 0; p2l = 2^max(shift, 0), right = max(-shift, 0). */
@inline export function requant(acc: i32, q: i32, p2l: i32, right: i32): i32 {
  // SRDHM = floor((x*q + 2^30) / 2^31): the C++ nudge + truncation, for both signs.
  const s = <i32>((<i64>(acc * p2l) * <i64>q + 0x40000000) >> 31);
  const mask = (1 << right) - 1;
  return (s >> right) + i32((s & mask) > (mask >> 1) + (s >>> 31)); // ties away from zero
}

/** clamp(r + zOut, lo, hi) for any int32 r (r is clamped first so the sum cannot wrap). */
@inline export function clampOut(r: i32, zOut: i32, lo: i32, hi: i32): i32 {
  const v = max(min(r, 512), -512) + zOut;
  return min(max(v, lo), hi);
}

/** floor((x*q + 2^30) / 2^31) per lane: the 64-bit products' bits 31..62 are the result. */
@inline function srdhm(x: v128, q: v128): v128 {
  const half = v128.load64_splat(RK);
  const lo = i64x2.shr_u(i64x2.add(i64x2.extmul_low_i32x4_s(x, q), half), 31);
  const hi = i64x2.shr_u(i64x2.add(i64x2.extmul_high_i32x4_s(x, q), half), 31);
  return i8x16.shuffle(lo, hi, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
}

/** requant() of 4 lanes, each lane its own channel (params group at p). */
@inline function requantLanes(acc: v128, p: usize): v128 {
  const s = srdhm(i32x4.mul(acc, v128.load(p, 16)), v128.load(p));
  const mask = v128.load(p, 32);
  // round up when remainder > (mask >> 1) + (s < 0), i.e. remainder + (s >> 31) > mask >> 1
  const up = i32x4.gt_s(i32x4.add(v128.and(s, mask), i32x4.shr_s(s, 31)), i32x4.shr_u(mask, 1));
  // A per-lane right shift, which wasm lacks: (s & ~mask) is an exact multiple of 2^right, so its f32
  // image times 2^-right is floor(s / 2^right) exactly whenever that is below 2^24; larger values are
  // off by a rounding but saturate to the same int8 (and 2^31 never wraps: right >= 1 there).
  const floor = i32x4.trunc_sat_f32x4_s(f32x4.mul(f32x4.convert_i32x4_s(v128.andnot(s, mask)), v128.load(p, 64)));
  return i32x4.sub(floor, up);
}

/** requant() of 4 lanes of one channel (params at g, its slot in a group). */
@inline function requantSplat(acc: v128, g: usize): v128 {
  const s = srdhm(i32x4.mul(acc, v128.load32_splat(g, 16)), v128.load32_splat(g));
  const mask = v128.load32_splat(g, 32);
  const up = i32x4.gt_s(i32x4.add(v128.and(s, mask), i32x4.shr_s(s, 31)), i32x4.shr_u(mask, 1));
  return i32x4.sub(i32x4.shr_s(s, load<i32>(g, 80)), up);
}

/** The proven float32 map (M, C splats or per-lane): round(f32(acc) * M + C), from the bits of t = v + 1.5 * 2^23. */
@inline function fastR(acc: v128, m: v128, c: v128, magic: v128): v128 {
  return fastT(acc, m, c, magic, magic);
}

/**
 * 16 accumulators of one channel (4 x i32x4 at acc; params at g = its slot in a requant group) to 16
 * int8 at dst, with zOut and the clamp [lo, hi]. One function for every kernel, to keep the module small.
 */
export function requant16(acc: usize, g: usize, zOut: i32, lo: i32, hi: i32, dst: usize): void {
  const a0 = v128.load(acc), a1 = v128.load(acc, 16), a2 = v128.load(acc, 32), a3 = v128.load(acc, 48);
  const vlo = i8x16.splat(<i8>lo), vhi = i8x16.splat(<i8>hi);
  if (load<i32>(g, 48)) {
    const magic = rqMagic(), m = v128.load32_splat(g, 96), c = v128.load32_splat(g, 112);
    v128.store(dst, fastPack(a0, a1, a2, a3, m, c, magic, i32x4.sub(magic, i32x4.splat(zOut)), vlo, vhi));
  } else {
    // NOTE: inline four times, not looped over the 4 vectors through memory: the loop was 220 B smaller
    // but 2-7% slower on qat-lite.tpy, whose conv has many channels on this exact path
    v128.store(dst, packBytes(requantSplat(a0, g), requantSplat(a1, g), requantSplat(a2, g), requantSplat(a3, g), i16x8.splat(<i16>zOut), vlo, vhi));
  }
}

/**
 * A proven channel's 16 accumulators (a..d, in registers) to 16 int8: the float32 map (m, c: its M and C
 * splats), zOut folded into the rounding constant's subtraction (mz = rqMagic() - zOut per i32 lane: r + zOut
 * cannot wrap, |r| < 2^21, and saturating it once to int16 then int8 clamps as packBytes does), clamped to
 * [lo, hi] (i8 splats). The splats are a caller's to hoist.
 */
@inline export function fastPack(a: v128, b: v128, c: v128, d: v128, m: v128, k: v128, magic: v128, mz: v128, lo: v128, hi: v128): v128 {
  const ab = i16x8.narrow_i32x4_s(fastT(a, m, k, magic, mz), fastT(b, m, k, magic, mz));
  const cd = i16x8.narrow_i32x4_s(fastT(c, m, k, magic, mz), fastT(d, m, k, magic, mz));
  return i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(ab, cd), lo), hi);
}

/** fastR, less zOut on the way out: the bits of t less mz = magic - zOut (zOut per lane). */
@inline function fastT(acc: v128, m: v128, c: v128, magic: v128, mz: v128): v128 {
  return i32x4.sub(f32x4.add(f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), m), c), magic), mz);
}

/** The fast path's rounding constant, 1.5 * 2^23 per lane. */
@inline export function rqMagic(): v128 {
  return v128.load32_splat(RK, 8);
}

/** requant() of 4 lanes, each its own channel (params group at p): the fast path when all 4 are proven. */
@inline export function requant4(acc: v128, p: usize): v128 {
  if (i32x4.all_true(v128.load(p, 48))) return fastR(acc, v128.load(p, 96), v128.load(p, 112), rqMagic());
  return requantLanes(acc, p);
}

/** Four requantized i32x4 to 16 int8: + zOut (i16 splat) with saturation, clamped to [lo, hi] (i8 splats). */
@inline export function packBytes(a: v128, b: v128, c: v128, d: v128, z: v128, lo: v128, hi: v128): v128 {
  const ab = i16x8.add_sat_s(i16x8.narrow_i32x4_s(a, b), z);
  const cd = i16x8.add_sat_s(i16x8.narrow_i32x4_s(c, d), z);
  return i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(ab, cd), lo), hi);
}

/** Stores the first n (0..16) bytes of v at p, never past them. */
@inline export function storeBytes(p: usize, v: v128, n: i32): void {
  if (n >= 16) v128.store(p, v);
  else storePart(p, v, n);
}

/** Stores the first n (0..3) bytes of v at p (requantRow's last channels). */
@inline export function storeFew(p: usize, v: v128, n: i32): void {
  let x = i32x4.extract_lane(v, 0);
  if (n & 2) { store<i16>(p, x); x >>>= 16; p += 2; }
  if (n & 1) store<i8>(p, x);
}

/**
 * storeBytes of n < 16 bytes, the bytes past the first 8 through an i64 lane and shifts (about 45 B
 * smaller than byte shuffles). NOTE: inline at each caller: one out-of-line copy (an asc transform's
 * no-inline) was 200 B smaller but cost qs8_conv2d_nhwc and qs8_spconv2d_nhwc 3-5% (the call in
 * qs8_conv2d_nhwc's block, even where it never runs).
 */
@inline function storePart(p: usize, v: v128, n: i32): void {
  let x = i64x2.extract_lane(v, 0);
  if (n & 8) { store<i64>(p, x); x = i64x2.extract_lane(v, 1); p += 8; }
  if (n & 4) { store<i32>(p, <i32>x); x >>>= 32; p += 4; }
  if (n & 2) { store<i16>(p, <i16>x); x >>>= 16; p += 2; }
  if (n & 1) store<i8>(p, <i8>x);
}

/**
 * The exact requant of one accumulator, clamped: clamp(MultiplyByQuantizedMultiplier(acc, q, shift) + zOut,
 * lo, hi), bit for bit src/runtime/reference/qs8_requantize.ts requantize(). Exported for the packers
 * (src/runtime/packing/qs8.ts), so the runtime's bundle needs no TS copy of the integer requant.
 */
export function qs8_requant_one(acc: i32, q: i32, shift: i32, zOut: i32, lo: i32, hi: i32): i32 {
  return clampOut(requant(acc, q, 1 << max(shift, 0), max(-shift, 0)), zOut, lo, hi);
}
