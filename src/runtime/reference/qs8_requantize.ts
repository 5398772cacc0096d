// Reference twin of assembly/kernels/qs8_requantize.ts: TFLite's requant of int32 accumulators,
// y = clamp(MultiplyByQuantizedMultiplier(acc, q[c], shift[c]) + zOut, actMin, actMax).
import { multiplyByQuantizedMultiplier } from '../../quant/requant.js';
import type { Qs8Requant } from './qs8_types.js';

/** One accumulator of channel c to int8. */
export function requantize(acc: number, rq: Qs8Requant, c: number): number {
  const i = rq.multipliers.length === 1 ? 0 : c; // per-tensor params broadcast
  const v = multiplyByQuantizedMultiplier(acc, rq.multipliers[i], rq.shifts[i]) + rq.zOut;
  return v < rq.actMin ? rq.actMin : v > rq.actMax ? rq.actMax : v;
}

/** acc [m][n] int32 -> [m][n] int8, channel = column. */
export function qs8_requantize(acc: Int32Array, m: number, n: number, rq: Qs8Requant): Int8Array {
  const y = new Int8Array(m * n);
  for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) y[r * n + c] = requantize(acc[r * n + c], rq, c);
  return y;
}
