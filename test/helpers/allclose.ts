// Output comparison for kernel tests: bit-exact for exact rows, otherwise within a tolerance scaled
// to each output's magnitude. A failure names the kernel, the first bad index (as a multi-index
// into the output shape), both values, how many outputs differ, and the case's shape.
import type { KernelShape } from '../../src/runtime/kernel_info.js';

/**
 * f32 tolerance per output: RTOL * scale, scale = |bias| + sum |x*w|. A k-term f32 sum is off by at
 * most k * 2^-24 * scale, so 1e-5 covers reductions up to k = 160 in the worst case (the test shapes
 * stay below; the bench shapes pass with typical, sqrt(k)-sized errors).
 */
export const RTOL = 1e-5;

/** "[3,7]" for flat index 3*shape[1]+7. */
export function multiIndex(flat: number, shape: number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `[${idx.join(',')}]`;
}

export interface Outputs {
  got: ArrayLike<number>;
  want: ArrayLike<number>;
  shape: number[];
  scale?: ArrayLike<number>;
}

/** A description of the first mismatch, or null when every output matches. */
export function findMismatch(label: string, shape: KernelShape, out: Outputs, exact: boolean): string | null {
  const { got, want, scale } = out;
  const size = out.shape.reduce((a, b) => a * b, 1);
  if (got.length !== size || want.length !== size) return `${label}: got ${got.length} and want ${want.length} outputs for shape [${out.shape}]`;
  let bad = 0, first = -1, firstTol = 0;
  for (let i = 0; i < size; i++) {
    const g = got[i], w = want[i];
    let ok: boolean;
    let tol = 0;
    if (Number.isNaN(w)) ok = Number.isNaN(g);
    else if (exact) ok = g === w;
    else {
      tol = RTOL * (scale ? scale[i] : Math.abs(w)) + 1e-30;
      ok = g === w || Math.abs(g - w) <= tol; // g === w: equal infinities (Inf - Inf is NaN)
    }
    if (!ok) {
      if (first < 0) { first = i; firstTol = tol; }
      bad++;
    }
  }
  if (bad === 0) return null;
  const dims = Object.entries(shape.dims).map(([k, v]) => `${k}=${v}`).join(' ');
  const sp = shape.sparsity === undefined ? '' : ` sparsity=${shape.sparsity}`;
  const diff = exact ? '' : ` (|diff| ${Math.abs(got[first] - want[first]).toExponential(2)} > tol ${firstTol.toExponential(2)})`;
  return `${label}: out${multiIndex(first, out.shape)} = ${got[first]}, ref = ${want[first]}${diff}; ${bad} of ${size} outputs differ; shape '${shape.label}': ${dims}${sp}`;
}

/** Throws with findMismatch's message when the outputs differ. */
export function expectKernelMatchesRef(label: string, shape: KernelShape, out: Outputs, exact: boolean): void {
  const msg = findMismatch(label, shape, out, exact);
  if (msg) throw new Error(msg);
}
