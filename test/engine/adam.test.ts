import { describe, expect, it } from 'vitest';
import { Adam } from '../../src/engine/adam.js';
import { ParamStore } from '../../src/engine/params.js';

describe('Adam (Keras 3 update rule)', () => {
  it('matches a hand computation over two steps with the Keras defaults', () => {
    const store = new ParamStore([{ layer: 'l', spec: { name: 'kernel', shape: [2], init: 'zeros', fanIn: 1, fanOut: 1 } }]);
    store.values.set([1, -2]);
    const adam = new Adam();
    const g1 = [0.5, -0.1];
    const g2 = [0.2, 0.3];
    // by hand, in double
    const w = [1, -2], m = [0, 0], v = [0, 0];
    [g1, g2].forEach((g, k) => {
      const t = k + 1;
      const alpha = 1e-3 * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t);
      for (let i = 0; i < 2; i++) {
        m[i] += (g[i] - m[i]) * 0.1;
        v[i] += (g[i] * g[i] - v[i]) * 0.001;
        w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + 1e-7);
      }
      store.grads.set(g);
      adam.step(store);
    });
    expect(adam.iterations).toBe(2);
    expect(store.values[0]).toBeCloseTo(w[0], 6);
    expect(store.values[1]).toBeCloseTo(w[1], 6);
    // the first step moves every weight by ~lr against its gradient's sign
    expect(w[0]).toBeLessThan(1);
  });

  it('uses the Keras defaults: lr 1e-3, betas 0.9/0.999, eps 1e-7', () => {
    expect(new Adam().config).toEqual({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  });
});
