// Reference twin of assembly/kernels/qs8_gemm.ts, TFLite's reference int8 FULLY_CONNECTED:
//   acc = bias[c] + sum_k w[k][c] * (x[r][k] - zIn)   (int32, wrapping like the C++ build)
//   y[r][c] = clamp(MultiplyByQuantizedMultiplier(acc, q[c], shift[c]) + zOut, actMin, actMax)
// w in Keras' Dense layout [k][n]; per-channel or per-tensor requant.
import { requantize } from './qs8_requantize.js';
import { type Qs8Requant } from './qs8_types.js';

export function qs8_gemm(
  x: Int8Array, m: number, k: number, n: number, zIn: number, w: Int8Array, bias: Int32Array, rq: Qs8Requant,
): Int8Array {
  const y = new Int8Array(m * n);
  const acc = new Int32Array(n);
  for (let r = 0; r < m; r++) {
    acc.fill(0);
    for (let kk = 0; kk < k; kk++) {
      const v = x[r * k + kk] - zIn;
      if (v === 0) continue;
      const row = kk * n;
      for (let c = 0; c < n; c++) acc[c] += w[row + c] * v; // Int32Array stores wrap mod 2^32
    }
    for (let c = 0; c < n; c++) y[r * n + c] = requantize((acc[c] + bias[c]) | 0, rq, c);
  }
  return y;
}
