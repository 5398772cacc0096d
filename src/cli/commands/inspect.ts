// topiary inspect: what is inside a model file.
import { defineCommand } from '../command.js';
import { modelArg } from '../common_flags.js';
import { formatInspect, inspectModel, readModelBytes } from '../inspect_model.js';

export const inspect = defineCommand({
  name: 'inspect',
  summary: "show a model file's ops, tensor encodings, sizes, sparsity and quantization",
  flags: {
    model: { ...modelArg, description: 'the model file to describe, from topiary convert' },
    json: { type: 'boolean', description: 'print the report as JSON (every per-channel scale included)' },
  },
  details: ['Example: topiary inspect bench/results/models/pruned-qat-lite.tpy'],
  run(flags, io) {
    const report = inspectModel(readModelBytes(flags.model), flags.model);
    io.stdout(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatInspect(report));
  },
});
