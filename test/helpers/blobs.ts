// A small learnable task for engine, pruning and quantization tests: class = the quadrant of an 8x8
// image holding a bright 2x2 blob, over uniform noise in [0, noise). Blob pixels are 1, or drawn from
// `blob` when given (harder, for quantization tests).
import type { Dataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/data/rng.js';

export function blobs(n: number, seed: number, opts: { noise?: number; blob?: [number, number] } = {}): Dataset {
  const noise = opts.noise ?? 0.3;
  const rng = new Rng(seed);
  const images = new Float32Array(n * 64);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(4);
    labels[i] = c;
    const oy = (c >> 1) * 4, ox = (c & 1) * 4;
    for (let p = 0; p < 64; p++) images[i * 64 + p] = rng.uniform(0, noise);
    for (let k = 0; k < 4; k++) images[i * 64 + (oy + 1 + (k >> 1)) * 8 + ox + 1 + (k & 1)] = opts.blob ? rng.uniform(opts.blob[0], opts.blob[1]) : 1;
  }
  return { images, labels, count: n, height: 8, width: 8, channels: 1 };
}
