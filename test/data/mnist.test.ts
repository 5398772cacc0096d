import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { splitValidation } from '../../src/data/dataset.js';

describe('loadMnist', () => {
  const { train, test } = loadMnist();

  it('splits per digit 80/20 into 7,996 train and 2,004 test digits', () => {
    expect(train.count).toBe(7996);
    expect(test.count).toBe(2004);
    expect(train.images.length).toBe(7996 * 784);
    expect(test.labels.length).toBe(2004);
  });

  it('keeps pixel values in [0, 1] and labels in 0..9, every digit in both splits', () => {
    for (const d of [train, test]) {
      let lo = Infinity, hi = -Infinity;
      for (const v of d.images) { if (v < lo) lo = v; if (v > hi) hi = v; }
      expect(lo).toBe(0);
      expect(hi).toBe(1);
      const counts = new Array(10).fill(0);
      for (const l of d.labels) counts[l]++;
      expect(counts.every((c) => c > 100)).toBe(true);
    }
  });

  it('gives each digit floor(80%) of its samples for training', () => {
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual([800, 901, 792, 825, 784, 690, 811, 856, 755, 782]);
  });

  it('is deterministic and interleaved, so the Keras validation tail holds every digit', () => {
    const again = loadMnist();
    expect(again.train.labels).toEqual(train.labels);
    const { validation } = splitValidation(train, 0.1);
    expect(validation.count).toBe(800);
    expect(new Set(validation.labels).size).toBe(10);
  });
});
