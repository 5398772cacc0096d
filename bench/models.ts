// The trained models behind the bench's variants, as a small job table: what each model needs and how it
// is trained (or loaded: every recipe caches on disk, keyed by recipe, seed and data). `Models.get` trains
// on demand, once per run; bench/train_worker.ts runs the same jobs on other threads to fill the cache.
import type { Dataset } from '../src/data/dataset.js';
import { slice } from '../src/data/dataset.js';
import { loadIdxDir } from '../src/data/idx.js';
import { loadMnist } from '../src/data/mnist.js';
import type { EngineBackend } from '../src/engine/backend.js';
import { defaultEngineBackend } from '../src/engine/backend_default.js';
import type { Sequential } from '../src/model/sequential.js';
import { mnistCnn } from '../src/model/mnist_cnn.js';
import { fit } from '../src/model/train.js';
import { PLAIN_BASELINE, SEED_BASELINE, shiftAugment, trainBaseline, type BaselineRecipe } from '../src/recipes/baseline.js';
import { pruningRecipe, SEED_PRUNING, trainPruned, type PruneRecipe } from '../src/recipes/pruned.js';
import { SEED_QAT, trainQat, type QatRecipe } from '../src/recipes/qat.js';
import type { Log } from './progress.js';
import { BLOCK_4X1, M2_OF_4, trainQatOf, trainStructured } from './structured.js';

/** Everything that decides the trained weights; plain data, so a worker thread can rebuild it. */
export interface Recipes {
  /** Training samples used (the first N of the training split), or all. */
  trainCount: number | null;
  /** Test samples used (the first N of the test split), or all. */
  testCount: number | null;
  baseline: BaselineRecipe;
  /** The seed's 80% pruning fine-tune. */
  pruning: PruneRecipe;
  /** The fine-tune of the block and 2:4 rows (their sparsity is set by the pattern or finalSparsity). */
  structured: PruneRecipe;
  qat: QatRecipe;
  /** Pruning recipes of the extra pruned + QAT + lite rows at other final sparsities (the size/accuracy trade-off). */
  tradeoff: PruneRecipe[];
}

/** The seed run (src/recipes) plus the extra rows. */
export function fullRecipes(seed?: number): Recipes {
  return withSeed({ trainCount: null, testCount: null, baseline: SEED_BASELINE, pruning: SEED_PRUNING, structured: SEED_PRUNING, qat: SEED_QAT, tradeoff: [pruningRecipe(0.9), pruningRecipe(0.95)] }, seed);
}

/**
 * --quick: 1,000 training and 512 test digits, a 3-epoch baseline and 3-epoch fine-tunes (mask updates
 * every 10 steps so the schedules fit in 84 steps). Accuracy is far below a full run's; the pipeline is
 * the same.
 */
export function quickRecipes(seed?: number): Recipes {
  const baseline: BaselineRecipe = { ...PLAIN_BASELINE, epochs: 3, augmentShift: 1 };
  const pruning: PruneRecipe = { ...SEED_PRUNING, epochs: 3, decayEpochs: 0, frequency: 10, scheduleEnd: 0.5 };
  return withSeed({ trainCount: 1000, testCount: 512, baseline, pruning, structured: pruning, qat: SEED_QAT, tradeoff: [{ ...pruning, finalSparsity: 0.9 }] }, seed);
}

function withSeed(r: Recipes, seed: number | undefined): Recipes {
  if (seed === undefined) return r;
  return {
    ...r, baseline: { ...r.baseline, seed }, pruning: { ...r.pruning, seed }, structured: { ...r.structured, seed }, qat: { ...r.qat, seed },
    tradeoff: r.tradeoff.map((p) => ({ ...p, seed })),
  };
}

/** A trade-off row's job suffix and label: 0.9 -> 90. */
export const percentOf = (p: PruneRecipe): number => Math.round(p.finalSparsity * 100);

export interface BenchData {
  train: Dataset;
  test: Dataset;
  /** Where the samples came from, for the report. */
  source: string;
  /** What a sample is: 'digits' (the mnist package) or 'images' (IDX files). */
  unit: string;
}

/** The mnist package's split (or IDX files from `dir`), cut to the recipes' sample counts. */
export function loadBenchData(recipes: Recipes, dir?: string): BenchData {
  const split = dir ? loadIdxDir(dir) : loadMnist();
  const first = (d: Dataset, n: number | null) => (n === null || n >= d.count ? d : slice(d, 0, n));
  const train = first(split.train, recipes.trainCount);
  const test = first(split.test, recipes.testCount);
  const count = (n: number) => n.toLocaleString('en-US');
  const unit = dir ? 'images' : 'digits';
  return { train, test, unit, source: `${dir ?? 'mnist package'}: ${count(train.count)} training, ${count(test.count)} test ${unit}` };
}

/** A model id is a job: 'pqat' is the pruned model's QAT fine-tune, 'pqat-90' the same at 90%. */
export type ModelId = string;

interface Job {
  /** Jobs whose models this one starts from. */
  needs: ModelId[];
  /** Epochs of training it costs when not cached (to share jobs among threads). */
  epochs: number;
  train(m: Models, fresh: boolean): { model: Sequential; cached: boolean };
}

