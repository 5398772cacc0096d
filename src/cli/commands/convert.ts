// topiary convert: a checkpoint -> the compact binary model the runtime loads.
import { defineCommand, notAvailableYet } from '../command.js';
import { dataFlag, modelArg } from '../common_flags.js';

export const convert = defineCommand({
  name: 'convert',
  summary: 'convert a checkpoint into a compact model file for the WASM runtime',
  flags: {
    model: { ...modelArg, description: 'the checkpoint to convert: float, pruned or QAT' },
    out: { type: 'string', required: true, placeholder: 'FILE', description: 'where to write the model file' },
    quantize: {
      type: 'choice',
      choices: ['none', 'dynamic', 'int8'],
      defaultText: 'int8 for a QAT checkpoint, none otherwise',
      description: 'none: f32; dynamic: int8 weights, f32 activations; int8: int8 weights and activations, ranges from QAT or calibration',
    },
    sparse: {
      type: 'choice',
      choices: ['auto', 'never'],
      default: 'auto',
      description: 'auto: store and run each weight tensor sparse when that is smaller; never: always dense',
    },
    data: { ...dataFlag, defaultText: 'the mnist package', description: 'IDX folder whose training images calibrate --quantize int8 of a float checkpoint' },
    calibrationSamples: {
      type: 'number',
      integer: true,
      min: 1,
      placeholder: 'N',
      defaultText: "the converter's",
      description: 'training images that calibrate activation ranges for --quantize int8 of a float checkpoint',
    },
  },
  details: ['Example: topiary convert pruned-qat.ckpt --out model.tpy'],
  run() {
    notAvailableYet('convert', 'the converter and the model format (src/convert, src/format)');
  },
});
