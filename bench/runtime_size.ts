// The size of each runtime entry point as an app would ship it: the compiled entry and everything it
// imports, bundled and minified by rolldown, then gzipped (level 9). Each bundle has two chunks: the
// runtime with its SIMD kernel build, which every engine with WebAssembly SIMD downloads, and its
// scalar build, which only an engine without SIMD (or a forced {simd: false}) imports. Also checks
// each bundle's module list: only src/runtime, the format's reader side, src/errors.ts and
// src/quant/{requant,rounding,multiplier}.ts (no engine, no node:), and none of another family's modules (the
// int8 entry holds no f32 packer, row or kernel build; the f32 entry no qs8 one); and the budget,
// topiary/runtime/int8 as shipped at most 15 KB gzipped.
// Run after `npm run build`: `node dist/bench/runtime_size.js`.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rolldown } from 'rolldown';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALLOWED = [/^src\/runtime\//, /^src\/format\/(read|bytes|decode|errors|validate|model|spec|range_decoder)\.js$/, /^src\/errors\.js$/, /^src\/quant\/(requant|rounding|multiplier)\.js$/];
const KERNELS = /wasm_(bytes|scalar|\w+_(simd|scalar))\.gen\.js$/; // the embedded builds (not wasm_swaps.gen.js, the decoder's table)
const BUDGET = 15 * 1024;

/** An entry point: its module, its .wasm files' stem, the modules it must not hold, what it runs. */
interface Entry {
  name: string;
  file: string;
  wasm: string;
  forbidden?: RegExp;
  runs: string;
}

const F32_ONLY = /src\/runtime\/(packing\/f32|resolver_f32|wasm_f32|wasm_bytes|wasm_scalar)/;
const QS8_ONLY = /src\/runtime\/(packing\/qs8|resolver_qs8|reference\/|wasm_int8|wasm_bytes|wasm_scalar)|src\/quant\//;
const ENTRIES: Entry[] = [
  { name: 'topiary/runtime', file: 'index.js', wasm: 'kernels', runs: 'every model' },
  { name: 'topiary/runtime/int8', file: 'int8.js', wasm: 'kernels_int8', forbidden: F32_ONLY, runs: 'int8 models' },
  { name: 'topiary/runtime/f32', file: 'f32.js', wasm: 'kernels_f32', forbidden: QS8_ONLY, runs: 'f32 and dynamic-range models' },
];

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
  ['weight packers (packing/, qs8 references)', /src\/runtime\/(packing\/|reference\/)/],
  ['requantization math (quant/)', /src\/quant\//],
  ['format reader + validation', /src\/format\/(read|validate|decode|bytes|range_decoder|spec)\.js$/],
  ['interpreter, resolver + rows, arena', /src\/runtime\/(interpreter|resolver\w*|arena)\.js$/],
];

/** A module whose every exported function, class and constant is a no-op, so its code drops out of the bundle. */
function stub(id: string): string {
  const names = [...readFileSync(id, 'utf8').matchAll(/^export (?:async )?(?:function|const|class|let) (\w+)/gm)].map((m) => m[1]);
  return names.map((n) => `export const ${n} = () => {};`).join('\n');
}

