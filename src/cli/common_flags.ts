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
  placeholder: 'N',
  defaultText: "the recipe's, 32",
  description: 'samples per training step',
} as const satisfies FlagSpec;

export const learningRateFlag = {
  type: 'number',
  min: 0,
  minExclusive: true,
  placeholder: 'X',
  defaultText: "the recipe's",
  description: "Adam's starting learning rate; a recipe's decay keeps its ratio to it",
} as const satisfies FlagSpec;

export const freshFlag = {
  type: 'boolean',
  description: 'retrain even when the cache holds a model trained with the same recipe, seed and data',
} as const satisfies FlagSpec;

export const cacheDirFlag = {
  type: 'string',
  default: '.cache/topiary',
  placeholder: 'DIR',
  description: 'where trained models are cached, keyed by recipe, seed and data; npm run bench uses the same',
} as const satisfies FlagSpec;

export const quietFlag = {
  type: 'boolean',
  description: 'no per-epoch progress, only the results',
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
