// topiary train: the baseline CNN from scratch (the recipe in src/recipes/baseline.ts); writes a checkpoint.
import { defaultEngineBackend } from '../../engine/backend_default.js';
import { saveCheckpoint } from '../../model/checkpoint.js';
import { trainBaseline } from '../../recipes/baseline.js';
import { defineCommand } from '../command.js';
import { batchSizeFlag, cacheDirFlag, dataFlag, epochsFlag, freshFlag, learningRateFlag, quietFlag, seedFlag } from '../common_flags.js';
import { count, describeData, loadSplit, percent, plural } from '../data.js';
import { checkOutPath, progressSink, writing } from '../output.js';
import { baselineRecipe } from '../recipes.js';

export const train = defineCommand({
  name: 'train',
  summary: 'train the baseline CNN from scratch and save a float checkpoint',
  flags: {
    data: dataFlag,
    plain: { type: 'boolean', description: "the seed's plain recipe (constant Adam 1e-3, 20 epochs, no augmentation) instead of topiary's (±1-pixel shifts, rate decay, 30 epochs)" },
    epochs: epochsFlag,
    batchSize: batchSizeFlag,
    learningRate: learningRateFlag,
    validationSplit: {
      type: 'number',
      min: 0,
      max: 1,
      maxExclusive: true,
      placeholder: 'F',
      defaultText: "the recipe's, 0.1",
      description: 'fraction of the training split held out for validation: its last samples, as in Keras',
    },
    seed: seedFlag,
    out: { type: 'string', required: true, placeholder: 'FILE', description: 'where to write the checkpoint' },
    fresh: freshFlag,
    cacheDir: cacheDirFlag,
    quiet: quietFlag,
  },
  details: [
    'Trains on the 7,996 training digits of the mnist package (or the --data train files) and reports accuracy on the test split (2,004 digits, or the t10k files).',
    'Example: topiary train --epochs 20 --seed 1 --out baseline.ckpt',
  ],
  run(flags, io) {
    checkOutPath(flags.out);
    const recipe = baselineRecipe(flags);
    const trainSet = loadSplit('train', flags.data);
    const test = loadSplit('test', flags.data);
    io.stdout(`training the baseline on ${describeData(trainSet, flags.data)}: ${plural(recipe.epochs, 'epoch')}, batch ${recipe.batchSize}, seed ${recipe.seed}\n`);
    const { model, history, cached } = trainBaseline(trainSet, recipe, {
      backend: defaultEngineBackend(), dir: flags.cacheDir, fresh: flags.fresh, progress: progressSink(io, flags.quiet),
    });
    if (cached) io.stdout(`trained before with this recipe and data: weights from the cache in ${flags.cacheDir} (--fresh retrains)\n`);
    else if (history) io.stdout(`${count(Math.round(history.samplesPerSecond))} training samples/s\n`);
    const { accuracy } = model.evaluate(test);
    writing(flags.out, () => saveCheckpoint(model, flags.out));
    io.stdout(`test accuracy ${percent(accuracy)} on ${count(test.count)} samples\nwrote ${flags.out}\n`);
  },
});
