// Every op's backward against finite differences, on several random shapes (not only MNIST's).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { conv2dBackward, conv2dForward, conv2dGeometry, type Padding } from '../../src/engine/ops/conv2d.js';
import { denseBackward, denseForward } from '../../src/engine/ops/dense.js';
import { maxPool2dBackward, maxPool2dForward, maxPool2dGeometry } from '../../src/engine/ops/maxpool2d.js';
import { reluBackward, reluForward } from '../../src/engine/ops/relu.js';
import { softmaxCrossEntropy } from '../../src/engine/ops/softmax_xent.js';
import { gradcheck } from '../helpers/gradcheck.js';

const rand = (rng: Rng, n: number) => new Float32Array(n).map(() => rng.uniform(-1, 1));
/** Values spaced apart so ±h never changes which element wins a max or crosses 0. */
const spaced = (rng: Rng, n: number) => rng.shuffle(new Float32Array(n).map((_, i) => (i - n / 2 + 0.25) * 0.05));
const TOL = 2e-2;

describe('conv2d backward', () => {
  const cases: { name: string; batch: number; inShape: [number, number, number]; k: [number, number]; filters: number; s: [number, number]; pad: Padding }[] = [
    { name: 'mnist-like 3x3 cin=1', batch: 2, inShape: [8, 8, 1], k: [3, 3], filters: 12, s: [1, 1], pad: 'valid' },
    { name: 'cin=3 cout=5 same', batch: 2, inShape: [7, 6, 3], k: [3, 3], filters: 5, s: [1, 1], pad: 'same' },
    { name: 'stride 2 same, even kernel', batch: 1, inShape: [9, 8, 2], k: [2, 4], filters: 3, s: [2, 2], pad: 'same' },
    { name: '1x1 stride 3 valid', batch: 3, inShape: [7, 7, 4], k: [1, 1], filters: 2, s: [3, 3], pad: 'valid' },
    { name: '5x3 kernel mixed strides', batch: 1, inShape: [10, 9, 2], k: [5, 3], filters: 4, s: [2, 1], pad: 'valid' },
  ];
  it.each(cases)('$name', ({ batch, inShape, k, filters, s, pad }) => {
    const rng = new Rng(1);
    const g = conv2dGeometry(inShape, k, filters, s, pad);
    const x = rand(rng, batch * inShape[0] * inShape[1] * inShape[2]);
    const w = rand(rng, k[0] * k[1] * inShape[2] * filters);
    const b = rand(rng, filters);
    const y = new Float32Array(batch * g.outH * g.outW * filters);
    const r = gradcheck({
      inputs: { x, w, b },
      forward: () => { conv2dForward(x, w, b, y, batch, g); return y; },
      backward: (dy) => {
        const dx = new Float32Array(x.length), dw = new Float32Array(w.length), db = new Float32Array(b.length);
        conv2dBackward(x, w, dy, dx, dw, db, batch, g);
        return { x: dx, w: dw, b: db };
      },
    });
    expect(r.worst, r.where).toBeLessThan(TOL);
  });
});

describe('dense backward', () => {
  it.each([[1, 1, 1], [3, 7, 5], [4, 33, 10], [2, 128, 17]])('batch %i, %i -> %i', (batch, inF, outF) => {
    const rng = new Rng(2);
    const x = rand(rng, batch * inF), w = rand(rng, inF * outF), b = rand(rng, outF);
    const y = new Float32Array(batch * outF);
    const r = gradcheck({
      inputs: { x, w, b },
      forward: () => { denseForward(x, w, b, y, batch, { inF, outF }); return y; },
      backward: (dy) => {
        const dx = new Float32Array(x.length), dw = new Float32Array(w.length), db = new Float32Array(b.length);
        denseBackward(x, w, dy, dx, dw, db, batch, { inF, outF });
        return { x: dx, w: dw, b: db };
      },
    });
    expect(r.worst, r.where).toBeLessThan(TOL);
  });
});

describe('maxpool2d backward', () => {
  it.each([
    { inShape: [4, 4, 1], pool: [2, 2], s: [2, 2], pad: 'valid' },
    { inShape: [5, 7, 3], pool: [2, 2], s: [2, 2], pad: 'same' },
    { inShape: [6, 6, 2], pool: [3, 3], s: [1, 1], pad: 'valid' },
    { inShape: [7, 5, 2], pool: [3, 2], s: [2, 3], pad: 'same' },
  ] as const)('$inShape pool $pool stride $s $pad', ({ inShape, pool, s, pad }) => {
    const rng = new Rng(3);
    const g = maxPool2dGeometry(inShape, [pool[0], pool[1]], [s[0], s[1]], pad);
    const batch = 2;
    const x = spaced(rng, batch * inShape[0] * inShape[1] * inShape[2]);
    const y = new Float32Array(batch * g.outH * g.outW * g.c);
    const r = gradcheck({
      inputs: { x },
      forward: () => { maxPool2dForward(x, y, batch, g); return y; },
      backward: (dy) => { const dx = new Float32Array(x.length); maxPool2dBackward(x, dy, dx, batch, g); return { x: dx }; },
    }, { h: 1e-3 });
    expect(r.worst, r.where).toBeLessThan(TOL);
  });
});

describe('relu backward', () => {
  it.each([1, 17, 100])('n = %i', (n) => {
    const rng = new Rng(4);
    const x = spaced(rng, n);
    const y = new Float32Array(n);
    const r = gradcheck({
      inputs: { x },
      forward: () => { reluForward(x, y, n); return y; },
      backward: (dy) => { const dx = new Float32Array(n); reluBackward(y, dy, dx, n); return { x: dx }; },
    }, { h: 1e-3 });
    expect(r.worst, r.where).toBeLessThan(TOL);
  });
});

describe('sparse softmax cross-entropy', () => {
  it.each([[1, 2], [4, 10], [7, 3]])('batch %i, %i classes', (batch, classes) => {
    const rng = new Rng(5);
    const logits = new Float32Array(batch * classes).map(() => rng.uniform(-3, 3));
    const labels = new Uint8Array(batch).map(() => rng.int(classes));
    const dLogits = new Float32Array(logits.length);
    softmaxCrossEntropy(logits, labels, dLogits, batch, classes);
    let worst = 0;
    const h = 1e-2;
    for (let i = 0; i < logits.length; i++) {
      const keep = logits[i];
      logits[i] = keep + h;
      const lp = softmaxCrossEntropy(logits, labels, null, batch, classes).loss;
      logits[i] = keep - h;
      const lm = softmaxCrossEntropy(logits, labels, null, batch, classes).loss;
      logits[i] = keep;
      worst = Math.max(worst, Math.abs((lp - lm) / (2 * h) - dLogits[i]));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('matches a hand-computed case and counts correct predictions', () => {
    const logits = new Float32Array([0, Math.log(3), 0, 2, 1, 0]);
    const r = softmaxCrossEntropy(logits, [1, 2], null, 2, 3);
    // sample 0: p = [1/5, 3/5, 1/5], label 1 -> -log(3/5); sample 1: label 2 -> logsumexp(2,1,0) - 0
    const l1 = Math.log(Math.exp(2) + Math.exp(1) + 1);
    expect(r.loss).toBeCloseTo((-Math.log(3 / 5) + l1) / 2, 6);
    expect(r.correct).toBe(1);
  });
});
