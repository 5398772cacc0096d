// qs8_requantize: int32 accumulators [m][n] -> int8 [m][n] with per-channel multipliers (TFLite's
// MultiplyByQuantizedMultiplier + zOut, clamped). The requant stage of every qs8 kernel, exported alone.
// Params block (src/runtime/packing/qs8.ts packRequantize): i32 n, zOut, actMin, actMax, then at +16 the
// requant groups of assembly/lib/requant.ts. Reference: src/runtime/reference/qs8_requantize.ts.
import { RQ_GROUP, clampOut, packBytes, requant, requant4, rqP2l, rqQ, rqRight, storeFew } from '../lib/requant';

/**
 * Requantizes one row of n accumulators (n channels) from acc to out, 4 channels a step. With `padded`
 * the row's storage (accumulators and requant groups) covers n rounded up to 4 and all of it is read.
 */
export function requantRow(acc: usize, out: usize, n: i32, rq: usize, zOut: i32, lo: i32, hi: i32, padded: bool): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const z = i16x8.splat(<i16>zOut), vlo = i8x16.splat(<i8>lo), vhi = i8x16.splat(<i8>hi);
    const end = select<i32>(n, n & ~3, padded);
    for (; c < end; c += 4) {
      const r = requant4(v128.load(acc + (<usize>c << 2)), rq + <usize>(c >> 2) * RQ_GROUP);
      const v = packBytes(r, r, r, r, z, vlo, vhi);
      if (c + 4 <= n) v128.store32_lane(out + c, v, 0);
      else storeFew(out + c, v, n - c);
    }
    // padded: done (the int8 build's one caller, qs8_gemm, pads: its build has no scalar tail)
    if (padded) return;
  }
  for (; c < n; c++) {
    const r = requant(load<i32>(acc + (<usize>c << 2)), rqQ(rq, c), rqP2l(rq, c), rqRight(rq, c));
    store<i8>(out + c, <i8>clampOut(r, zOut, lo, hi));
  }
}

export function qs8_requantize(params: usize, acc: usize, out: usize, m: i32): void {
  const n = load<i32>(params), zOut = load<i32>(params, 4), lo = load<i32>(params, 8), hi = load<i32>(params, 12);
  for (let r = 0; r < m; r++) {
    requantRow(acc + <usize>(r * n) * 4, out + <usize>(r * n), n, params + 16, zOut, lo, hi, false);
  }
}
