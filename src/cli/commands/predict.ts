// topiary predict: run a model file in the WASM runtime on the test split or on IDX files.
import { ConfigError } from '../../errors.js';
import { defineCommand, notAvailableYet } from '../command.js';
import { batchSizeFlag, dataFlag, modelArg, threadsFlag } from '../common_flags.js';

export const predict = defineCommand({
  name: 'predict',
  summary: 'classify the test split (or IDX files) with a model file and report accuracy',
  flags: {
    model: { ...modelArg, description: 'the model file to run, from topiary convert' },
    data: { ...dataFlag, description: 'classify the t10k-* test files in DIR instead of the mnist package test split' },
    images: { type: 'string', placeholder: 'FILE', description: 'classify this idx3-ubyte[.gz] image file instead (with --labels)' },
    labels: { type: 'string', placeholder: 'FILE', description: 'the idx1-ubyte[.gz] labels of --images, for the accuracy' },
    batchSize: { ...batchSizeFlag, description: 'samples per runtime call' },
    threads: { ...threadsFlag, default: 1 },
    scalar: { type: 'boolean', description: 'use the scalar WASM build instead of SIMD (to compare them)' },
    out: { type: 'string', placeholder: 'FILE', description: 'also write the predicted classes as JSON to FILE' },
  },
  details: ['Example: topiary predict model.tpy --data /usr/share/datasets/fashion-mnist --threads 2'],
  check(flags) {
    if (flags.data !== undefined && flags.images !== undefined) {
      throw new ConfigError('FLAG_CONFLICT', 'topiary predict: give either --data DIR or --images FILE, not both');
    }
    if ((flags.images === undefined) !== (flags.labels === undefined)) {
      const missing = flags.images === undefined ? '--images' : '--labels';
      throw new ConfigError('FLAG_CONFLICT', `topiary predict: --images and --labels go together; add ${missing} FILE`);
    }
  },
  run() {
    notAvailableYet('predict', 'the WASM runtime (src/runtime)');
  },
});
