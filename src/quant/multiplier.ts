// TFLite's QuantizeMultiplier for a real M >= 0, in a module of its own so that the runtime bundles it
// without the rest of src/quant (requant.ts's quantizeMultiplier wraps it with the sign and the checks).

/**
 * [q, shift] with M = q * 2^(shift - 31): q = round(frexp mantissa * 2^31), ties away from zero; a
 * mantissa that rounds up to 2^31 becomes 2^30 with shift + 1; a shift below -31 (M < 2^-33 among them)
 * flushes to [0, 0]. No frexp: halving or doubling a normal double is exact, so m ends as the frexp
 * mantissa. M finite (Infinity would never halve below 1).
 */
export function multiplierOf(real: number): [number, number] {
  let m = real, shift = 0;
  if (m < 2 ** -33) return [0, 0];
  for (; m >= 1; shift++) m /= 2;
  for (; m < 0.5; shift--) m *= 2;
  const q = Math.round(m * 2 ** 31); // m > 0: Math.round's ties up are ties away from zero
  return q === 2 ** 31 ? [2 ** 30, shift + 1] : shift < -31 ? [0, 0] : [q, shift];
}
