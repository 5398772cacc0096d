// The engine's op implementations as one swappable object. The TypeScript reference backend is the
// spec; a faster backend (WASM SIMD) implements the same signatures over buffers it allocates in its
// own linear memory, and tests compare the two.
import { adamUpdate } from './adam.js';
import { conv2dBackward, conv2dForward } from './ops/conv2d.js';
import { denseBackward, denseForward } from './ops/dense.js';
import { fakeQuantBackward, fakeQuantForward, minMaxOf } from './ops/fake_quant_grid.js';
import { maxPool2dBackward, maxPool2dForward } from './ops/maxpool2d.js';
import { reluBackward, reluForward } from './ops/relu.js';
import type { FloatAllocator } from './params.js';

export interface EngineBackend {
  readonly name: string;
  /** Returns zeroed float storage that stays valid for the backend's lifetime. */
  alloc: FloatAllocator;
  conv2dForward: typeof conv2dForward;
  conv2dBackward: typeof conv2dBackward;
  denseForward: typeof denseForward;
  denseBackward: typeof denseBackward;
  maxPool2dForward: typeof maxPool2dForward;
  maxPool2dBackward: typeof maxPool2dBackward;
  reluForward: typeof reluForward;
  reluBackward: typeof reluBackward;
  adamUpdate: typeof adamUpdate;
  fakeQuantForward: typeof fakeQuantForward;
  fakeQuantBackward: typeof fakeQuantBackward;
  /** minMaxOf over backend storage (the WASM backend takes only its own arrays). */
  minMaxOf(x: Float32Array, n: number): { min: number; max: number };
}

export const referenceBackend: EngineBackend = {
  name: 'ts-reference',
  alloc: (n) => new Float32Array(n),
  conv2dForward,
  conv2dBackward,
  denseForward,
  denseBackward,
  maxPool2dForward,
  maxPool2dBackward,
  reluForward,
  reluBackward,
  adamUpdate,
  fakeQuantForward,
  fakeQuantBackward,
  minMaxOf,
};
