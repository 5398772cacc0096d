// Engine models for the runtime tests: seeded architectures (the seed's and one off its beaten path),
// inputs, and the dynamic-range expectation; on the engine's TypeScript reference backend, the
// obviously-correct forward the runtime is compared with. Model files come from the converter stand-ins in
// bench/runtime_models.ts (shared with bench/runtime.ts).
import { Rng } from '../../src/data/rng.js';
import type { FormatModel } from '../../src/format/model.js';
import { writeModel } from '../../src/format/write.js';
import { conv2d, dense, flatten, maxPool2d, reshape, type Layer } from '../../src/model/layers.js';
import { referenceBackend } from '../../src/engine/backend.js';
import { Sequential } from '../../src/model/sequential.js';
import { int8Kernel } from '../../bench/runtime_models.js';

export { floatModel, int8Model, layerRanges, pruneKernels, quantizedModel } from '../../bench/runtime_models.js';

/** The seed architecture: Reshape(28,28,1) -> Conv2D(12, 3x3, relu) -> MaxPool(2) -> Flatten -> Dense(10). */
export function seedArchitecture(seed: number): Sequential {
  return withBiases(new Sequential([reshape([28, 28, 1]), conv2d({ filters: 12, kernelSize: 3, activation: 'relu' }), maxPool2d({ poolSize: 2 }), flatten(), dense({ units: 10 })], { inputShape: [784], seed, backend: referenceBackend }), seed);
}

/**
 * A model off the seed's beaten path: 'same' padding, strides, a conv without ReLU before a pool
 * (not fusable in f32), a pool with stride 1, a hidden dense with ReLU, odd channel counts.
 */
export function otherArchitecture(seed: number): Sequential {
  return withBiases(new Sequential([
    reshape([11, 10, 3]),
    conv2d({ filters: 7, kernelSize: 3, padding: 'same', activation: 'relu' }),
    maxPool2d({ poolSize: 2 }),
    conv2d({ filters: 5, kernelSize: [2, 3], strides: [1, 2] }),
    maxPool2d({ poolSize: 2, strides: 1 }),
    flatten(),
    dense({ units: 13, activation: 'relu' }),
    dense({ units: 6 }),
  ], { inputShape: [330], seed, backend: referenceBackend }), seed);
}

/** Glorot kernels come from the engine's initializer; biases are zero there, so draw some. */
function withBiases(m: Sequential, seed: number): Sequential {
  const rng = new Rng(seed + 1);
  for (const p of m.params) if (p.name === 'bias') for (let i = 0; i < p.size; i++) p.value[i] = 0.1 * rng.normal();
  return m;
}

/** Seeded inputs in [0, 1] with some exact zeros, like images. */
export function images(seed: number, n: number, size: number): Float32Array {
  const rng = new Rng(seed), x = new Float32Array(n * size);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() < 0.3 ? 0 : rng.next();
  return x;
}

/** A Sequential whose kernels are what a dynamic-range model computes with: scale[c] * q. */
export function dequantizedCopy(m: Sequential): Sequential {
  const copy = new Sequential(m.layers.map((l) => reshapeOf(l)), { inputShape: [...m.inputShape], backend: referenceBackend });
  copy.store.values.set(m.store.values);
  for (const p of copy.params) {
    if (p.name !== 'kernel') continue;
    const t = int8Kernel(p.value, [...p.shape], p.shape[p.shape.length - 1]);
    const q = t.data as Int8Array, s = t.quant!.scale;
    for (let i = 0; i < q.length; i++) p.value[i] = s[i % s.length] * q[i];
  }
  return copy;
}

function reshapeOf(l: Layer): Layer {
  const c = l.config;
  switch (c.type) {
    case 'reshape': return reshape(c.targetShape);
    case 'flatten': return flatten();
    case 'conv2d': return conv2d(c);
    case 'maxpool2d': return maxPool2d(c);
    case 'dense': return dense(c);
    default: throw new Error(`no copy for ${c.type}`);
  }
}

export const bytesOf = (m: FormatModel): Uint8Array => writeModel(m);
