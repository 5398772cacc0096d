import { describe, expect, it } from 'vitest';
import { cacheKey, trainingCodeDigest } from '../../src/recipes/cache.js';

describe('cache keys', () => {
  it('depend on the parts, and carry a hash of the training code that is running', () => {
    expect(cacheKey({ a: 1 })).toBe(cacheKey({ a: 1 }));
    expect(cacheKey({ a: 1 })).not.toBe(cacheKey({ a: 2 }));
    expect(trainingCodeDigest()).toMatch(/^[0-9a-f]{16}$/);
    expect(trainingCodeDigest()).toBe(trainingCodeDigest());
  });
});
