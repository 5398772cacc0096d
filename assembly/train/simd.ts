// Small SIMD helpers shared by the training kernels. Partial chunks compute garbage lanes from the
// floats that follow a row (the host keeps slack after its last buffer so such reads stay in bounds)
// and store only the `lanes` valid ones.

@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** Stores lanes 0..lanes-1 of v at p (lanes >= 4 stores all four). */
@inline export function storeLanes(p: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) v128.store(p, v);
  else if (lanes == 3) {
    v128.store64_lane(p, v, 0);
    v128.store32_lane(p, v, 2, 8);
  } else if (lanes == 2) v128.store64_lane(p, v, 0);
  else if (lanes == 1) v128.store32_lane(p, v, 0);
}

/** Stores a chunk of V vectors holding `lanes` valid floats (4(V-1) < lanes <= 4V). */
@inline export function storeChunk(V: i32, p: usize, a0: v128, a1: v128, a2: v128, lanes: i32): void {
  if (V == 1) storeLanes(p, a0, lanes);
  if (V == 2) {
    v128.store(p, a0);
    storeLanes(p + 16, a1, lanes - 4);
  }
  if (V == 3) {
    v128.store(p, a0);
    v128.store(p, a1, 16);
    storeLanes(p + 32, a2, lanes - 8);
  }
}

/** Adds a chunk of V vectors into memory at p, touching only the `lanes` valid floats. */
@inline export function addChunk(V: i32, p: usize, a0: v128, a1: v128, a2: v128, lanes: i32): void {
  const s0 = f32x4.add(v128.load(p), a0);
  const s1 = V > 1 ? f32x4.add(v128.load(p, 16), a1) : s0;
  const s2 = V > 2 ? f32x4.add(v128.load(p, 32), a2) : s0;
  storeChunk(V, p, s0, s1, s2, lanes);
}
