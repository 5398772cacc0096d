// The seed model of the tfmot tutorials, as data:
// Reshape(28,28,1) -> Conv2D(12, 3x3, valid, ReLU) -> MaxPool(2x2) -> Flatten -> Dense(10 logits).
import type { EngineBackend } from '../engine/backend.js';
import { conv2d, dense, flatten, maxPool2d, reshape } from './layers.js';
import { Sequential } from './sequential.js';

export function mnistCnn(opts: { seed?: number; backend?: EngineBackend } = {}): Sequential {
  return new Sequential(
    [
      reshape([28, 28, 1]),
      conv2d({ filters: 12, kernelSize: 3, activation: 'relu' }),
      maxPool2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 10 }),
    ],
    { inputShape: [28, 28], seed: opts.seed ?? 0, backend: opts.backend },
  );
}
