// topiary/runtime has zero dependencies: following every value import from src/runtime/index.ts
// reaches only src/runtime, the format's reader side, src/errors.ts and the requantization math,
// never the engine, the model, the CLI, a package or a node: module (bench/runtime_size.ts checks
// the same on the real bundle).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED = [/^src\/runtime\//, /^src\/format\/(read|bytes|decode|errors|validate|model|spec|range_decoder)\.ts$/, /^src\/errors\.ts$/, /^src\/quant\/(requant|rounding)\.ts$/];

/** Specifiers of the imports and re-exports that bring values (`import type` is erased). */
function valueImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'/gms)) if (!m[2]) found.push(m[4]);
  for (const m of source.matchAll(/^\s*import\s*'([^']+)'/gm)) found.push(m[1]);
  for (const m of source.matchAll(/import\(\s*'([^']+)'\s*\)/g)) found.push(m[1]);
  return found;
}

it('the runtime entry reaches only the allowed modules', () => {
  const seen = new Set<string>();
  const stack = ['src/runtime/index.ts'];
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
  expect(bad).toEqual([]);
  expect(seen).toContain('src/runtime/wasm_bytes.gen.ts');
  expect(seen).toContain('src/format/read.ts');
  expect(seen.size).toBeGreaterThan(15);
});
