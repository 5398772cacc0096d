// topiary quantize: quantization-aware fine-tuning (QAT; PQAT when the model is pruned).
import { pruningSummary } from '../../prune/index.js';
import { SEED_BASELINE } from '../../recipes/baseline.js';
import { fineTuneQat } from '../../recipes/qat.js';
import { loadFloatCheckpoint, saveQatCheckpoint } from '../checkpoints.js';
import { defineCommand } from '../command.js';
import { batchSizeFlag, dataFlag, epochsFlag, learningRateFlag, modelArg, quietFlag, seedFlag } from '../common_flags.js';
import { count, describeData, loadSplit, percent, plural } from '../data.js';
import { checkOutPath, progressSink, writing } from '../output.js';
import { qatRecipe } from '../recipes.js';

export const quantize = defineCommand({
  name: 'quantize',
  summary: "fine-tune with int8 fake quantization (QAT; PQAT keeps a pruned model's zeros)",
  flags: {
    model: { ...modelArg, description: 'the float or pruned checkpoint to fine-tune, from topiary train or prune' },
    data: dataFlag,
    epochs: { ...epochsFlag, defaultText: "the recipe's, 1" },
    batchSize: batchSizeFlag,
    learningRate: { ...learningRateFlag, defaultText: "the recipe's, 0.0001" },
    denseWeights: {
      type: 'choice',
      choices: ['per-tensor', 'per-channel'],
      defaultText: "per-tensor, tfmot's default 8-bit scheme",
      description: 'Dense kernels with one int8 scale, or one per output unit (Conv2D kernels are always per channel)',
    },
    seed: seedFlag,
    out: { type: 'string', required: true, placeholder: 'FILE', description: 'where to write the QAT checkpoint; its activation ranges go beside it (q.ckpt -> q.ranges.json)' },
    quiet: quietFlag,
  },
  details: [
    "Kernels' exact zeros stay zero (PQAT), so a pruned checkpoint stays pruned. The accuracy printed for int8 is the integer model's, the numbers the runtime computes after topiary convert.",
    'Post-training quantization needs no fine-tuning: use topiary convert --quantize dynamic|int8 instead.',
    'Example: topiary quantize pruned.ckpt --out pruned-qat.ckpt',
  ],
  run(flags, io) {
    checkOutPath(flags.out);
    const recipe = qatRecipe(flags);
    const source = loadFloatCheckpoint(flags.model, 'topiary quantize');
    const trainSet = loadSplit('train', flags.data);
    const test = loadSplit('test', flags.data);
    const zeros = pruningSummary(source).total;
    const kind = zeros.nonzeros < zeros.size ? `PQAT (keeping the ${percent(zeros.sparsity)} zeros of the kernels)` : 'QAT';
    io.stdout(`${kind} on ${describeData(trainSet, flags.data)}: ${plural(recipe.epochs, 'epoch')}, batch ${recipe.batchSize}, Adam ${recipe.learningRate}, seed ${recipe.seed}\n`);
    const before = source.evaluate(test).accuracy;
    const { model } = fineTuneQat(source, trainSet, recipe, { validationSplit: SEED_BASELINE.validationSplit, backend: source.backend, progress: progressSink(io, flags.quiet) });
    const fakeQuant = model.evaluate(test).accuracy;
    model.evaluation = 'integer';
    const int8 = model.evaluate(test).accuracy;
    model.evaluation = 'fake_quant';
    const ranges = writing(flags.out, () => saveQatCheckpoint(model, flags.out));
    const after = pruningSummary(model).total;
    if (zeros.nonzeros < zeros.size) io.stdout(`kernel sparsity ${percent(after.sparsity)} (${count(after.nonzeros)} of ${count(after.size)} weights nonzero)\n`);
    io.stdout(`test accuracy on ${count(test.count)} samples: ${percent(int8)} int8, ${percent(fakeQuant)} fake-quant float (before QAT ${percent(before)})\n`);
    io.stdout(`wrote ${flags.out} and ${ranges}\n`);
  },
});
