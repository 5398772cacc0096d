// Seeded stand-ins for trained, magnitude-pruned, per-channel int8 weights, for size tests.
// Trained CNN weights are roughly Laplacian with a per-input-row spread (some input features matter
// more than others, e.g. MNIST's empty borders); tfmot keeps the k largest |w| of the whole layer;
// the TFLite converter quantizes each output channel symmetrically to [-127, 127].
import { Rng } from '../../src/data/rng.js';

export interface PrunedInt8 {
  q: Int8Array;
  scales: Float32Array;
  /** The float weights after pruning, before quantization. */
  w: Float32Array;
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Float weights of `shape` (last axis = output channel) with `sparsity` of them zeroed by magnitude. */
export function prunedWeights(rng: Rng, shape: number[], sparsity: number, dist: 'laplace' | 'gauss' = 'laplace'): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const cout = shape[shape.length - 1];
  const rows = n / cout;
  const w = new Float32Array(n);
  for (let r = 0; r < rows; r++) {
    // spread between input features: log-normal, and one row in seven nearly idle
    const rowScale = Math.exp(0.4 * rng.normal()) * (rng.next() < 1 / 7 ? 0.25 : 1);
    for (let c = 0; c < cout; c++) {
      const mag = dist === 'laplace' ? -Math.log(1 - rng.next()) : Math.abs(rng.normal());
      w[r * cout + c] = 0.05 * rowScale * mag * (rng.next() < 0.5 ? -1 : 1);
    }
  }
  // tfmot: keep k = max(roundHalfEven(n * (1 - s)), 1) largest |w|, ties at the threshold kept
  const k = Math.max(roundHalfEven(n * (1 - sparsity)), 1);
  const sorted = Float32Array.from(w, Math.abs).sort();
  const threshold = sorted[n - k];
  for (let i = 0; i < n; i++) if (Math.abs(w[i]) < threshold || sparsity >= 1) w[i] = 0;
  return w;
}

/** Symmetric per-output-channel int8 quantization (TFLite): scale = max|w|/127, q in [-127, 127]. */
export function quantizePerChannel(w: Float32Array, cout: number): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(cout);
  for (let i = 0; i < w.length; i++) scales[i % cout] = Math.max(scales[i % cout], Math.abs(w[i]));
  for (let c = 0; c < cout; c++) scales[c] = scales[c] > 0 ? Math.fround(scales[c] / 127) : 1;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i] / scales[i % cout])));
  return { q, scales };
}

export function prunedInt8(rng: Rng, shape: number[], sparsity: number, dist: 'laplace' | 'gauss' = 'laplace'): PrunedInt8 {
  const w = prunedWeights(rng, shape, sparsity, dist);
  return { w, ...quantizePerChannel(w, shape[shape.length - 1]) };
}
