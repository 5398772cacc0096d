// Training-time augmentation: every sample of a batch is shifted by a random whole number of pixels
// (zero fill), the classic cheap regulariser for small digit sets. Seeded, so runs stay deterministic.
import type { Rng } from './rng.js';

export type Augment = (images: Float32Array, batch: number, rng: Rng) => void;

/** Shifts each [h, w, c] sample by dy, dx in [-maxShift, maxShift], filling with 0. */
export function randomShift(h: number, w: number, c: number, maxShift: number): Augment {
  const size = h * w * c;
  const tmp = new Float32Array(size);
  return (images, batch, rng) => {
    for (let n = 0; n < batch; n++) {
      const dy = rng.int(2 * maxShift + 1) - maxShift;
      const dx = rng.int(2 * maxShift + 1) - maxShift;
      if (dy === 0 && dx === 0) continue;
      const img = images.subarray(n * size, (n + 1) * size);
      tmp.fill(0);
      for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
        const src = ((y - dy) * w + Math.max(0, -dx)) * c;
        const len = (w - Math.abs(dx)) * c;
        tmp.set(img.subarray(src, src + len), (y * w + Math.max(0, dx)) * c);
      }
      img.set(tmp);
    }
  };
}
