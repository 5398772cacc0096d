// Fake quantization's elementwise core on a nudged range, and the batch min/max of the range trackers.
// Reference twins: fakeQuantForward / fakeQuantBackward / minMaxOf (src/engine/ops/fake_quant_grid.ts).
// Bit-exact: every step is one IEEE float32 operation, in the reference's order.

export function fake_quant_forward(x: usize, y: usize, n: i32, min: f32, max: f32, scale: f32): void {
  if (scale == 0) {
    memory.fill(y, 0, <usize>n << 2);
    return;
  }
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lo = f32x4.splat(min), hi = f32x4.splat(max), s = f32x4.splat(scale), half = f32x4.splat(0.5);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      let v = v128.load(x + off);
      v = v128.bitselect(hi, v, f32x4.gt(v, hi)); // NaN compares false: it stays NaN, as in the reference
      v = v128.bitselect(lo, v, f32x4.lt(v, lo));
      const k = f32x4.floor(f32x4.add(f32x4.div(f32x4.sub(v, lo), s), half));
      v128.store(y + off, f32x4.add(f32x4.mul(k, s), lo));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    let v = load<f32>(x + off);
    v = v > max ? max : v < min ? min : v;
    const k = Mathf.floor((v - min) / scale + 0.5);
    store<f32>(y + off, k * scale + min);
  }
}

export function fake_quant_backward(dy: usize, x: usize, dx: usize, n: i32, min: f32, max: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lo = f32x4.splat(min), hi = f32x4.splat(max);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const v = v128.load(x + off);
      v128.store(dx + off, v128.and(v128.load(dy + off), v128.and(f32x4.ge(v, lo), f32x4.le(v, hi))));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const v = load<f32>(x + off);
    store<f32>(dx + off, v >= min && v <= max ? load<f32>(dy + off) : 0);
  }
}

/** Writes min then max of x[0..n) (NaNs skipped; Infinity, -Infinity when there is no number; a zero as +0) to out. */
export function min_max(x: usize, n: i32, out: usize): void {
  let min = Infinity as f32, max = -Infinity as f32;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // pmin(a, b) = b < a ? b : a: a NaN in b leaves a alone, so NaNs are skipped lane by lane
    let lo = f32x4.splat(Infinity), hi = f32x4.splat(-Infinity);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      lo = f32x4.pmin(lo, v);
      hi = f32x4.pmax(hi, v);
    }
    for (let l = 0; l < 4; l++) {
      const a = f32x4.extract_lane(lo, 0), b = f32x4.extract_lane(hi, 0);
      if (a < min) min = a;
      if (b > max) max = b;
      lo = v128.shuffle<f32>(lo, lo, 1, 2, 3, 0);
      hi = v128.shuffle<f32>(hi, hi, 1, 2, 3, 0);
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v < min) min = v;
    if (v > max) max = v;
  }
  store<f32>(out, min == 0 ? 0 : min); // +0 for either zero, as the reference
  store<f32>(out, max == 0 ? 0 : max, 4);
}
