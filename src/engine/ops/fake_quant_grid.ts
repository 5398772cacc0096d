// The elementwise core of fake quantization, on a range already nudged (src/quant/fake_quant.ts nudges
// it, TF's Nudge): snap x onto the grid min + k * scale, its straight-through gradient, and the batch
// min/max that the range trackers fold in. Every step is float32 (Math.fround), as TF computes it, so
// the WASM SIMD twins (assembly/train/fake_quant.ts) are bit-exact to these loops.
const f = Math.fround;

/** One value clamped to [min, max] and snapped to the grid min + k * scale (round half up); scale > 0. NaN stays NaN. */
export function snapToGrid(v: number, min: number, max: number, scale: number): number {
  const clamped = v > max ? max : v < min ? min : v;
  const k = Math.floor(f(f(f(clamped - min) / scale) + 0.5));
  return f(f(k * scale) + min);
}

/** y = snapToGrid(x) elementwise; scale 0 (the range [0, 0]) gives 0 everywhere. y may alias x. */
export function fakeQuantForward(x: Float32Array, y: Float32Array, n: number, min: number, max: number, scale: number): void {
  if (scale === 0) y.fill(0, 0, n);
  else for (let i = 0; i < n; i++) y[i] = snapToGrid(x[i], min, max, scale);
}

/** dx = dy where min <= x <= max, else 0 (NaN x gives 0); dx may alias dy. */
export function fakeQuantBackward(dy: Float32Array, x: Float32Array, dx: Float32Array, n: number, min: number, max: number): void {
  for (let i = 0; i < n; i++) dx[i] = x[i] >= min && x[i] <= max ? dy[i] : 0;
}

/**
 * The smallest and largest of x[0..n) with NaNs skipped; [Infinity, -Infinity] when there is no number.
 * A zero result is +0 (which of 0 and -0 comes first would otherwise decide it, and SIMD lanes see them
 * in another order).
 */
export function minMaxOf(x: ArrayLike<number>, n: number): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min: min === 0 ? 0 : min, max: max === 0 ? 0 : max };
}
