// The embedded kernels: each generated module decodes to the exact .wasm file asc wrote, and the
// scalar build is a lazily loaded module outside Node (imported at load only without SIMD, or by
// `await loadScalar()`), while {simd: false} stays one await away and then works as in Node.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Isa, KernelBuild } from '../../src/runtime/wasm.js';
import { FULL_BUILD } from '../../src/runtime/wasm_full.js';
import { INT8_BUILD } from '../../src/runtime/wasm_int8.js';
import { F32_BUILD } from '../../src/runtime/wasm_f32.js';
import { writeModel } from '../../src/format/write.js';
import { smallModel } from '../format/models.js';

const build = join(dirname(fileURLToPath(import.meta.url)), '../../build');
const src = (f: string) => readFileSync(join(build, '../src/runtime', f), 'utf8');

// [module, its build, the .wasm file stem, the generated SIMD and scalar modules]
const BUILDS: [string, KernelBuild, string, string, string][] = [
  ['wasm_full.ts', FULL_BUILD, 'kernels', 'wasm_bytes.gen', 'wasm_scalar.gen'],
  ['wasm_int8.ts', INT8_BUILD, 'kernels_int8', 'wasm_int8_simd.gen', 'wasm_int8_scalar.gen'],
  ['wasm_f32.ts', F32_BUILD, 'kernels_f32', 'wasm_f32_simd.gen', 'wasm_f32_scalar.gen'],
];

describe.each(BUILDS)('embedded kernel build %s', (module, kernels, stem, simdGen, scalarGen) => {
  for (const isa of ['simd', 'scalar'] as Isa[]) {
    it(`${isa}: the generated module decodes to build/${stem}.${isa}.wasm byte for byte`, () => {
      const file = join(build, `${stem}.${isa}.wasm`);
      expect(existsSync(file), `${file} missing: run npm run build:wasm`).toBe(true);
      expect(Buffer.from(kernels.wasmBytes(isa)).equals(readFileSync(file))).toBe(true);
    });
  }

  it('imports nothing (instantiated without imports: no assertion may call abort)', () => {
    for (const isa of ['simd', 'scalar'] as Isa[]) expect(WebAssembly.Module.imports(new WebAssembly.Module(kernels.wasmBytes(isa)))).toEqual([]);
  });

  it('the SIMD variant is in the module graph and the scalar one is only imported dynamically', () => {
    const esc = (s: string) => s.replaceAll('.', '\\.');
    expect(src(module)).toMatch(new RegExp(`^import \\{ \\w+ \\} from '\\./${esc(simdGen)}\\.js';$`, 'm'));
    expect(src(module)).not.toMatch(new RegExp(`^import .*${esc(scalarGen)}`, 'm'));
    expect(src(module)).toMatch(new RegExp(`await import\\('\\./${esc(scalarGen)}\\.js'\\)`));
  });
});

describe('outside Node (process.versions.node hidden, fresh module instances)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  async function freshRuntime(entry: string) {
    const { versions, ...rest } = process;
    vi.stubGlobal('process', { ...rest, versions: { ...versions, node: undefined } });
    vi.resetModules();
    return (entry === 'int8' ? import('../../src/runtime/int8.js') : entry === 'f32' ? import('../../src/runtime/f32.js') : import('../../src/runtime/index.js'));
  }

  it.each([['topiary/runtime', 'int8'], ['int8', 'int8'], ['f32', 'f32']])('%s: {simd: false} needs `await loadScalar()` first, then runs the scalar build like the SIMD one (%s model)', async (entry, kind) => {
    const rt = await freshRuntime(entry);
    expect(rt.hasSimd()).toBe(true);
    const bytes = writeModel(smallModel(kind as 'int8' | 'f32', 0.5, 3));
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
