// Reference twins of assembly/kernels/qs8_quantize.ts, TFLite's QUANTIZE and DEQUANTIZE (reference/
// quantize.h, dequantize.h): q = clamp(round(float(x) / float(s)) + z) with ties away from zero
// (NaN as 0), and x = float(s * (q - z)). Math.fround marks each float32 rounding of the C++.
import { roundHalfAwayFromZero } from '../../quant/rounding.js';

const f = Math.fround;

export function qs8_quantize(x: ArrayLike<number>, scale: number, zeroPoint: number): Int8Array {
  const y = new Int8Array(x.length), s = f(scale);
  for (let i = 0; i < x.length; i++) {
    const r = roundHalfAwayFromZero(f(f(x[i]) / s));
    const q = (Number.isNaN(r) ? 0 : r) + zeroPoint;
    y[i] = q > 127 ? 127 : q < -128 ? -128 : q;
  }
  return y;
}

export function qs8_dequantize(q: ArrayLike<number>, scale: number, zeroPoint: number): Float32Array {
  const y = new Float32Array(q.length), s = f(scale);
  for (let i = 0; i < q.length; i++) y[i] = s * (q[i] - zeroPoint); // one rounding: the store to float32
  return y;
}
