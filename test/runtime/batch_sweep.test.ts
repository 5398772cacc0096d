// Beside interpreter.test.ts 'batches': every sample's output is its batch-1 output bit for bit, whatever
// the batch sizes one interpreter is called with (alternating up and down, so per-call state such as the
// f32 sparse conv's layout flag must be rewritten each call, and smaller batches run in a bigger plan) and
// whatever its maxBatch; f32 models on both sides of the sparse dense's 80% (a dense packing for a last
// block of 16 rows or fewer, or none), a hidden ReLU dense, and int8.
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/runtime/index.js';
import { bytesOf, floatModel, images, int8Model, otherArchitecture, pruneKernels, quantizedModel, seedArchitecture } from './models.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const N = 70;
const SIZES = [70, 1, 33, 17, 5, 32, 48, 27, 59, 16, 2, 64, 31, 15, 3, 69, 26, 47, 1, 70, 7, 11, 28, 40, 65, 63, 34, 49, 18];

function models(): [string, Uint8Array, number][] {
  const out: [string, Uint8Array, number][] = [];
  for (const s of [0.5, 0.79, 0.9]) out.push([`seed f32 ${s}`, bytesOf(floatModel(pruneKernels(seedArchitecture(3), s))), 784]);
  for (const s of [0.5, 0.9]) out.push([`other f32 ${s}`, bytesOf(floatModel(pruneKernels(otherArchitecture(4), s))), 330]);
  const xs = images(9, 64, 784), xo = images(10, 64, 330);
  for (const s of [0.5, 0.85]) out.push([`seed int8 ${s}`, bytesOf(int8Model(quantizedModel(pruneKernels(seedArchitecture(5), s), xs, 64))), 784]);
  out.push([`other int8 0.8`, bytesOf(int8Model(quantizedModel(pruneKernels(otherArchitecture(6), 0.8), xo, 64))), 330]);
  return out;
}

describe('batch split invariance', () => {
  it.each(models())('%s', (_, bytes, size) => {
    const x = images(77, N, size);
    for (const sparse of ['auto', 'always'] as const) {
      const one = loadModel(bytes, { sparse, warmup: 0 });
      const ref: number[][] = [];
      for (let i = 0; i < N; i++) ref.push(bits(one.run(x.subarray(i * size, (i + 1) * size), 1).slice()));
      for (const maxBatch of [32, 70, 5, 17]) {
        const m = loadModel(bytes, { sparse, maxBatch, warmup: maxBatch === 32 ? 10 : 0 });
        let at = 0;
        for (const b of SIZES) {
          const start = at % (N - b + 1);
          at += 13;
          const y = m.run(x.subarray(start * size, (start + b) * size), b);
          const o = y.length / b;
          for (let i = 0; i < b; i++) expect(bits(y.subarray(i * o, (i + 1) * o)), `${sparse} maxBatch ${maxBatch} batch ${b} sample ${start + i} (${m.kernels.join(',')})`).toEqual(ref[start + i]);
        }
      }
    }
  });
});
