// Keras' default initializers, drawn from topiary's one seeded PRNG.
import type { Rng } from '../data/rng.js';

export type Initializer = 'glorotUniform' | 'zeros';

/** glorot_uniform: U(-limit, limit), limit = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(out: Float32Array, fanIn: number, fanOut: number, rng: Rng): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
}

export function initialize(kind: Initializer, out: Float32Array, fanIn: number, fanOut: number, rng: Rng): void {
  if (kind === 'zeros') out.fill(0);
  else glorotUniform(out, fanIn, fanOut, rng);
}
