// topiary inspect: what is inside a model file.
import { defineCommand, notAvailableYet } from '../command.js';
import { modelArg } from '../common_flags.js';

export const inspect = defineCommand({
  name: 'inspect',
  summary: "show a model file's ops, tensor encodings, sizes, sparsity and quantization",
  flags: {
    model: { ...modelArg, description: 'the model file to describe, from topiary convert' },
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  details: ['Example: topiary inspect bench/results/models/pruned-qat-lite.tpy'],
  run() {
    notAvailableYet('inspect', 'the model format reader (src/format)');
  },
});
