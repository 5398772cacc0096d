// Shared @inline f32x4 helpers. Only call them under `if (ASC_FEATURE_SIMD)`: the scalar build never
// compiles those branches, so no v128 opcode reaches it.
// NOTE: ReLU and max use f32x4.pmax (one maxps). f32x4.max is NaN/±0-exact and costs 7 instructions in V8.

/** acc + a*b (base SIMD has no FMA). */
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** max(v, 0); NaN stays NaN. (Zero as v ^ v: 68 B more .wasm, where wasm-shrink.mjs makes v128.const 0 a 4-byte splat.) */
@inline export function relu(v: v128): v128 {
  return f32x4.pmax(v, f32x4.splat(0));
}

/** Stores the first `n` (1..4) lanes of `v` at `ptr`. */
@inline export function storeLanes(ptr: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(ptr, v);
  else {
    v128.store32_lane(ptr, v, 0);
    if (n > 1) v128.store32_lane(ptr, v, 1, 4);
    if (n > 2) v128.store32_lane(ptr, v, 2, 8);
  }
}

/** Loads `n` (1..4) floats from `ptr` into the first lanes (the rest are 0); never reads past them. */
@inline export function loadLanes(ptr: usize, n: i32): v128 {
  if (n >= 4) return v128.load(ptr);
  let v = v128.load32_zero(ptr);
  if (n > 1) v = v128.load32_lane(ptr, v, 1, 4);
  if (n > 2) v = v128.load32_lane(ptr, v, 2, 8);
  return v;
}
