// Bundles topiary/runtime from the TypeScript sources for a page (or a test) to load as ES modules:
// runtime.js (loadModel, ...: every model), int8.js (topiary/runtime/int8: int8 models, a smaller
// bundle), pool.js (createPool) and worker.js (the pool's worker, which imports the entry point it is
// asked for), with shared chunks, all in one folder so the pool finds worker.js next to itself.
// Needs rolldown (a devDependency).
//   node examples/browser/build.mjs [outDir]      (default: examples/browser/runtime/, not committed)
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Writes the bundle to `outDir`; resolves to the names of the files written. */
export async function buildRuntime(outDir = join(root, 'examples/browser/runtime')) {
  const src = join(root, 'src/runtime');
  const { output } = await build({
    input: { runtime: join(src, 'index.ts'), int8: join(src, 'int8.ts'), pool: join(src, 'pool.ts'), worker: join(src, 'worker.ts') },
    platform: 'browser',
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } }, // the sources import './x.js' for './x.ts'
    logLevel: 'warn',
    output: { dir: outDir, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true },
  });
  return output.map((o) => o.fileName);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = await buildRuntime(process.argv[2] && resolve(process.argv[2]));
  console.log(`wrote ${files.join(', ')}`);
}
