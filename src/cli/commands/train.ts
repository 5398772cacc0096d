// topiary train: the float model from scratch; writes a checkpoint.
import { defineCommand, notAvailableYet } from '../command.js';
import { batchSizeFlag, dataFlag, epochsFlag, learningRateFlag, seedFlag } from '../common_flags.js';

export const train = defineCommand({
  name: 'train',
  summary: 'train the baseline CNN from scratch and save a float checkpoint',
  flags: {
    data: dataFlag,
    epochs: epochsFlag,
    batchSize: batchSizeFlag,
    learningRate: learningRateFlag,
    validationSplit: {
      type: 'number',
      min: 0,
      max: 1,
      maxExclusive: true,
      default: 0.1,
      placeholder: 'F',
      description: 'fraction of the training split held out for validation: its last samples, as in Keras',
    },
    seed: seedFlag,
    out: { type: 'string', required: true, placeholder: 'FILE', description: 'where to write the checkpoint' },
    quiet: { type: 'boolean', description: 'print only the final accuracy, no per-epoch progress' },
  },
  details: [
    'Trains on the 7,996 training digits (or the --data train files) and reports accuracy on the test split.',
    'Example: topiary train --epochs 20 --seed 1 --out baseline.ckpt',
  ],
  run() {
    notAvailableYet('train', 'the training engine (src/model)');
  },
});
