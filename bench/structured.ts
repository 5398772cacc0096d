// Structured pruning for the bench's extra rows, cached on disk like src/recipes: the baseline fine-tuned
// with the seed's pruning recipe under a block or m:n pattern, and the QAT fine-tune of the result.
// Only the Dense kernel takes the pattern: blocks need a rank-2 kernel, and 2:4 groups input channels,
// of which the first Conv2D has one. The 108-weight conv stays dense; the Dense kernel holds 99.5% of
// the weights.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/atomic_write.js';
import type { Dataset } from '../src/data/dataset.js';
import type { EngineBackend } from '../src/engine/backend.js';
import type { ProgressSink } from '../src/model/progress.js';
import { cloneModel, type Sequential } from '../src/model/sequential.js';
import { fit } from '../src/model/train.js';
import { pruneLowMagnitude, stripPruning, updatePruningStep, type PruneLowMagnitudeOptions } from '../src/prune/wrap.js';
import { qatState, quantizeModel, restoreQatState, type QatModel, type QatState } from '../src/quant/qat.js';
import { learningRateSchedule, shiftAugment, type BaselineRecipe } from '../src/recipes/baseline.js';
import { cachedModel, cacheKey } from '../src/recipes/cache.js';
import { pruneSchedule, type PruneRecipe } from '../src/recipes/pruned.js';
import { fineTuneQat, type QatRecipe } from '../src/recipes/qat.js';

/** Which weights a structured recipe may zero, and where. */
export type Pattern = Pick<PruneLowMagnitudeOptions, 'blockSize' | 'blockPooling' | 'sparsityMByN' | 'layers'>;

/** 4x1 blocks of the Dense kernel [in, out]: four consecutive inputs of one output kept or dropped together. */
export const BLOCK_4X1: Pattern = { blockSize: [4, 1], blockPooling: 'AVG', layers: ['dense'] };
/** 2:4 along the Dense kernel's inputs (the conv's single input channel cannot be grouped). */
export const M2_OF_4: Pattern = { sparsityMByN: [2, 4], layers: ['dense'] };

export interface StructuredOptions {
  baseline: BaselineRecipe;
  backend: EngineBackend;
  dir?: string;
  fresh?: boolean;
  progress?: ProgressSink | null;
}

/** `baseline` pruned by `recipe` under `pattern` and stripped; cached by everything that determines it. */
export function trainStructured(train: Dataset, baseline: Sequential, recipe: PruneRecipe, pattern: Pattern, o: StructuredOptions): { model: Sequential; cached: boolean } {
  const key = cacheKey({ recipe, pattern, validationSplit: o.baseline.validationSplit, baseline: digest(baseline.store.values), data: digest(train.images, train.labels), backend: o.backend.name });
  return cachedModel('pruned-structured', key, () => cloneModel(baseline), () => {
    const validationSplit = o.baseline.validationSplit;
    const totalSteps = recipe.epochs * Math.ceil(Math.floor(train.count * (1 - validationSplit)) / recipe.batchSize);
    const wrapped = pruneLowMagnitude(baseline, { ...pattern, schedule: pruneSchedule(recipe, totalSteps), maskGradients: recipe.maskGradients });
    wrapped.compile({ learningRate: recipe.learningRate });
    fit(wrapped, train, {
      epochs: recipe.epochs, batchSize: recipe.batchSize, validationSplit, seed: recipe.seed, progress: o.progress ?? null,
      learningRate: learningRateSchedule({ ...o.baseline, epochs: recipe.epochs, learningRate: recipe.learningRate, decayEpochs: recipe.decayEpochs, finalLearningRate: recipe.finalLearningRate }),
      callbacks: [updatePruningStep()], augment: shiftAugment(train, recipe.augmentShift),
    });
    return stripPruning(wrapped);
  }, { dir: o.dir, fresh: o.fresh });
}

/** The QAT fine-tune of any float `source` (sparsity kept), cached as trainQat caches: weights + ranges JSON. */
export function trainQatOf(train: Dataset, source: Sequential, recipe: QatRecipe, o: StructuredOptions): { model: QatModel; cached: boolean } {
  const key = cacheKey({ recipe, validationSplit: o.baseline.validationSplit, source: digest(source.store.values), data: digest(train.images, train.labels), backend: o.backend.name });
  const dir = o.dir ?? join(process.cwd(), '.cache', 'topiary');
  const rangesPath = join(dir, `qat-of-${key}.ranges.json`);
  const shell = () => quantizeModel(source, { initFromFirstBatch: recipe.initFromFirstBatch, denseWeights: recipe.denseWeights, backend: o.backend });
  const { model, cached } = cachedModel('qat-of', key, shell, () => fineTuneQat(source, train, recipe, { validationSplit: o.baseline.validationSplit, backend: o.backend, progress: o.progress }).model, {
    dir, fresh: o.fresh || !existsSync(rangesPath), // weights without their ranges are no QAT model
  });
  const qat = model as QatModel;
  if (cached) restoreQatState(qat, JSON.parse(readFileSync(rangesPath, 'utf8')) as QatState);
  else writeFileAtomic(rangesPath, JSON.stringify(qatState(qat)));
  return { model: qat, cached };
}

function digest(...arrays: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 16);
}
