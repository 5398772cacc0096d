// The baseline (issue 2 item 6): the seed CNN trained on the 7,996 training digits reaches at least
// 95.5% on the 2,004 test digits, and the same seed gives bit-identical weights.
import { describe, expect, it } from 'vitest';
import { take } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { defaultEngineBackend } from '../../src/engine/backend_default.js';
import { referenceBackend } from '../../src/engine/backend.js';
import { PLAIN_BASELINE, SEED_BASELINE, trainBaseline } from '../../src/recipes/baseline.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { train, test } = loadMnist();

describe('the baseline', () => {
  it('reaches at least 95.5% on the 2,004 test digits (default recipe, cached on disk)', () => {
    const { model } = trainBaseline(train, SEED_BASELINE, { backend: defaultEngineBackend() });
    const { accuracy } = model.evaluate(test);
    console.log(`baseline test accuracy ${(accuracy * 100).toFixed(2)}%`);
    expect(accuracy).toBeGreaterThanOrEqual(0.955);
  });

  it('gives bit-identical weights for the same seed (both recipes, fresh training, WASM and reference backends)', () => {
    const few = take(train, Array.from({ length: 512 }, (_, i) => i));
    for (const recipe of [PLAIN_BASELINE, SEED_BASELINE]) {
      for (const backend of [defaultEngineBackend, () => referenceBackend]) {
        const short = { ...recipe, epochs: 2, decayEpochs: Math.min(recipe.decayEpochs, 1) };
        const run = () => trainBaseline(few, short, { backend: backend(), dir: mkdtempSync(join(tmpdir(), 'topiary-det-')) }).model.store.values.slice();
        const a = run();
        expect(run()).toEqual(a);
        expect(trainBaseline(few, { ...short, seed: 1 }, { backend: backend(), dir: mkdtempSync(join(tmpdir(), 'topiary-det-')) }).model.store.values).not.toEqual(a);
      }
    }
  });
});
