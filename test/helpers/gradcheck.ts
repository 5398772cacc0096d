// Finite-difference gradient check for engine ops. The loss is L = sum(r * y) for a fixed random r,
// so dL/dy = r; each checked input element is nudged by ±h and (L+ - L-) / 2h is compared with the
// analytic gradient, relative to the largest gradient of that tensor.
import { Rng } from '../../src/data/rng.js';

export interface GradCase {
  /** Named inputs to differentiate (mutated in place while probing). */
  inputs: Record<string, Float32Array>;
  /** Runs the forward pass and returns the output (may be a reused buffer). */
  forward(): Float32Array;
  /** Given dL/dy, returns analytic dL/d(input) for every named input. */
  backward(dy: Float32Array): Record<string, Float32Array>;
}

export function gradcheck(c: GradCase, opts: { seed?: number; h?: number; probes?: number } = {}): { worst: number; where: string } {
  const rng = new Rng(opts.seed ?? 7);
  const h = opts.h ?? 1e-2;
  const y0 = c.forward();
  const r = new Float32Array(y0.length).map(() => rng.uniform(-1, 1));
  const loss = (): number => {
    const y = c.forward();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += r[i] * y[i];
    return s;
  };
  const analytic = c.backward(r);
  let worst = 0;
  let where = '';
  for (const [name, x] of Object.entries(c.inputs)) {
    const g = analytic[name];
    let scale = 1e-3;
    for (const v of g) scale = Math.max(scale, Math.abs(v));
    const probes = Math.min(x.length, opts.probes ?? 40);
    for (let p = 0; p < probes; p++) {
      const i = probes === x.length ? p : rng.int(x.length);
      const keep = x[i];
      x[i] = keep + h;
      const lp = loss();
      x[i] = keep - h;
      const lm = loss();
      x[i] = keep;
      const numeric = (lp - lm) / (2 * h);
      const err = Math.abs(numeric - g[i]) / scale;
      if (err > worst) { worst = err; where = `${name}[${i}]: numeric ${numeric}, analytic ${g[i]}`; }
    }
  }
  return { worst, where };
}
