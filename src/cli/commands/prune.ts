// topiary prune: magnitude pruning during fine-tuning (tfmot prune_low_magnitude), then strip.
import type { Dataset } from '../../data/dataset.js';
import { defaultEngineBackend } from '../../engine/backend_default.js';
import { ConfigError } from '../../errors.js';
import { saveCheckpoint } from '../../model/checkpoint.js';
import type { Sequential } from '../../model/sequential.js';
import { formatSparsityReport, pruningSummary } from '../../prune/index.js';
import { SEED_BASELINE, trainBaseline } from '../../recipes/baseline.js';
import { fineTunePruned } from '../../recipes/pruned.js';
import { loadFloatCheckpoint } from '../checkpoints.js';
import { defineCommand, type CliIo } from '../command.js';
import { batchSizeFlag, cacheDirFlag, dataFlag, epochsFlag, freshFlag, learningRateFlag, quietFlag, seedFlag } from '../common_flags.js';
import { describeData, loadSplit, percent, plural } from '../data.js';
import { checkOutPath, progressSink, writing } from '../output.js';
import { checkScheduleFits, layersToPrune, maskOptions, PATTERNS, pruneRecipe } from '../recipes.js';

const fraction = { type: 'number', min: 0, max: 1, maxExclusive: true, placeholder: 'F' } as const;

export const prune = defineCommand({
  name: 'prune',
  summary: 'fine-tune a checkpoint while zeroing its smallest weights; save the pruned checkpoint',
  flags: {
    model: { type: 'string', positional: true, placeholder: 'MODEL', defaultText: 'the baseline recipe, trained or from the cache', description: 'the float checkpoint to prune, from topiary train' },
    data: dataFlag,
    sparsity: { ...fraction, defaultText: "0.8, the tfmot tutorial's", description: 'final fraction of zero weights in each pruned kernel; biases are never pruned' },
    initialSparsity: { ...fraction, defaultText: "0.5, the tfmot tutorial's", description: 'sparsity of the first mask update; PolynomialDecay (power 3) ramps it to --sparsity' },
    scheduleEnd: { type: 'number', min: 0, minExclusive: true, max: 1, placeholder: 'F', defaultText: "the recipe's, 0.4", description: "where the ramp reaches --sparsity, as a fraction of the fine-tune's steps; the rest fine-tunes the final mask" },
    frequency: { type: 'number', integer: true, min: 1, placeholder: 'N', defaultText: "100, tfmot's", description: 'training steps between mask updates' },
    pattern: {
      type: 'choice',
      choices: PATTERNS,
      default: 'unstructured',
      description: 'which weights may be zeroed: any, whole 1x4 or 4x1 blocks (2-D kernels only), or 2 of every 4 input channels (sparsity fixed at 50%)',
    },
    layers: { type: 'string', placeholder: 'A,B', defaultText: 'every Conv2D and Dense layer the pattern fits', description: 'names of the layers to prune, e.g. dense or conv2d,dense' },
    maskGradients: { type: 'boolean', description: "also zero the pruned weights' gradients and Adam moments (beyond tfmot)" },
    epochs: epochsFlag,
    batchSize: batchSizeFlag,
    learningRate: learningRateFlag,
    seed: seedFlag,
    out: { type: 'string', required: true, placeholder: 'FILE', description: 'where to write the pruned checkpoint' },
    fresh: { ...freshFlag, description: 'without MODEL: retrain the baseline even when the cache has it' },
    cacheDir: cacheDirFlag,
    quiet: quietFlag,
  },
  details: [
    "The recipe is src/recipes/pruned.ts's: 40 epochs with ±1-pixel shifts, the ramp over the first 40% of the steps, the rate stepped down over the last 15 epochs; --epochs keeps those proportions.",
    'Example: topiary prune baseline.ckpt --sparsity 0.8 --epochs 10 --out pruned.ckpt',
  ],
  check(flags) {
    if (flags.initialSparsity !== undefined && flags.sparsity !== undefined && flags.initialSparsity > flags.sparsity) {
      throw new ConfigError('FLAG_CONFLICT', `topiary prune: --initial-sparsity ${flags.initialSparsity} is above --sparsity ${flags.sparsity}; the schedule only adds zeros, so start lower`);
    }
    if (flags.pattern === '2:4' && (flags.sparsity !== undefined || flags.initialSparsity !== undefined)) {
      throw new ConfigError('FLAG_CONFLICT', 'topiary prune: --pattern 2:4 fixes the sparsity at 50% from the first step; drop --sparsity and --initial-sparsity');
    }
  },
  run(flags, io) {
    checkOutPath(flags.out);
    const recipe = pruneRecipe(flags);
    const trainSet = loadSplit('train', flags.data);
    const test = loadSplit('test', flags.data);
    const baseline = flags.model !== undefined ? loadFloatCheckpoint(flags.model, 'topiary prune') : cachedBaseline(trainSet, flags, io);
    checkScheduleFits(recipe, trainSet.count, SEED_BASELINE.validationSplit);
    const { layers, skipped } = layersToPrune(baseline, flags.pattern, flags.layers);
    for (const note of skipped) io.stdout(`note: ${note}\n`);
    const before = baseline.evaluate(test).accuracy;
    const target = flags.pattern === '2:4' ? '2:4 (50%)' : `${percent(recipe.finalSparsity)} (${flags.pattern})`;
    io.stdout(`pruning to ${target} while fine-tuning on ${describeData(trainSet, flags.data)}: ${plural(recipe.epochs, 'epoch')}, batch ${recipe.batchSize}, seed ${recipe.seed}\n`);
    const { model } = fineTunePruned(baseline, trainSet, recipe, {
      validationSplit: SEED_BASELINE.validationSplit,
      progress: progressSink(io, flags.quiet),
      pattern: { ...maskOptions(flags.pattern), layers },
    });
    const after = model.evaluate(test).accuracy;
    writing(flags.out, () => saveCheckpoint(model, flags.out));
    io.stdout(`${formatSparsityReport(pruningSummary(model))}\n`);
    io.stdout(`test accuracy ${percent(after)} (before pruning ${percent(before)}) on ${test.count.toLocaleString('en-US')} samples\nwrote ${flags.out}\n`);
  },
});

/** The default baseline, from the cache when it was trained before (as npm run bench does). */
function cachedBaseline(trainSet: Dataset, flags: { data?: string; fresh: boolean; cacheDir: string; quiet: boolean }, io: CliIo): Sequential {
  io.stdout(`no MODEL given: the baseline recipe on ${describeData(trainSet, flags.data)}\n`);
  const { model, cached } = trainBaseline(trainSet, SEED_BASELINE, { backend: defaultEngineBackend(), dir: flags.cacheDir, fresh: flags.fresh, progress: progressSink(io, flags.quiet) });
  if (cached) io.stdout(`baseline from the cache in ${flags.cacheDir} (--fresh retrains)\n`);
  return model;
}
