// Shared by the pool tests (pool.test.ts, pool_split.test.ts): workers cannot run TypeScript, so the
// runtime is bundled with rolldown (examples/browser/build.mjs) into a temp folder, beside any fault-
// injecting worker scripts a test writes there; and the helpers both tests check results with.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildRuntime } from '../../examples/browser/build.mjs';
import type * as PoolModule from '../../src/runtime/pool.js';
import type * as RuntimeModule from '../../src/runtime/index.js';

export interface BundledPool {
  /** The temp folder: the bundle (pool.js, runtime.js, worker.js) and the scripts. */
  dir: string;
  P: typeof PoolModule;
  R: typeof RuntimeModule;
  remove(): void;
}

/** Bundles the runtime into a new temp folder named `prefix`..., writes `scripts` (file name -> source) there, and imports it. */
export async function bundlePool(prefix: string, scripts: Record<string, string> = {}): Promise<BundledPool> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  await buildRuntime(dir);
  for (const [name, source] of Object.entries(scripts)) writeFileSync(join(dir, name), source);
  return {
    dir,
    P: (await import(pathToFileURL(join(dir, 'pool.js')).href)) as typeof PoolModule,
    R: (await import(pathToFileURL(join(dir, 'runtime.js')).href)) as typeof RuntimeModule,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A float array's bit patterns, to compare results bit for bit. */
export const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Resolves to what `p` settles to, or fails the test after `ms` (a hang would otherwise just time out). */
export async function settled<T>(p: Promise<T>, ms = 15_000): Promise<{ value?: T; error?: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)));
  try {
    return await Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), hang]);
  } finally {
    clearTimeout(timer);
  }
}
