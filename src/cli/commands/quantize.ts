// topiary quantize: quantization-aware fine-tuning (QAT; PQAT when the model is pruned).
import { defineCommand, notAvailableYet } from '../command.js';
import { batchSizeFlag, dataFlag, epochsFlag, learningRateFlag, modelArg, seedFlag } from '../common_flags.js';

export const quantize = defineCommand({
  name: 'quantize',
  summary: "fine-tune with int8 fake quantization (QAT; PQAT keeps a pruned model's zeros)",
  flags: {
    model: { ...modelArg, description: 'the float or pruned checkpoint to fine-tune' },
    data: dataFlag,
    preserveSparsity: {
      type: 'choice',
      choices: ['auto', 'never'],
      default: 'auto',
      description: 'auto: keep the zeros of a pruned model (PQAT); never: plain QAT, which may fill them in',
    },
    epochs: epochsFlag,
    batchSize: batchSizeFlag,
    learningRate: learningRateFlag,
    seed: seedFlag,
    out: { type: 'string', required: true, placeholder: 'FILE', description: 'where to write the QAT checkpoint: weights and activation ranges' },
  },
  details: [
    'Post-training quantization needs no fine-tuning: use topiary convert --quantize dynamic|int8 instead.',
    'Example: topiary quantize pruned.ckpt --epochs 1 --out pruned-qat.ckpt',
  ],
  run() {
    notAvailableYet('quantize', 'QAT wired to the training engine (src/quant, src/model)');
  },
});
