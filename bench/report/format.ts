// Cell formats shared by the terminal and Markdown tables. Missing values are '—'.
import type { Latency } from './results.js';

export const MISSING = '—';

/** `x` with `digits` significant digits, never in exponent form: 0.0581, 1.23, 12.3, 1234. */
export function significant(x: number, digits = 3): string {
  if (x === 0) return '0';
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(x))));
  return x.toFixed(decimals);
}

/** 0.95812 -> "95.81%". */
export function percent(fraction: number | null | undefined, decimals = 2): string {
  return fraction == null ? MISSING : `${(fraction * 100).toFixed(decimals)}%`;
}

/** Accuracy difference in percentage points: "+0.12", "-0.40", "0.00". */
export function points(fraction: number | null | undefined, base: number | null | undefined): string {
  if (fraction == null || base == null) return MISSING;
  const d = Number(((fraction - base) * 100).toFixed(2));
  return d > 0 ? `+${d.toFixed(2)}` : d.toFixed(2).replace('-0.00', '0.00');
}

/** "12.3 ± 0.41": the median with 3 significant digits, the spread to the same decimals. */
export function latency(l: Latency | null | undefined): string {
  if (l == null) return MISSING;
  const median = significant(l.median);
  const decimals = median.includes('.') ? median.length - median.indexOf('.') - 1 : 0;
  return `${median} ± ${l.spread.toFixed(decimals)}`;
}

/** The latency in another unit (ms -> µs with 1000). */
export function scaled(l: Latency | null | undefined, factor: number): Latency | null {
  return l == null ? null : { ...l, median: l.median * factor, spread: l.spread * factor };
}

/** How many times `over` goes into `under` ("2.31×"); '—' when either is missing or not positive. */
export function ratio(under: number | null | undefined, over: number | null | undefined): string {
  if (under == null || over == null || !(under > 0) || !(over > 0)) return MISSING;
  return `${significant(under / over)}×`;
}

/** 82225 -> "82,225". */
export function bytes(n: number | null | undefined): string {
  return n == null ? MISSING : n.toLocaleString('en-US');
}
