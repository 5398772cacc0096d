// runtime.gzipBytes of latest.json: what an app ships when it imports topiary/runtime (the runtime's JS
// with the SIMD kernels embedded, minified, gzip -9; the scalar kernels are a chunk of their own that
// only engines without SIMD load), as bench/runtime_size.ts measures it. That script prints a report
// for people; this runs it (built, in dist/) and reads its "as shipped" line.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = new URL('./runtime_size.js', import.meta.url);
const SHIPPED = /^as shipped: (.*?)\s{2,}.*?,\s*(\d+) B \([\d.]+ KB\) gz$/m;

/** The gzipped size and what it counts (e.g. "JS + SIMD build (chunk 1)"), or null with the reason it was not measured. */
export function runtimeGzipBytes(): { bytes: number | null; what?: string; why?: string } {
  const path = SCRIPT.protocol === 'file:' ? fileURLToPath(SCRIPT) : '';
  if (!existsSync(path)) return { bytes: null, why: 'bench/runtime_size.js is not built (run from dist/)' };
  let text: string;
  try {
    text = execFileSync(process.execPath, [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    // it exits 1 when the bundle holds a module the runtime must not import, after printing the sizes
    text = String((e as { stdout?: unknown }).stdout ?? '');
    if (!SHIPPED.test(text)) return { bytes: null, why: `bench/runtime_size.js failed (${(e as Error).message.split('\n')[0]})` };
  }
  const m = SHIPPED.exec(text);
  return m ? { bytes: Number(m[2]), what: m[1] } : { bytes: null, why: "bench/runtime_size.js printed no 'as shipped' line" };
}
