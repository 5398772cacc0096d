// Flags several commands share, declared once so they read the same everywhere.
import type { FlagSpec } from './flags.js';

export const dataFlag = {
  type: 'string',
  placeholder: 'DIR',
  description: "read train/test IDX files (train-/t10k-images-idx3-ubyte[.gz] + labels) from DIR instead of the mnist package's 10,000 digits, e.g. /usr/share/datasets/fashion-mnist",
} as const satisfies FlagSpec;

export const seedFlag = {
  type: 'number',
  integer: true,
  min: 0,
  max: 2 ** 32 - 1,
  placeholder: 'N',
  defaultText: "the recipe's",
  description: 'seed of every random choice, initialization and shuffling: the same seed gives the same weights',
} as const satisfies FlagSpec;

export const epochsFlag = {
  type: 'number',
  integer: true,
  min: 1,
  placeholder: 'N',
  defaultText: "the recipe's",
  description: 'passes over the training data',
} as const satisfies FlagSpec;

export const batchSizeFlag = {
  type: 'number',
  integer: true,
  min: 1,
  default: 32, // Keras' default batch size, the seed's recipe
  placeholder: 'N',
  description: 'samples per training step',
} as const satisfies FlagSpec;

export const learningRateFlag = {
  type: 'number',
  min: 0,
  minExclusive: true,
  placeholder: 'X',
  defaultText: '0.001, Keras Adam',
  description: "Adam's learning rate",
} as const satisfies FlagSpec;

export const modelArg = {
  type: 'string',
  positional: true,
  required: true,
  placeholder: 'MODEL',
} as const;

export const threadsFlag = {
  type: 'number',
  integer: true,
  min: 1,
  placeholder: 'N',
  description: 'worker threads that split the batches',
} as const satisfies FlagSpec;
