// qs8_requantize: int32 accumulators [m][n] -> int8 [m][n] with per-channel multipliers (TFLite's
// MultiplyByQuantizedMultiplier + zOut, clamped). The requant stage of every qs8 kernel, exported alone.
// Params block (src/runtime/packing/qs8.ts packRequantize): i32 n, zOut, actMin, actMax, then at +16 the
// requant groups of assembly/lib/requant.ts. Reference: src/runtime/reference/qs8_requantize.ts.
import { RQ_GROUP, clampOut, packBytes, requant, requant4, rqP2l, rqQ, rqRight, storeFew } from '../lib/requant';

/**
 * Requantizes one row of n accumulators (n channels) from acc to out, 4 channels a step. The row's
 * storage (accumulators and requant groups) must cover n rounded up to 4: the SIMD build reads all of it
 * (and stores only n bytes).
 */
export function requantRow(acc: usize, out: usize, n: i32, rq: usize, zOut: i32, lo: i32, hi: i32): void {
  if (ASC_FEATURE_SIMD) {
    const z = i16x8.splat(<i16>zOut), vlo = i8x16.splat(<i8>lo), vhi = i8x16.splat(<i8>hi);
    for (let c = 0; c < n; c += 4) {
      const r = requant4(v128.load(acc + (<usize>c << 2)), rq + <usize>(c >> 2) * RQ_GROUP);
      const v = packBytes(r, r, r, r, z, vlo, vhi);
      if (c + 4 <= n) v128.store32_lane(out + c, v, 0);
      else storeFew(out + c, v, n - c);
    }
    return;
  }
  for (let c = 0; c < n; c++) {
    const r = requant(load<i32>(acc + (<usize>c << 2)), rqQ(rq, c), rqP2l(rq, c), rqRight(rq, c));
    store<i8>(out + c, <i8>clampOut(r, zOut, lo, hi));
  }
}

export function qs8_requantize(params: usize, acc: usize, out: usize, m: i32): void {
  const n = load<i32>(params), zOut = load<i32>(params, 4), lo = load<i32>(params, 8), hi = load<i32>(params, 12);
  const n4 = n & ~3, tail = n & 3, rq = params + 16;
  // a row's last n % 4 accumulators, copied so requantRow's 4-channel steps stay inside acc's rows
  // (static data declared here: only the full build, which exports this kernel, holds it)
  const stage = memory.data(16, 16);
  for (let r = 0; r < m; r++) {
    const a = acc + <usize>(r * n) * 4, o = out + <usize>(r * n);
    if (ASC_FEATURE_SIMD) {
      // qs8_gemm's requantRow serves both parts: the module holds one copy of the requant (105 B less
      // than a second, unpadded path in requantRow; this kernel is not on the runtime's path)
      requantRow(a, o, n4, rq, zOut, lo, hi);
      if (tail) {
        memory.copy(stage, a + (<usize>n4 << 2), <usize>tail << 2);
        requantRow(stage, o + n4, tail, rq + <usize>(n4 >> 2) * RQ_GROUP, zOut, lo, hi);
      }
    } else requantRow(a, o, n, rq, zOut, lo, hi);
  }
}
