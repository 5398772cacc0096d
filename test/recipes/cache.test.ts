import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cacheKey, trainingCodeDigest } from '../../src/recipes/cache.js';

describe('cache keys', () => {
  it('depend on the parts, and carry a hash of the training code', () => {
    expect(cacheKey({ a: 1 })).toBe(cacheKey({ a: 1 }));
    expect(cacheKey({ a: 1 })).not.toBe(cacheKey({ a: 2 }));
    expect(trainingCodeDigest()).toMatch(/^[0-9a-f]{16}$/);
  });

  // `npm test` builds before vitest runs; a bare vitest run in a fresh clone has no dist/ yet
  const compiled = 'dist/src/recipes/cache.js';
  it.skipIf(!existsSync(compiled))('are the same from the TypeScript sources (tests) and the compiled bench (dist/), so both share cached models', () => {
    const fromDist = execFileSync(process.execPath, ['--input-type=module', '-e', `import('./${compiled}').then((m) => process.stdout.write(m.trainingCodeDigest()))`], { encoding: 'utf8' });
    expect(fromDist).toBe(trainingCodeDigest());
  });
});
