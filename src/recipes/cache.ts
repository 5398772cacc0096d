// Trained models cached on disk, keyed by everything that determines their weights (recipe config,
// seed, data), so `npm run bench` and the seed-run tests train once and reuse. `fresh` retrains.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
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

export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
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
