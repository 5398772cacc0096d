// bench/runtime_models.ts's calibration on a WASM engine backend, whose memory is never freed: calls
// on one backend reuse their buffers (bench/runtime.js --sweep calibrates a model per pruning level
// and ran out of memory at the seventh).
import { describe, expect, it } from 'vitest';
import { layerRanges } from '../../bench/runtime_models.js';
import { createWasmBackend } from '../../src/engine/wasm_backend.js';
import { mnistCnn } from '../../src/model/mnist_cnn.js';
import { Rng } from '../../src/data/rng.js';

describe('layerRanges', () => {
  it('calibrates again and again on one backend in a fixed amount of its memory, with the same ranges each time', () => {
    // 64 digits take ~2.1 MB of activations; 40 calls would need 84 MB of a 16 MiB backend without reuse
    const model = mnistCnn({ seed: 3, backend: createWasmBackend({ memoryMiB: 16 }) });
    const rng = new Rng(5);
    const x = Float32Array.from({ length: 64 * 784 }, () => rng.next());
    const first = layerRanges(model, x, 64);
    for (let i = 0; i < 40; i++) expect(layerRanges(model, x, 64)).toEqual(first);
    expect(first[1].max).toBeGreaterThan(first[1].min); // the conv's outputs are not all one value
  });
});