/** The job table of a recipe set. */
export function jobTable(r: Recipes): Map<ModelId, Job> {
  const jobs = new Map<ModelId, Job>();
  const o = (m: Models, fresh: boolean, what: string) => ({ backend: m.backend, dir: m.cacheDir, fresh, progress: m.log.training(what) });
  jobs.set('baseline', {
    needs: [], epochs: r.baseline.epochs,
    train(m, fresh) {
      const run = trainBaseline(m.data.train, r.baseline, o(m, fresh, 'baseline'));
      if (run.history) m.trainingSamplesPerSecond = run.history.samplesPerSecond;
      return run;
    },
  });
  jobs.set('pruned', { needs: ['baseline'], epochs: r.pruning.epochs, train: (m, fresh) => trainPruned(m.data.train, r.pruning, { ...o(m, fresh, 'pruned'), baseline: r.baseline }) });
  jobs.set('qat', { needs: ['baseline'], epochs: r.qat.epochs, train: (m, fresh) => trainQat(m.data.train, r.qat, { ...o(m, fresh, 'qat'), baseline: r.baseline, from: 'baseline' }) });
  jobs.set('pqat', { needs: ['pruned'], epochs: r.qat.epochs, train: (m, fresh) => trainQat(m.data.train, r.qat, { ...o(m, fresh, 'pqat'), baseline: r.baseline, pruning: r.pruning, from: 'pruned' }) });
  for (const [id, pattern] of [['block', BLOCK_4X1], ['2x4', M2_OF_4]] as const) {
    jobs.set(id, { needs: ['baseline'], epochs: r.structured.epochs, train: (m, fresh) => trainStructured(m.data.train, m.get('baseline'), r.structured, pattern, { ...o(m, fresh, id), baseline: r.baseline }) });
    jobs.set(`${id}-pqat`, { needs: [id], epochs: r.qat.epochs, train: (m, fresh) => trainQatOf(m.data.train, m.get(id), r.qat, { ...o(m, fresh, `${id}-pqat`), baseline: r.baseline }) });
  }
  for (const pruning of r.tradeoff) {
    const pct = percentOf(pruning);
    jobs.set(`pruned-${pct}`, { needs: ['baseline'], epochs: pruning.epochs, train: (m, fresh) => trainPruned(m.data.train, pruning, { ...o(m, fresh, `pruned-${pct}`), baseline: r.baseline }) });
    jobs.set(`pqat-${pct}`, { needs: [`pruned-${pct}`], epochs: r.qat.epochs, train: (m, fresh) => trainQat(m.data.train, r.qat, { ...o(m, fresh, `pqat-${pct}`), baseline: r.baseline, pruning, from: 'pruned' }) });
  }
  return jobs;
}

export interface ModelsOptions {
  /** Folder of the training cache (default .cache/topiary in the working directory). */
  cacheDir?: string;
  /** Retrain every model this run asks for instead of loading it from the cache. */
  fresh?: boolean;
  log: Log;
  backend?: EngineBackend;
}

/** The trained models of one run: each trained (or loaded from the cache) once, on first use. */
export class Models {
  readonly jobs: Map<ModelId, Job>;
  readonly backend: EngineBackend;
  readonly cacheDir: string | undefined;
  readonly log: Log;
  /** Samples/s of the baseline's training, when this run trained it. */
  trainingSamplesPerSecond: number | null = null;
  /** Ids trained fresh in this run already (by this thread or a worker): later gets load them. */
  readonly trainedThisRun = new Set<ModelId>();
  private readonly fresh: boolean;
  private readonly loaded = new Map<ModelId, Sequential>();

  constructor(readonly data: { train: Dataset }, readonly recipes: Recipes, o: ModelsOptions) {
    this.jobs = jobTable(recipes);
    this.backend = o.backend ?? defaultEngineBackend();
    this.cacheDir = o.cacheDir;
    this.fresh = o.fresh ?? false;
    this.log = o.log;
  }

  /** The model of job `id`, trained or loaded; with `cachedOnly`, an error unless it came from the cache. */
  get(id: ModelId, cachedOnly = false): Sequential {
    const done = this.loaded.get(id);
    if (done) return done;
    const job = this.jobs.get(id);
    if (!job) throw new Error(`bench: no model job '${id}'`);
    for (const need of job.needs) this.get(need, cachedOnly);
    const fresh = this.fresh && !this.trainedThisRun.has(id);
    const t0 = performance.now();
    const { model, cached } = job.train(this, fresh);
    if (cachedOnly && !cached) throw new Error(`bench: '${id}' was trained on a worker thread but its cache entry was not found here; the two threads built different recipes or data`);
    this.log.line(`${id}: ${cached ? 'loaded from the cache' : `trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`}`);
    if (fresh) this.trainedThisRun.add(id);
    this.loaded.set(id, model);
    return model;
  }
}

/**
 * Training samples/s of the baseline's recipe when the baseline came from the cache: a fresh model, a
 * warm-up epoch on up to 1,024 digits (V8 and the WASM kernels warm up), then one timed epoch.
 */
export function trainingThroughput(train: Dataset, recipe: BaselineRecipe, backend: EngineBackend): number {
  const model = mnistCnn({ seed: recipe.seed, backend });
  model.compile({ learningRate: recipe.learningRate });
  const config = { epochs: 1, batchSize: recipe.batchSize, seed: recipe.seed, augment: shiftAugment(train, recipe.augmentShift) };
  fit(model, slice(train, 0, Math.min(1024, train.count)), config);
  return fit(model, train, { ...config, validationSplit: recipe.validationSplit }).samplesPerSecond;
}
