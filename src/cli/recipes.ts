// Flags -> the recipes' config objects. Nothing below the CLI reads a flag: each command starts from a
// recipe (src/recipes) and replaces only the fields a flag was given for.
import { ConfigError, TopiaryError } from '../errors.js';
import type { Sequential } from '../model/sequential.js';
import { validateMaskOptions, type MaskOptions } from '../prune/mask.js';
import { PLAIN_BASELINE, SEED_BASELINE, type BaselineRecipe } from '../recipes/baseline.js';
import { pruningRecipe, type PruneRecipe } from '../recipes/pruned.js';
import { SEED_QAT, type QatRecipe } from '../recipes/qat.js';

interface TrainFlags {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
}

/**
 * The rate schedule keeps its shape when --epochs or --learning-rate change it: the decay covers the
 * same fraction of the epochs (rounded) and ends at the same fraction of the starting rate.
 */
function withTraining<R extends { epochs: number; batchSize: number; learningRate: number; decayEpochs: number; finalLearningRate: number; seed: number }>(base: R, f: TrainFlags): R {
  const epochs = f.epochs ?? base.epochs;
  const learningRate = f.learningRate ?? base.learningRate;
  return {
    ...base,
    epochs,
    batchSize: f.batchSize ?? base.batchSize,
    seed: f.seed ?? base.seed,
    learningRate,
    finalLearningRate: base.finalLearningRate * (learningRate / base.learningRate),
    decayEpochs: epochs === base.epochs ? base.decayEpochs : Math.round((base.decayEpochs * epochs) / base.epochs),
  };
}

/** topiary train: SEED_BASELINE (shifts + rate decay), or PLAIN_BASELINE with --plain. */
export function baselineRecipe(f: TrainFlags & { plain: boolean; validationSplit?: number }): BaselineRecipe {
  const base = f.plain ? PLAIN_BASELINE : SEED_BASELINE;
  return { ...withTraining(base, f), validationSplit: f.validationSplit ?? base.validationSplit };
}

/** topiary prune: pruningRecipe(--sparsity) with the flags' changes. */
export function pruneRecipe(f: TrainFlags & { sparsity?: number; initialSparsity?: number; scheduleEnd?: number; frequency?: number; maskGradients: boolean }): PruneRecipe {
  const base = pruningRecipe(f.sparsity ?? 0.8);
  return {
    ...withTraining(base, f),
    initialSparsity: f.initialSparsity ?? base.initialSparsity,
    scheduleEnd: f.scheduleEnd ?? base.scheduleEnd,
    frequency: f.frequency ?? base.frequency,
    maskGradients: f.maskGradients || base.maskGradients,
  };
}

/** topiary quantize: SEED_QAT with the flags' changes. */
export function qatRecipe(f: TrainFlags & { denseWeights?: 'per-tensor' | 'per-channel' }): QatRecipe {
  const denseWeights = f.denseWeights === undefined ? SEED_QAT.denseWeights : f.denseWeights === 'per-channel' ? 'per_channel' : 'per_tensor';
  return { ...SEED_QAT, epochs: f.epochs ?? SEED_QAT.epochs, batchSize: f.batchSize ?? SEED_QAT.batchSize, learningRate: f.learningRate ?? SEED_QAT.learningRate, seed: f.seed ?? SEED_QAT.seed, denseWeights };
}

export const PATTERNS = ['unstructured', '1x4', '4x1', '2:4'] as const;
export type Pattern = (typeof PATTERNS)[number];

export function maskOptions(pattern: Pattern): MaskOptions {
  switch (pattern) {
    case 'unstructured': return {};
    case '1x4': return { blockSize: [1, 4] };
    case '4x1': return { blockSize: [4, 1] };
    case '2:4': return { sparsityMByN: [2, 4] };
  }
}

/**
 * The layers to prune: --layers as given (checked by pruneLowMagnitude), else every Conv2D and Dense
 * layer whose kernel can take the pattern (blocks need a 2-D kernel; 2:4 needs 4 input channels).
 * `skipped` says which kernels stay dense and why.
 */
export function layersToPrune(model: Sequential, pattern: Pattern, named: string | undefined): { layers?: string[]; skipped: string[] } {
  const options = maskOptions(pattern);
  const prunable = model.layers.filter((l) => l.config.type === 'conv2d' || l.config.type === 'dense');
  const unfit = (l: Sequential['layers'][number]): string | undefined => {
    const kernel = l.param('kernel');
    try {
      validateMaskOptions(kernel.shape, options, `${l.name}/kernel`);
      return undefined;
    } catch (e) {
      if (!(e instanceof TopiaryError)) throw e;
      return `${l.name}/kernel [${kernel.shape.join('x')}] ${pattern === '2:4' ? 'has fewer than the 4 input channels of a 2:4 group' : `is not 2-D, as ${pattern} blocks need`}`;
    }
  };
  if (named !== undefined) {
    const layers = [...new Set(named.split(',').map((s) => s.trim()).filter(Boolean))];
    for (const name of layers) {
      const layer = prunable.find((l) => l.name === name);
      if (!layer) throw new ConfigError('PRUNE_LAYERS', `--layers: the model has no Conv2D or Dense layer '${name}'; its prunable layers are ${prunable.map((l) => l.name).join(', ')}`);
      const why = unfit(layer);
      if (why) throw new ConfigError('PRUNE_PATTERN', `--layers ${name}: ${why}; leave it out or use another --pattern`);
    }
    if (layers.length === 0) throw new ConfigError('PRUNE_LAYERS', `--layers names no layer; give some of ${prunable.map((l) => l.name).join(', ')}`);
    return { layers, skipped: [] };
  }
  const layers: string[] = [];
  const skipped: string[] = [];
  for (const l of prunable) {
    const why = unfit(l);
    if (why) skipped.push(`${why}: it stays dense`);
    else layers.push(l.name);
  }
  if (layers.length === 0) {
    throw new ConfigError('PRUNE_PATTERN', `--pattern ${pattern} fits no layer of this model (${skipped.join('; ')}); use --pattern unstructured`);
  }
  return { layers: skipped.length ? layers : undefined, skipped };
}

/**
 * Throws, in flag terms, when the fine-tune is too short for its schedule: the ramp must reach at
 * least one mask update (src/recipes/pruned.ts pruneSchedule rounds its end down to --frequency).
 */
export function checkScheduleFits(recipe: PruneRecipe, trainCount: number, validationSplit: number): void {
  const steps = recipe.epochs * Math.ceil(Math.floor(trainCount * (1 - validationSplit)) / recipe.batchSize);
  const rampEnd = Math.floor(recipe.scheduleEnd * steps);
  if (rampEnd < recipe.frequency) {
    throw new ConfigError('PRUNE_SCHEDULE', `the fine-tune has ${steps} steps and the ramp ends at step ${rampEnd} (--schedule-end ${recipe.scheduleEnd}), before the first mask update at step ${recipe.frequency} (--frequency); lower --frequency or raise --epochs or --schedule-end`);
  }
}