/** The minified ESM chunks of an entry, entry first; `kernels: false` empties the embedded builds, `without` stubs modules. */
async function bundle(entry: Entry, kernels: boolean, without?: RegExp): Promise<Chunk[]> {
  const b = await rolldown({
    input: join(dist, 'src', 'runtime', entry.file),
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

const kb = (n: number) => `${n} B (${(n / 1024).toFixed(1)} KB)`;
const bytes = (s: string) => Buffer.byteLength(s);

/** Prints one entry's report; returns its shipped sizes and whether its module list is as it must be. */
async function report(entry: Entry): Promise<{ min: number; gz: number; scalarMin: number; scalarGz: number; ok: boolean }> {
  const [main, ...lazy] = await bundle(entry, true);
  const [bare] = await bundle(entry, false);
  const isScalar = (m: string) => /wasm_\w*scalar\.gen\.js$/.test(m);
  const scalar = lazy.find((c) => c.modules.some(isScalar));
  if (!scalar || lazy.length !== 1 || main.modules.some(isScalar)) {
    throw new Error(`${entry.name}: expected the scalar kernels alone in a chunk of their own; got ${[main, ...lazy].map((c) => `[${c.modules.join(', ')}]`).join(' ')}`);
  }
  const modules = [...main.modules, ...scalar.modules];
  const outside = modules.filter((m) => !ALLOWED.some((r) => r.test(m)) || entry.forbidden?.test(m));
  const simdWasm = readFileSync(join(dist, '..', 'build', `${entry.wasm}.simd.wasm`));
  const scalarWasm = readFileSync(join(dist, '..', 'build', `${entry.wasm}.scalar.wasm`));

  console.log(`── ${entry.name} (${entry.runs}; src/runtime/${entry.file.replace('.js', '.ts')}) ──`);
  console.log(`bundle modules (${modules.length}): ${modules.join(', ')}`);
  console.log(outside.length ? `NOT ALLOWED in this entry: ${outside.join(', ')}` : `imports: only the allowed modules${entry.forbidden ? ", none of the other family's" : ''}; no node: modules`);
  console.log(`JS alone (no kernels embedded)         ${kb(bytes(bare.code))} min, ${kb(gz(bare.code))} gz`);
  console.log(`SIMD .wasm                             ${kb(simdWasm.length)} raw, ${kb(gz(simdWasm))} gz`);
  console.log(`scalar .wasm                           ${kb(scalarWasm.length)} raw, ${kb(gz(scalarWasm))} gz`);
  console.log(`as shipped: JS + SIMD build (chunk 1)  ${kb(bytes(main.code))} min, ${kb(gz(main.code))} gz`);
  console.log(`scalar build (chunk 2, without SIMD)   ${kb(bytes(scalar.code))} min, ${kb(gz(scalar.code))} gz`);
  console.log(`JS + .wasm files (floor of embedding)  ${kb(gz(bare.code) + gz(simdWasm))} gz (two files, SIMD)`);
  console.log('what each part adds to the gzipped JS (taken out in this order):');
  let before = gz(bare.code);
  for (let i = 0; i < PARTS.length; i++) {
    const [out] = await bundle(entry, false, new RegExp(PARTS.slice(0, i + 1).map(([, r]) => r.source).join('|')));
    console.log(`  ${String(before - gz(out.code)).padStart(6)} B  ${PARTS[i][0]}`);
    before = gz(out.code);
  }
  console.log(`  ${String(before).padStart(6)} B  the rest (entry, kernel loader, errors, format model helpers)`);
  console.log('largest modules (rendered bytes before minify):');
  for (const [id, n] of bare.sizes.sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${String(n).padStart(6)}  ${id}`);
  console.log('');
  return { min: bytes(main.code), gz: gz(main.code), scalarMin: bytes(scalar.code), scalarGz: gz(scalar.code), ok: outside.length === 0 };
}

async function main(): Promise<void> {
  console.log(`runtime entry points as shipped (rolldown minify, gzip -9); budget ${BUDGET.toLocaleString('en-US')} B gzipped for topiary/runtime/int8\n`);
  const results: Awaited<ReturnType<typeof report>>[] = [];
  for (const entry of ENTRIES) results.push(await report(entry));
  console.log('summary: chunk 1 = JS + SIMD build (what an engine with SIMD loads), chunk 2 = the scalar build');
  ENTRIES.forEach((e, i) => {
    const r = results[i];
    console.log(`shipped ${e.name.padEnd(22)} ${String(r.min).padStart(6)} B min, ${String(r.gz).padStart(6)} B gz; scalar chunk ${String(r.scalarMin).padStart(6)} B min, ${String(r.scalarGz).padStart(5)} B gz`);
  });
  const int8 = results[ENTRIES.findIndex((e) => e.name === 'topiary/runtime/int8')];
  console.log(`budget: topiary/runtime/int8 as shipped ${int8.gz.toLocaleString('en-US')} B gz ${int8.gz <= BUDGET ? '<=' : '>'} ${BUDGET.toLocaleString('en-US')} B: ${int8.gz <= BUDGET ? 'met' : 'NOT MET'}`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

await main();
