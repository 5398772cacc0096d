// The size of topiary/runtime as an app would ship it: the compiled runtime entry and everything it
// imports, bundled and minified by rolldown, then gzipped (level 9). The bundle has two chunks: the
// runtime with the SIMD kernels, which every engine with WebAssembly SIMD downloads, and the scalar
// kernels, which only an engine without SIMD (or a forced {simd: false}) imports. Also checks the
// bundle's module list: only src/runtime, the format's reader side, src/errors.ts and
// src/quant/{requant,rounding}.ts may be in it (no engine, no node:).
// Run after `npm run build`: `node dist/bench/runtime_size.js`.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rolldown } from 'rolldown';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(dist, 'src', 'runtime', 'index.js');
const ALLOWED = [/^src\/runtime\//, /^src\/format\/(read|bytes|decode|errors|validate|model|spec|range_decoder)\.js$/, /^src\/errors\.js$/, /^src\/quant\/(requant|rounding)\.js$/];
const KERNELS = /wasm_(bytes|scalar)\.gen\.js$/;

const gz = (text: string | Uint8Array): number => gzipSync(text, { level: 9 }).length;

interface Chunk {
  code: string;
  modules: string[];
  /** Rendered bytes of each module before minification. */
  sizes: [string, number][];
}

/**
 * The parts of the runtime, in the order the breakdown takes them out: each part's figure is what
 * the gzipped JS shrinks by without it (its modules' exports stubbed), the parts above it already out.
 */
const PARTS: [string, RegExp][] = [
  ['weight packers (packing/, qs8_types)', /src\/runtime\/(packing\/|reference\/qs8_types)/],
  ['requantization math (quant/)', /src\/quant\//],
  ['format reader + validation', /src\/format\/(read|validate|decode|bytes|range_decoder|spec)\.js$/],
  ['interpreter, resolver, arena', /src\/runtime\/(interpreter|resolver|arena)\.js$/],
];

/** A module whose every exported function, class and constant is a no-op, so its code drops out of the bundle. */
function stub(id: string): string {
  const names = [...readFileSync(id, 'utf8').matchAll(/^export (?:async )?(?:function|const|class|let) (\w+)/gm)].map((m) => m[1]);
  return names.map((n) => `export const ${n} = () => {};`).join('\n');
}

/** The minified ESM chunks of the runtime, entry first; `kernels: false` empties the embedded builds, `without` stubs modules. */
async function bundle(kernels: boolean, without?: RegExp): Promise<Chunk[]> {
  const b = await rolldown({
    input: entry,
    platform: 'neutral',
    logLevel: 'silent',
    plugins: [{
      name: 'no-kernels',
      load(id: string) {
        if (without?.test(relative(dist, id).replaceAll('\\', '/'))) return stub(id);
        return kernels || !KERNELS.test(id) ? null : readFileSync(id, 'utf8').replace(/= '.*';$/m, "= '';");
      },
    }],
  });
  const { output } = await b.generate({ format: 'esm', minify: true });
  await b.close();
  const chunks = output.flatMap((c) => (c.type === 'chunk' ? [c] : [])).sort((x, y) => Number(y.isEntry) - Number(x.isEntry));
  return chunks.map((c) => ({
    code: c.code,
    modules: c.moduleIds.map((id) => relative(dist, id).replaceAll('\\', '/')),
    sizes: Object.entries(c.modules).map(([id, m]): [string, number] => [relative(dist, id), m.renderedLength]),
  }));
}

async function main(): Promise<void> {
  const [main, ...lazy] = await bundle(true);
  const [bare] = await bundle(false);
  const scalar = lazy.find((c) => c.modules.some((m) => m.endsWith('wasm_scalar.gen.js')));
  if (!scalar || lazy.length !== 1 || main.modules.some((m) => m.endsWith('wasm_scalar.gen.js'))) {
    throw new Error(`expected the scalar kernels alone in a chunk of their own; got ${[main, ...lazy].map((c) => `[${c.modules.join(', ')}]`).join(' ')}`);
  }
  const modules = [...main.modules, ...scalar.modules];
  const outside = modules.filter((m) => !ALLOWED.some((r) => r.test(m)));
  const simdWasm = readFileSync(join(dist, '..', 'build', 'kernels.simd.wasm'));
  const scalarWasm = readFileSync(join(dist, '..', 'build', 'kernels.scalar.wasm'));
  const kb = (n: number) => `${n} B (${(n / 1024).toFixed(1)} KB)`;
  const bytes = (s: string) => Buffer.byteLength(s);

  console.log(`topiary/runtime size (rolldown minify, gzip -9); budget 15 KB = 15,360 B gzipped\n`);
  console.log(`bundle modules (${modules.length}): ${modules.join(', ')}`);
  console.log(outside.length ? `NOT ALLOWED in the runtime: ${outside.join(', ')}` : 'imports: only src/runtime, the format reader, src/errors.ts, src/quant/{requant,rounding}.ts; no node: modules');
  console.log('');
  console.log(`JS alone (no kernels embedded)         ${kb(bytes(bare.code))} min, ${kb(gz(bare.code))} gz`);
  console.log(`SIMD .wasm                             ${kb(simdWasm.length)} raw, ${kb(gz(simdWasm))} gz`);
  console.log(`scalar .wasm                           ${kb(scalarWasm.length)} raw, ${kb(gz(scalarWasm))} gz`);
  console.log(`as shipped: JS + SIMD build (chunk 1)  ${kb(bytes(main.code))} min, ${kb(gz(main.code))} gz`);
  console.log(`scalar build (chunk 2, without SIMD)   ${kb(bytes(scalar.code))} min, ${kb(gz(scalar.code))} gz`);
  console.log(`both chunks                            ${kb(gz(main.code) + gz(scalar.code))} gz`);
  console.log(`JS + .wasm files (floor of embedding)  ${kb(gz(bare.code) + gz(simdWasm))} gz (two files, SIMD)`);
  console.log('\nwhat each part adds to the gzipped JS (taken out in this order):');
  let before = gz(bare.code);
  for (let i = 0; i < PARTS.length; i++) {
    const [out] = await bundle(false, new RegExp(PARTS.slice(0, i + 1).map(([, r]) => r.source).join('|')));
    console.log(`  ${String(before - gz(out.code)).padStart(6)} B  ${PARTS[i][0]}`);
    before = gz(out.code);
  }
  console.log(`  ${String(before).padStart(6)} B  the rest (entry, kernel loader, errors, format model helpers)`);
  console.log('\nlargest modules (rendered bytes before minify):');
  for (const [id, n] of bare.sizes.sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${String(n).padStart(6)}  ${id}`);
  if (outside.length) process.exitCode = 1;
}

await main();
