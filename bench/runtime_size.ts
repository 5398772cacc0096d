// The size of topiary/runtime as an app would ship it: the compiled runtime entry and everything it
// imports, bundled and minified by rolldown, then gzipped (level 9); the kernels' .wasm gzipped on
// its own for comparison. Also checks the bundle's module list: only src/runtime, the format's
// reader side, src/errors.ts and src/quant/{requant,rounding}.ts may be in it (no engine, no node:).
// Run after `npx tsc -p tsconfig.build.json`: `node dist/bench/runtime_size.js`.
// rolldown comes with vite (a dev dependency of vitest); it is not a direct devDependency.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rolldown } from 'rolldown';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(dist, 'src', 'runtime', 'index.js');
const genFile = join(dist, 'src', 'runtime', 'wasm_bytes.gen.js');
const ALLOWED = [/^src\/runtime\//, /^src\/format\/(read|bytes|decode|errors|validate|model|spec|range_decoder)\.js$/, /^src\/errors\.js$/, /^src\/quant\/(requant|rounding)\.js$/];

const gz = (bytes: Uint8Array | string): number => gzipSync(bytes, { level: 9 }).length;


/**
 * The bytes as a JS string literal of chars 0-255 (escaping only \\, ', CR, LF and NUL): gzip sees
 * almost the raw bytes, where base64's 6-bit symbols cost about a third more. Decoding is
 * Uint8Array.from(s, (c) => c.charCodeAt(0)).
 */
function latin1Literal(bytes: Uint8Array): string {
  let s = "'";
  bytes.forEach((c, i) => {
    const digit = bytes[i + 1] >= 48 && bytes[i + 1] <= 57;
    s += c === 92 ? '\\\\' : c === 39 ? "\\'" : c === 10 ? '\\n' : c === 13 ? '\\r' : c === 0 ? (digit ? '\\x00' : '\\0') : String.fromCharCode(c);
  });
  return s + "'";
}

/** Minified ESM bundle of the runtime; `wasm` picks which kernel builds stay embedded (or `latin1`: SIMD only, as a latin1 literal). */
async function bundle(wasm: { simd: boolean; scalar: boolean; latin1?: boolean }): Promise<{ code: string; modules: string[]; sizes: [string, number][] }> {
  const gen = wasm.latin1 ? `export const SIMD_WASM_BASE64 = ${latin1Literal(wasmBytes('SIMD'))}; export const SCALAR_WASM_BASE64 = '';` : readFileSync(genFile, 'utf8');
  const b = await rolldown({
    input: entry,
    platform: 'neutral',
    plugins: [{
      name: 'kernel-builds',
      load(id: string) {
        if (!id.endsWith('wasm_bytes.gen.js')) return null;
        return gen.replace(/export const (SIMD|SCALAR)_WASM_BASE64 = '[^']*'/g, (line, isa: string) => (wasm[isa.toLowerCase() as 'simd' | 'scalar'] ? line : `export const ${isa}_WASM_BASE64 = ''`));
      },
    }],
  });
  const { output } = await b.generate({ format: 'esm', minify: true });
  await b.close();
  const chunk = output[0];
  if (output.length !== 1 || chunk.type !== 'chunk') throw new Error('expected one chunk');
  const modules = chunk.moduleIds.map((id) => relative(dist, id).replaceAll('\\', '/'));
  const sizes = Object.entries(chunk.modules).map(([id, m]): [string, number] => [relative(dist, id), m.renderedLength]);
  return { code: chunk.code, modules, sizes };
}

function wasmBytes(isa: 'SIMD' | 'SCALAR'): Uint8Array {
  const m = new RegExp(`${isa}_WASM_BASE64 = '([^']*)'`).exec(readFileSync(genFile, 'utf8'));
  if (!m) throw new Error(`no ${isa} build in ${genFile}; run npm run build:wasm`);
  return Buffer.from(m[1], 'base64');
}

async function main(): Promise<void> {
  const both = await bundle({ simd: true, scalar: true });
  const none = await bundle({ simd: false, scalar: false });
  const simdOnly = await bundle({ simd: true, scalar: false });
  const latin1 = await bundle({ simd: true, scalar: false, latin1: true });
  const outside = both.modules.filter((m) => !ALLOWED.some((r) => r.test(m)));
  const simd = wasmBytes('SIMD'), scalar = wasmBytes('SCALAR');
  const scalarChunk = `export const SCALAR_WASM_BASE64 = '${Buffer.from(scalar).toString('base64')}';`;
  const kb = (n: number) => `${n} B (${(n / 1024).toFixed(1)} KB)`;

  console.log(`topiary/runtime size (rolldown minify, gzip -9); budget 15 KB = 15,360 B gzipped\n`);
  console.log(`bundle modules (${both.modules.length}): ${both.modules.join(', ')}`);
  console.log(outside.length ? `NOT ALLOWED in the runtime: ${outside.join(', ')}` : 'imports: only src/runtime, the format reader, src/errors.ts, src/quant/{requant,rounding}.ts; no node: modules');
  console.log('');
  console.log(`JS alone (no kernels embedded)         ${kb(none.code.length)} min, ${kb(gz(none.code))} gz`);
  console.log(`SIMD .wasm                             ${kb(simd.length)} raw, ${kb(gz(simd))} gz`);
  console.log(`scalar .wasm                           ${kb(scalar.length)} raw, ${kb(gz(scalar))} gz`);
  console.log(`as shipped: JS + both builds (base64)  ${kb(both.code.length)} min, ${kb(gz(both.code))} gz`);
  console.log(`JS + SIMD build only (base64)          ${kb(simdOnly.code.length)} min, ${kb(gz(simdOnly.code))} gz`);
  console.log(`  + scalar build as its own chunk      ${kb(gz(scalarChunk))} gz, fetched only without SIMD`);
  console.log(`JS + SIMD build as a latin1 literal    ${kb(Buffer.byteLength(latin1.code))} min, ${kb(gz(latin1.code))} gz`);
  console.log(`JS + both .wasm as binary files        ${kb(gz(none.code) + gz(simd) + gz(scalar))} gz (three files)`);
  console.log('\nlargest modules (rendered bytes before minify):');
  for (const [id, n] of none.sizes.sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${String(n).padStart(6)}  ${id}`);
  if (outside.length) process.exitCode = 1;
}

await main();
