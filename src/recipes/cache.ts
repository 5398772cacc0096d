// Trained models cached on disk, keyed by everything that determines their weights (recipe config,
// seed, data, backend, and the training code itself), so `npm run bench` and the seed-run tests train
// once and reuse. `fresh` retrains.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint.js';
import type { Sequential } from '../model/sequential.js';

export interface CacheOptions {
  /** Folder of the cache; default `.cache/topiary` under the working directory. */
  dir?: string;
  /** Ignore cached weights and retrain (then overwrite the cache). */
  fresh?: boolean;
}

/** A short hash of typed arrays' bytes (weights, data), for cache keys. */
export function digest(...arrays: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 16);
}

/** A key for `parts` and the training code that turns them into weights (trainingCodeDigest). */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify({ parts, code: trainingCodeDigest() })).digest('hex').slice(0, 16);
}

/** The folders whose code decides what training produces (the runtime and the CLI do not). */
const TRAINING_CODE = ['data', 'engine', 'model', 'prune', 'quant', 'recipes'];
let codeDigest: string | undefined;

/**
 * A hash of the training code, so that a model cached by an older version of topiary is never taken
 * for what this version trains. It reads the TypeScript sources of the package's src/ when they are
 * there (a checkout: tests and the built bench then share one key), else the compiled files beside
 * this module; the embedded training kernels (engine/train_wasm.gen) are among them.
 */
export function trainingCodeDigest(): string {
  if (codeDigest !== undefined) return codeDigest;
  const here = dirname(fileURLToPath(import.meta.url)); // <root>/src/recipes or <root>/dist/src/recipes
  const compiled = dirname(here);
  const checkout = join(compiled, '..', '..', 'src'); // from dist/src: the checkout's src/
  const sources = existsSync(join(checkout, 'recipes', 'cache.ts')) ? checkout : compiled;
  const h = createHash('sha256');
  for (const folder of TRAINING_CODE) {
    const dir = join(sources, folder);
    if (!existsSync(dir)) continue;
    for (const file of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
      if (!/\.(ts|js)$/.test(file) || file.endsWith('.d.ts')) continue;
      h.update(`${folder}/${file}\0`).update(readFileSync(join(dir, file))).update('\0');
    }
  }
  return (codeDigest = h.digest('hex').slice(0, 16));
}

/**
 * Returns the model `build` trains, or its cached weights loaded into `shell()` when `key` was
 * trained before. `build` must be deterministic in what `key` names.
 */
export function cachedModel(name: string, key: string, shell: () => Sequential, build: () => Sequential, opts: CacheOptions = {}): { model: Sequential; cached: boolean } {
  const dir = opts.dir ?? join(process.cwd(), '.cache', 'topiary');
  const path = join(dir, `${name}-${key}.ckpt`);
  if (!opts.fresh && existsSync(path)) {
    const model = shell();
    loadCheckpoint(model, path);
    return { model, cached: true };
  }
  const model = build();
  mkdirSync(dir, { recursive: true });
  saveCheckpoint(model, path);
  return { model, cached: false };
}
