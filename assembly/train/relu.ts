// relu and its gradient. Reference twins: reluForward/reluBackward (src/engine/ops/relu.ts). Bit-exact:
// y = x > 0 ? x : 0 (NaN and -0 give +0), dx = y > 0 ? dy : 0; outputs may alias inputs.

export function relu_forward(x: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const v = v128.load(x + off);
      v128.store(y + off, v128.and(v, f32x4.gt(v, z)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const v = load<f32>(x + off);
    store<f32>(y + off, keepIf(v, v > 0));
  }
}

export function relu_backward(y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(dx + off, v128.and(v128.load(dy + off), f32x4.gt(v128.load(y + off), z)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dx + off, keepIf(load<f32>(dy + off), load<f32>(y + off) > 0));
  }
}

/** v if keep else +0, without a branch (signs are data: a branch would mispredict half the time). */
@inline export function keepIf(v: f32, keep: bool): f32 {
  return reinterpret<f32>(reinterpret<i32>(v) & -(<i32>keep));
}
