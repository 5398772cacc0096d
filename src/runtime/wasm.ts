// Instantiates the kernel module from the bytes embedded at build time (no fs, no fetch), choosing
// the SIMD build when the engine supports it and the scalar build otherwise (or when forced).
// The SIMD build is in this module's import graph; the scalar build (wasm_scalar.gen.ts) is imported
// only where it may run: at load on an engine without SIMD, and in Node, where it costs no download;
// elsewhere `await loadScalar()` fetches it before a forced {simd: false}.
import { RuntimeError } from './errors.js';
import { SIMD_WASM } from './wasm_bytes.gen.js';

/** What every build exports besides its kernels (families declare their own typed views). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  /** 16-byte aligned offset of `bytes` fresh bytes; 0 when memory cannot grow. */
  alloc(bytes: number): number;
  /** Forgets every allocation. */
  reset(): void;
}

export type Isa = 'simd' | 'scalar';

export interface KernelModule<E = Record<string, unknown>> {
  isa: Isa;
  exports: CoreExports & E;
}

let simdSupported: boolean | undefined;
/** The .wasm bytes of each build as text (build-wasm.mjs stores byte b as the char (123 - b) & 255), then each compiled module. */
const text: Partial<Record<Isa, string>> = { simd: SIMD_WASM };
const compiled: Partial<Record<Isa, WebAssembly.Module>> = {};

/** True when this engine validates the SIMD build (checked once). */
export function hasSimd(): boolean {
  return (simdSupported ??= WebAssembly.validate(wasmBytes('simd')));
}

/** Makes the scalar build available to loadModel(bytes, {simd: false}); loads it once. */
export async function loadScalar(): Promise<void> {
  text.scalar ??= (await import('./wasm_scalar.gen.js')).SCALAR_WASM;
}

/** The .wasm bytes of a build. */
export function wasmBytes(isa: Isa): Uint8Array<ArrayBuffer> {
  const t = text[isa];
  if (t === undefined) throw new RuntimeError('no_scalar', 'scalar kernels not loaded; `await loadScalar()` first');
  return Uint8Array.from(t, (c) => 123 - c.charCodeAt(0));
}

/** A fresh instance (its own linear memory) of the compiled module (compiled once). `simd: undefined` picks SIMD when available. */
export function instantiateKernels<E = Record<string, unknown>>(opts: { simd?: boolean } = {}): KernelModule<E> {
  if (opts.simd !== undefined && typeof opts.simd !== 'boolean') throw new RuntimeError('bad_option', `simd is ${String(opts.simd)}; use true, false, or leave it out (SIMD where the engine has it)`);
  const isa: Isa = opts.simd === false || !hasSimd() ? 'scalar' : 'simd';
  if (opts.simd && isa !== 'simd') throw new RuntimeError('no_simd', 'no WebAssembly SIMD here; load with {simd: false} or simd unset');
  const instance = new WebAssembly.Instance((compiled[isa] ??= new WebAssembly.Module(wasmBytes(isa))), { env: { abort } });
  return { isa, exports: instance.exports as unknown as CoreExports & E };
}

/** AssemblyScript's abort import: turns a trap's message into a loud JS error. */
function abort(_msg: number, _file: number, line: number, column: number): never {
  throw new Error(`topiary kernel aborted at ${line}:${column}`);
}

// Without SIMD the scalar build is the only one; in Node it is a file away, so it is always ready.
if (!hasSimd() || typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string') await loadScalar();
