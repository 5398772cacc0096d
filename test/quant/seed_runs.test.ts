// The seed runs of issue 5 on the 2,004 test digits: QAT of the baseline within 0.3 points of it, QAT of
// the 80%-pruned model within 0.5 points of it with every zero kept, and the QAT evaluation agreeing with
// the int8 model on at least 99.9% of the predictions. Trained once and cached (src/recipes/qat.ts).
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { defaultEngineBackend } from '../../src/engine/backend_default.js';
import type { Sequential } from '../../src/model/sequential.js';
import { pruningSummary } from '../../src/prune/wrap.js';
import { toQuantizedModel } from '../../src/quant/qat.js';
import { integerForward, type QuantizedModel } from '../../src/quant/quantized_model.js';
import { trainBaseline } from '../../src/recipes/baseline.js';
import { SEED_QAT, trainQat, type QatRun } from '../../src/recipes/qat.js';

const { train, test } = loadMnist();
const backend = defaultEngineBackend();

function predictions(logits: Float32Array): Uint8Array {
  const out = new Uint8Array(logits.length / 10);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (logits[i * 10 + k] > logits[i * 10 + best]) best = k;
    out[i] = best;
  }
  return out;
}

const accuracy = (p: Uint8Array) => p.reduce((n, c, i) => n + (c === test.labels[i] ? 1 : 0), 0) / test.count;
const pct = (x: number) => (100 * x).toFixed(2);

interface Measured {
  run: QatRun;
  int8: QuantizedModel;
  source: number;
  fakeQuant: number;
  integer: number;
  agree: number;
}

/** Trains (or loads) the run, then evaluates the float source, the QAT model and its int8 model once. */
function measure(from: 'baseline' | 'pruned'): () => Measured {
  let m: Measured | undefined;
  return () => {
    if (m) return m;
    const t0 = performance.now();
    const run = trainQat(train, SEED_QAT, { from, backend });
    const t1 = performance.now();
    const int8 = toQuantizedModel(run.model);
    const fqLogits = run.model.predict(test.images);
    const { logits, output } = integerForward(int8, test.images, test.count);
    const fq = predictions(fqLogits);
    const int = predictions(logits);
    const agree = fq.reduce((n, c, i) => n + (c === int[i] ? 1 : 0), 0);
    const out = int8.layers[int8.layers.length - 1];
    if (out.kind !== 'dequantize') throw new Error('an int8 model ends with dequantize');
    const offLevel = output.reduce((n, q, i) => n + (Math.round(fqLogits[i] / out.in.scale) + out.in.zeroPoint !== q ? 1 : 0), 0);
    m = { run, int8, source: run.source.evaluate(test).accuracy, fakeQuant: accuracy(fq), integer: accuracy(int), agree };
    console.log(`QAT of the ${from} (${run.cached ? 'cached' : `trained in ${((t1 - t0) / 1000).toFixed(1)} s`}): float ${pct(m.source)}%, QAT eval ${pct(m.fakeQuant)}%, int8 ${pct(m.integer)}%; predictions agree on ${agree}/${test.count} (${pct(agree / test.count)}%), logits on another int8 level ${offLevel}/${output.length}; int8 eval ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    return m;
  };
}

const zerosOf = (a: ArrayLike<number>) => Array.from(a).flatMap((v, i) => (v === 0 ? [i] : []));
const kernels = (m: Sequential) => m.params.filter((p) => p.name === 'kernel');

describe('seed run: QAT of the baseline', () => {
  const measured = measure('baseline');

  it('holds the baseline accuracy within 0.3 points', () => {
    const m = measured();
    expect(m.fakeQuant).toBeGreaterThanOrEqual(m.source - 0.003);
    expect(m.integer).toBeGreaterThanOrEqual(m.source - 0.003);
  });

  it('the QAT evaluation and the int8 model agree on at least 99.9% of the test predictions', () => {
    const m = measured();
    expect(m.agree / test.count).toBeGreaterThanOrEqual(0.999);
  });
});

describe('seed run: sparsity-preserving QAT of the 80%-pruned model', () => {
  const measured = measure('pruned');

  it('holds the accuracy within 0.5 points of the pruned model and of the baseline', () => {
    const m = measured();
    const baseline = trainBaseline(train, undefined, { backend }).model.evaluate(test).accuracy;
    for (const reference of [m.source, baseline]) {
      expect(m.fakeQuant).toBeGreaterThanOrEqual(reference - 0.005);
      expect(m.integer).toBeGreaterThanOrEqual(reference - 0.005);
    }
  });

  it('keeps every zero: the same zeros in the float kernels, and all of them in the int8 kernels', () => {
    const { run, int8 } = measured();
    expect(pruningSummary(run.model)).toEqual(pruningSummary(run.source));
    expect(pruningSummary(run.source).total.sparsity).toBeGreaterThan(0.79);
    const int8Kernels = int8.layers.flatMap((l) => (l.kind === 'conv2d' || l.kind === 'dense' ? [l.weights] : []));
    kernels(run.source).forEach((p, i) => {
      const zeros = zerosOf(p.value);
      expect(zerosOf(kernels(run.model)[i].value)).toEqual(zeros);
      const q = int8Kernels[i];
      expect(zeros.every((j) => q[j] === 0)).toBe(true);
    });
  });

  it('the QAT evaluation and the int8 model agree on at least 99.9% of the test predictions', () => {
    const m = measured();
    expect(m.agree / test.count).toBeGreaterThanOrEqual(0.999);
  });
});
