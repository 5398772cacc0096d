// topiary prune: magnitude pruning during fine-tuning (tfmot prune_low_magnitude), then strip.
import { ConfigError } from '../../errors.js';
import { defineCommand, notAvailableYet } from '../command.js';
import { batchSizeFlag, dataFlag, epochsFlag, learningRateFlag, modelArg, seedFlag } from '../common_flags.js';

export const prune = defineCommand({
  name: 'prune',
  summary: 'fine-tune a checkpoint while zeroing its smallest weights; save the pruned checkpoint',
  flags: {
    model: { ...modelArg, description: 'the float checkpoint to prune, from topiary train' },
    data: dataFlag,
    sparsity: {
      type: 'number',
      min: 0,
      max: 1,
      maxExclusive: true,
      placeholder: 'F',
      defaultText: "0.8, the tfmot tutorial's",
      description: 'final fraction of zero weights in each kernel; biases are never pruned',
    },
    initialSparsity: {
      type: 'number',
      min: 0,
      max: 1,
      maxExclusive: true,
      placeholder: 'F',
      defaultText: "0.5, the tfmot tutorial's",
      description: 'sparsity at the start of the polynomial-decay schedule',
    },
    schedule: {
      type: 'choice',
      choices: ['polynomial', 'constant'],
      default: 'polynomial',
      description: 'PolynomialDecay (power 3) from --initial-sparsity to --sparsity, or ConstantSparsity at --sparsity',
    },
    frequency: {
      type: 'number',
      integer: true,
      min: 1,
      default: 100, // tfmot's default pruning frequency
      placeholder: 'N',
      description: 'steps between mask updates',
    },
    pattern: {
      type: 'choice',
      choices: ['unstructured', '1x4', '4x1', '2:4'],
      default: 'unstructured',
      description: 'which weights may be zeroed: any, whole 1x4 or 4x1 blocks, or 2 of every 4 inputs',
    },
    maskGradients: {
      type: 'boolean',
      description: "also zero the pruned weights' gradients and Adam moments (beyond tfmot)",
    },
    epochs: epochsFlag,
    batchSize: batchSizeFlag,
    learningRate: learningRateFlag,
    seed: seedFlag,
    out: { type: 'string', required: true, placeholder: 'FILE', description: 'where to write the pruned checkpoint' },
  },
  details: ['Example: topiary prune baseline.ckpt --sparsity 0.8 --epochs 2 --out pruned.ckpt'],
  check(flags) {
    if (flags.schedule === 'constant' && flags.initialSparsity !== undefined) {
      throw new ConfigError('FLAG_CONFLICT', 'topiary prune: --initial-sparsity only applies to --schedule polynomial; drop it or use the polynomial schedule');
    }
    if (flags.initialSparsity !== undefined && flags.sparsity !== undefined && flags.initialSparsity > flags.sparsity) {
      throw new ConfigError('FLAG_CONFLICT', `topiary prune: --initial-sparsity ${flags.initialSparsity} is above --sparsity ${flags.sparsity}; the schedule only adds zeros, so start lower`);
    }
  },
  run() {
    notAvailableYet('prune', 'pruning wired to the training engine (src/prune, src/model)');
  },
});
