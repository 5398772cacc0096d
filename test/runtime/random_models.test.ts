// Seeded random architectures (sizes, channel counts, kernel shapes, strides, paddings, pools, hidden
// layers, sparsity from 0 to 100%) through the whole path: engine model -> model file -> loadModel.
// f32 must match the engine's forward, int8 the integer forward bit for bit, in both builds, with
// sparse kernels and without: the fused/unfused choices and every tile edge get exercised.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { conv2d, dense, flatten, maxPool2d, reshape, type Layer } from '../../src/model/layers.js';
import { referenceBackend } from '../../src/engine/backend.js';
import { Sequential } from '../../src/model/sequential.js';
import { integerForward } from '../../src/quant/quantized_model.js';
import { loadModel, RuntimeError } from '../../src/runtime/index.js';
import { bytesOf, floatModel, images, int8Model, pruneKernels, quantizedModel } from './models.js';

function randomModel(seed: number): { model: Sequential; samePool: boolean } {
  const rng = new Rng(seed);
  const between = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  let [h, w, c] = [between(5, 14), between(5, 14), between(1, 3)];
  const layers: Layer[] = [reshape([h, w, c])];
  let samePool = false;
  for (let k = between(1, 2); k > 0; k--) {
    const kh = between(1, Math.min(4, h)), kw = between(1, Math.min(4, w));
    const strides: [number, number] = [between(1, 2), between(1, 2)];
    const padding = rng.next() < 0.4 ? 'same' : 'valid';
    c = between(1, 17);
    layers.push(conv2d({ filters: c, kernelSize: [kh, kw], strides, padding, activation: rng.next() < 0.7 ? 'relu' : 'linear' }));
    [h, w] = padding === 'same' ? [Math.ceil(h / strides[0]), Math.ceil(w / strides[1])] : [Math.floor((h - kh) / strides[0]) + 1, Math.floor((w - kw) / strides[1]) + 1];
    if (rng.next() < 0.7 && h >= 2 && w >= 2) {
      const pool = between(2, Math.min(3, h, w)), stride = between(1, pool);
      const poolPadding = rng.next() < 0.2 ? 'same' : 'valid';
      layers.push(maxPool2d({ poolSize: pool, strides: stride, padding: poolPadding }));
      const [ph, pw] = poolPadding === 'same' ? [Math.ceil(h / stride), Math.ceil(w / stride)] : [Math.floor((h - pool) / stride) + 1, Math.floor((w - pool) / stride) + 1];
      samePool ||= poolPadding === 'same' && ((ph - 1) * stride + pool > h || (pw - 1) * stride + pool > w);
      [h, w] = [ph, pw];
    }
  }
  layers.push(flatten());
  if (rng.next() < 0.5) layers.push(dense({ units: between(1, 20), activation: rng.next() < 0.7 ? 'relu' : 'linear' }));
  layers.push(dense({ units: between(1, 12) }));
  const model = new Sequential(layers, { inputShape: [(layers[0] as unknown as { targetShape: number[] }).targetShape.reduce((a, b) => a * b, 1)], seed, backend: referenceBackend });
  for (const p of model.params) if (p.name === 'bias') for (let i = 0; i < p.size; i++) p.value[i] = 0.1 * rng.normal();
  return { model: pruneKernels(model, [0, 0.5, 0.8, 0.95, 1][rng.int(5)]), samePool };
}

const SEEDS = Array.from({ length: 14 }, (_, i) => 1000 + i);
const N = 11;

describe('random architectures', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, () => {
      const { model, samePool } = randomModel(seed);
      const x = images(seed, N, model.inputSize);
      const f32Bytes = bytesOf(floatModel(model));
      const want = model.predict(x, 4);
      const qm = quantizedModel(model, images(seed + 1, 16, model.inputSize), 16, seed % 2 ? 'per_channel' : 'per_tensor');
      const wantInt8 = integerForward(qm, x, N).logits;
      const int8Bytes = bytesOf(int8Model(qm));
      for (const simd of [true, false]) {
        for (const sparse of ['never', 'always'] as const) {
          const where = `${model.summary()}\n[${simd ? 'simd' : 'scalar'}, sparse ${sparse}]`;
          try {
            const got = loadModel(f32Bytes, { simd, sparse, maxBatch: 4 }).run(x, N);
            for (let i = 0; i < got.length; i++) {
              if (!(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])))) throw new Error(`f32 out[${i}] = ${got[i]}, engine ${want[i]}\n${where}`);
            }
          } catch (e) {
            // the one valid f32 model the runtime refuses: a 'same' max pool that pads
            if (!(samePool && e instanceof RuntimeError && e.code === 'unsupported')) throw e;
          }
          const got = loadModel(int8Bytes, { simd, sparse, maxBatch: 4 }).run(x, N);
          for (let i = 0; i < got.length; i++) {
            if (!Object.is(got[i], wantInt8[i])) throw new Error(`int8 out[${i}] = ${got[i]}, integer forward ${wantInt8[i]}\n${where}`);
          }
        }
      }
      expect(true).toBe(true);
    });
  }
});
