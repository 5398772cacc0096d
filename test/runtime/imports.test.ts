// topiary/runtime has zero dependencies: following every value import from src/runtime/index.ts
// reaches only src/runtime, the format's reader side, src/errors.ts and the requantization math,
// never the engine, the model, the CLI, a package or a node: module (bench/runtime_size.ts checks
// the same on the real bundle).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED = [/^src\/runtime\//, /^src\/format\/(read|bytes|decode|errors|validate|model|spec|range_decoder)\.ts$/, /^src\/errors\.ts$/, /^src\/quant\/(requant|rounding|multiplier)\.ts$/];

/** Specifiers of the imports and re-exports that bring values (`import type` is erased). */
function valueImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'/gms)) if (!m[2]) found.push(m[4]);
  for (const m of source.matchAll(/^\s*import\s*'([^']+)'/gm)) found.push(m[1]);
  for (const m of source.matchAll(/import\(\s*'([^']+)'\s*\)/g)) found.push(m[1]);
  return found;
}

/** Every module a value import chain from `entry` reaches, and the imports that are not allowed. */
function reach(entry: string): { seen: Set<string>; bad: string[] } {
  const seen = new Set<string>();
  const stack = [entry];
  const bad: string[] = [];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!ALLOWED.some((r) => r.test(file))) bad.push(file);
    for (const spec of valueImports(readFileSync(join(root, file), 'utf8'))) {
      if (!spec.startsWith('.')) {
        bad.push(`${file} imports '${spec}'`);
        continue;
      }
      stack.push(relative(root, join(dirname(join(root, file)), spec.replace(/\.js$/, '.ts'))).replaceAll('\\', '/'));
    }
  }
  return { seen, bad };
}

it('the runtime entry reaches only the allowed modules', () => {
  const { seen, bad } = reach('src/runtime/index.ts');
  expect(bad).toEqual([]);
  expect(seen).toContain('src/runtime/wasm_bytes.gen.ts');
  expect(seen).toContain('src/format/read.ts');
  expect(seen.size).toBeGreaterThan(15);
});

it("topiary/runtime/int8 and /f32 reach only the allowed modules of their own family", () => {
  const int8 = reach('src/runtime/int8.ts'), f32 = reach('src/runtime/f32.ts');
  expect([...int8.bad, ...f32.bad]).toEqual([]);
  expect([...int8.seen].filter((f) => /resolver_f32|packing\/f32|wasm_(bytes|scalar|f32)/.test(f))).toEqual([]);
  expect([...f32.seen].filter((f) => /resolver_qs8|packing\/qs8|reference\/|quant\/|wasm_(bytes|scalar|int8)/.test(f))).toEqual([]);
  expect(int8.seen).toContain('src/runtime/wasm_int8_simd.gen.ts');
  expect(f32.seen).toContain('src/runtime/wasm_f32_simd.gen.ts');
});

it('the pool and its worker reach only the allowed modules (each entry point by dynamic import)', () => {
  for (const entry of ['src/runtime/pool.ts', 'src/runtime/worker.ts']) expect(reach(entry).bad).toEqual([]);
});
