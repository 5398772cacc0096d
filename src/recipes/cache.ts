// Trained models cached on disk, keyed by everything that determines their weights (recipe config,
// seed, data, backend, and the training code itself), so `npm run bench` and the seed-run tests each
// train once and then reuse. `fresh` retrains.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
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
 * A hash of the training code that is running (the TypeScript sources under vitest, the compiled
 * JavaScript under dist/), so that a model cached by other code is never taken for what this code
 * trains; the embedded training kernels (engine/train_wasm.gen) are among the files. Tests and the
 * built bench therefore keep separate cache entries.
 */
export function trainingCodeDigest(): string {
  if (codeDigest !== undefined) return codeDigest;
  const root = dirname(dirname(fileURLToPath(import.meta.url))); // src/ or dist/src/
  const h = createHash('sha256');
  try {
    for (const folder of TRAINING_CODE) {
      for (const file of codeFiles(join(root, folder))) {
        h.update(`${folder}/${file}\0`).update(readFileSync(join(root, folder, file))).update('\0');
      }
    }
  } catch (e) {
    throw new ConfigError('CACHE_CODE', `cannot read topiary's own training code under ${root} to key the model cache (${(e as Error).message}); reinstall topiary`);
  }
  return (codeDigest = h.digest('hex').slice(0, 16));
}

/** The .ts / .js files below `dir` (no declaration files), as sorted '/'-separated relative paths. */
function codeFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isDirectory()) out.push(...codeFiles(join(dir, entry.name), `${prefix}${entry.name}/`));
    else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(prefix + entry.name);
  }
  return out;
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
