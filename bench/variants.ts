// The bench's rows as data, in table order: which trained model each starts from (bench/models.ts) and
// how it runs. Engine rows run the engine's own predict (the seed ran Keras' predict); lite rows are
// converted to a model file (src/convert) and run in the runtime (src/runtime).
import type { Precision } from './report/results.js';
import { percentOf, type ModelId, type Recipes } from './models.js';

/** How a lite row converts its model: f32, dynamic range, PTQ int8 (calibrated) or a QAT model's own int8. */
export type Conversion = 'f32' | 'dynamic' | 'ptq-int8' | 'qat-int8';

export interface Variant {
  /** Stable id: the key in latest.json and the model file's name. */
  id: string;
  /** Row label. */
  name: string;
  precision: Precision;
  /** The trained model it is made from. */
  model: ModelId;
  /** 'engine': the engine predicts with the trained model; else converted this way and run in the runtime. */
  run: 'engine' | Conversion;
}

const SEED_ROWS: Variant[] = [
  { id: 'baseline', name: 'baseline', precision: 'f32', model: 'baseline', run: 'engine' },
  { id: 'pruned', name: 'pruned', precision: 'f32', model: 'pruned', run: 'engine' },
  { id: 'qat', name: 'QAT', precision: 'f32', model: 'qat', run: 'engine' },
  { id: 'pruned-lite', name: 'pruned + lite', precision: 'f32', model: 'pruned', run: 'f32' },
  { id: 'qat-lite', name: 'QAT + lite', precision: 'int8', model: 'qat', run: 'qat-int8' },
  { id: 'pruned-qat-lite', name: 'pruned + QAT + lite', precision: 'int8', model: 'pqat', run: 'qat-int8' },
  { id: 'baseline-lite', name: 'baseline + lite (f32)', precision: 'f32', model: 'baseline', run: 'f32' },
  { id: 'ptq-dynamic-lite', name: 'post-training dynamic + lite', precision: 'dynamic', model: 'baseline', run: 'dynamic' },
  { id: 'ptq-int8-lite', name: 'post-training int8 + lite', precision: 'int8', model: 'baseline', run: 'ptq-int8' },
  { id: 'pruned-block-qat-lite', name: 'pruned 4x1 blocks + QAT + lite', precision: 'int8', model: 'block-pqat', run: 'qat-int8' },
  { id: 'pruned-2x4-qat-lite', name: 'pruned 2:4 + QAT + lite', precision: 'int8', model: '2x4-pqat', run: 'qat-int8' },
];

/** Every row of a run: the seed's rows, the structured ones, then one pruned + QAT + lite row per trade-off sparsity. */
export function variantsFor(recipes: Recipes): Variant[] {
  const tradeoff = recipes.tradeoff.map((p): Variant => {
    const pct = percentOf(p);
    return { id: `pruned-${pct}-qat-lite`, name: `pruned ${pct}% + QAT + lite`, precision: 'int8', model: `pqat-${pct}`, run: 'qat-int8' };
  });
  return [...SEED_ROWS, ...tradeoff];
}

/** PTQ int8 calibrates on this many training digits (TFLite's guide: a few hundred representative samples). */
export const CALIBRATION_SAMPLES = 500;
