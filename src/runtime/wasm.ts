// Instantiates the kernel module from the bytes embedded at build time (no fs, no fetch), choosing
// the SIMD build when the engine supports it and the scalar build otherwise (or when forced).
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from './wasm_bytes.gen.js';

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
const compiled = new Map<Isa, WebAssembly.Module>();

/** True when this engine validates the SIMD build (checked once). */
export function hasSimd(): boolean {
  if (simdSupported === undefined) simdSupported = WebAssembly.validate(wasmBytes('simd'));
  return simdSupported;
}

export function wasmBytes(isa: Isa): Uint8Array<ArrayBuffer> {
  const b64 = isa === 'simd' ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64;
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module for `isa` (compiled once, shareable with workers). */
export function kernelModule(isa: Isa): WebAssembly.Module {
  let m = compiled.get(isa);
  if (!m) {
    m = new WebAssembly.Module(wasmBytes(isa));
    compiled.set(isa, m);
  }
  return m;
}

/** A fresh instance (its own linear memory). `simd: undefined` picks SIMD when available. */
export function instantiateKernels<E = Record<string, unknown>>(opts: { simd?: boolean } = {}): KernelModule<E> {
  const isa: Isa = opts.simd === false || !hasSimd() ? 'scalar' : 'simd';
  if (opts.simd === true && isa !== 'simd') throw new Error('WebAssembly SIMD is not supported by this JavaScript engine; load with {simd: false}');
  const instance = new WebAssembly.Instance(kernelModule(isa), { env: { abort } });
  return { isa, exports: instance.exports as unknown as CoreExports & E };
}

/** AssemblyScript's abort import: turns a trap's message into a loud JS error. */
function abort(_msg: number, _file: number, line: number, column: number): never {
  throw new Error(`topiary kernel aborted at line ${line}:${column}`);
}
