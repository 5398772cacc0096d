// Adam exactly as Keras 3 updates it (one flat loop over the ParamStore, llm.c's gpt2_update):
//   t += 1; alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)
//   m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); w -= alpha * m / (sqrt(v) + eps)
// Paper: https://arxiv.org/abs/1412.6980. Note Keras adds eps to sqrt(v) without bias correction.
import type { ParamStore } from './params.js';

export interface AdamConfig {
  /** Keras default 1e-3. */
  learningRate: number;
  /** Keras default 0.9. */
  beta1: number;
  /** Keras default 0.999. */
  beta2: number;
  /** Keras default 1e-7 (not PyTorch's 1e-8). */
  epsilon: number;
}

export const ADAM_DEFAULTS: AdamConfig = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

export class Adam {
  readonly config: AdamConfig;
  /** Number of updates applied so far (Keras' `iterations`). */
  iterations = 0;

  constructor(config: Partial<AdamConfig> = {}) {
    this.config = { ...ADAM_DEFAULTS, ...config };
  }

  /** One update of every parameter from store.grads, optionally with a learning rate override. */
  step(store: ParamStore, learningRate = this.config.learningRate, ops: { adamUpdate: typeof adamUpdate } = { adamUpdate }): void {
    const { beta1, beta2, epsilon } = this.config;
    this.iterations++;
    const t = this.iterations;
    const alpha = (learningRate * Math.sqrt(1 - Math.pow(beta2, t))) / (1 - Math.pow(beta1, t));
    ops.adamUpdate(store.values, store.grads, store.m, store.v, alpha, beta1, beta2, epsilon);
  }
}

/** The reference update loop (the WASM training build has a twin). */
export function adamUpdate(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, alpha: number, beta1: number, beta2: number, eps: number): void {
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = (m[i] += (gi - m[i]) * c1);
    const vi = (v[i] += (gi * gi - v[i]) * c2);
    w[i] -= (alpha * mi) / (Math.sqrt(vi) + eps);
  }
}
