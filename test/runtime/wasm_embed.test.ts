// The embedded kernels: each generated module decodes to the exact .wasm file asc wrote, and the
// scalar build is a lazily loaded module outside Node (imported at load only without SIMD, or by
// `await loadScalar()`), while {simd: false} stays one await away and then works as in Node.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { wasmBytes, type Isa } from '../../src/runtime/wasm.js';
import { writeModel } from '../../src/format/write.js';
import { smallModel } from '../format/models.js';

const build = join(dirname(fileURLToPath(import.meta.url)), '../../build');

describe('embedded kernel builds', () => {
  for (const isa of ['simd', 'scalar'] as Isa[]) {
    it(`${isa}: the generated module decodes to build/kernels.${isa}.wasm byte for byte`, () => {
      const file = join(build, `kernels.${isa}.wasm`);
      expect(existsSync(file), `${file} missing: run npm run build:wasm`).toBe(true);
      expect(Buffer.from(wasmBytes(isa)).equals(readFileSync(file))).toBe(true);
    });
  }

  it('the SIMD build is in the runtime module graph and the scalar one is only imported dynamically', () => {
    const src = (f: string) => readFileSync(join(build, '../src/runtime', f), 'utf8');
    expect(src('wasm.ts')).toMatch(/^import \{ SIMD_WASM \} from '\.\/wasm_bytes\.gen\.js';$/m);
    expect(src('wasm.ts')).not.toMatch(/^import .*wasm_scalar\.gen\.js/m);
    expect(src('wasm.ts')).toMatch(/await import\('\.\/wasm_scalar\.gen\.js'\)/);
  });
});

describe('outside Node (process.versions.node hidden, fresh module instances)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  async function freshRuntime() {
    const { versions, ...rest } = process;
    vi.stubGlobal('process', { ...rest, versions: { ...versions, node: undefined } });
    vi.resetModules();
    return import('../../src/runtime/index.js');
  }

  it('{simd: false} needs `await loadScalar()` first, then runs the scalar build like the SIMD one', async () => {
    const rt = await freshRuntime();
    expect(rt.hasSimd()).toBe(true);
    const bytes = writeModel(smallModel('int8', 0.5, 3));
    const simd = rt.loadModel(bytes, { warmup: 0 });
    expect(simd.isa).toBe('simd');
    let error: unknown;
    try {
      rt.loadModel(bytes, { simd: false, warmup: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(rt.RuntimeError); // this instance's class
    expect((error as { code: string }).code).toBe('no_scalar');
    expect((error as Error).message).toMatch(/await loadScalar\(\)/);

    await rt.loadScalar();
    await rt.loadScalar(); // once is enough; again is harmless
    const scalar = rt.loadModel(bytes, { simd: false, warmup: 0 });
    expect(scalar.isa).toBe('scalar');
    const x = new Float32Array(3 * scalar.inputSize).map((_, i) => ((i * 37) % 101) / 101);
    expect(Array.from(scalar.run(x, 3))).toEqual(Array.from(simd.run(x, 3)));
  });
});
