// The public API end to end in a few lines, as the README shows it: train -> prune -> QAT -> convert ->
// load in the runtime -> predictions equal the QAT model's integer evaluation.
import { describe, expect, it } from 'vitest';
import * as topiary from '../src/index.js';
import * as runtime from '../src/runtime/index.js';

describe('public API', () => {
  it('exports the pipeline in order and the runtime entry', () => {
    for (const name of ['loadMnist', 'sequential', 'fit', 'pruneLowMagnitude', 'stripPruning', 'quantizeModel', 'convert', 'convertToBytes', 'readModel', 'loadModel', 'trainBaseline']) {
      expect(typeof (topiary as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(typeof runtime.loadModel).toBe('function');
  });

  it('runs the README example on a small subset', () => {
    const { train, test } = topiary.loadMnist();
    const few = topiary.take(train, Array.from({ length: 1200 }, (_, i) => i));
    const model = topiary.mnistCnn({ seed: 0 });
    topiary.fit(model, few, { epochs: 2, validationSplit: 0.1 });
    const pruned = topiary.pruneLowMagnitude(model, { schedule: topiary.polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 60, frequency: 10 }) });
    topiary.fit(pruned, few, { epochs: 2, callbacks: [topiary.updatePruningStep()] });
    const qat = topiary.quantizeModel(topiary.stripPruning(pruned));
    topiary.fit(qat, few, { epochs: 1 });
    const { bytes } = topiary.convertToBytes(qat);
    const interp = runtime.loadModel(bytes);
    const images = test.images.subarray(0, 64 * 784);
    const got = interp.predict(images, 64);
    const int8 = topiary.integerForward(topiary.toQuantizedModel(qat), images, 64).logits;
    for (let i = 0; i < 64; i++) {
      const row = Array.from(int8.subarray(i * 10, i * 10 + 10));
      expect(got[i]).toBe(row.indexOf(Math.max(...row)));
    }
    expect(bytes.length).toBeLessThan(8000);
  });
});
