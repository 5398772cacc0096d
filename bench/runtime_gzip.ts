// runtime.gzipBytes of latest.json: what an app ships when it imports topiary/runtime/int8, the entry
// point the 15 KB budget is on (its JS with its SIMD kernels embedded, minified, gzip -9; the scalar
// kernels are a chunk of their own that only engines without SIMD load), as bench/runtime_size.ts
// measures it; `what` also gives the full topiary/runtime's figure. That script prints a report for
// people; this runs it (built, in dist/) and reads its summary lines.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = new URL('./runtime_size.js', import.meta.url);
/** A summary line: `shipped topiary/runtime/int8   37315 B min,  15952 B gz; scalar chunk ...`. */
const shipped = (entry: string) => new RegExp(`^shipped ${entry.replaceAll('/', '\\/')} +\\d+ B min, +(\\d+) B gz;`, 'm');
const INT8 = shipped('topiary/runtime/int8'), FULL = shipped('topiary/runtime');

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
    if (!INT8.test(text)) return { bytes: null, why: `bench/runtime_size.js failed (${(e as Error).message.split('\n')[0]})` };
  }
  const int8 = INT8.exec(text), full = FULL.exec(text);
  if (!int8) return { bytes: null, why: "bench/runtime_size.js printed no 'shipped topiary/runtime/int8' line" };
  const what = `topiary/runtime/int8 (int8 models): JS + its SIMD kernels, one chunk${full ? `; topiary/runtime (every model) ${Number(full[1]).toLocaleString('en-US')} B` : ''}`;
  return { bytes: Number(int8[1]), what };
}
