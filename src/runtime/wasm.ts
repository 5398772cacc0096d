// Instantiates a kernel build from the bytes embedded at build time (no fs, no fetch), choosing its
// SIMD variant when the engine supports it and its scalar variant otherwise (or when forced). Each
// build (full, int8, f32: wasm_full.ts, wasm_int8.ts, wasm_f32.ts) has its SIMD variant in its
// module graph; its scalar variant (a *_scalar.gen.ts module) is imported only where it may run: at
// load on an engine without SIMD, and in Node, where it costs no download; elsewhere
// `await loadScalar()` fetches it before a forced {simd: false}.
import { RuntimeError } from './errors.js';
import { CHAR_SWAPS } from './wasm_swaps.gen.js';

/** What every build exports besides its kernels (families declare their own typed views). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  /** 16-byte aligned offset of `bytes` fresh bytes; 0 when memory cannot grow. */
  alloc(bytes: number): number;
}

/** The full build's exports also forget every allocation (the kernel table's tests and bench reuse one instance; the runtime never does). */
export type ResetExports = { reset(): void }; // a type literal, so it fits KernelModule's default Record<string, unknown>

export type Isa = 'simd' | 'scalar';

export interface KernelModule<E = Record<string, unknown>> {
  isa: Isa;
  exports: CoreExports & E;
}

/** One kernel build, in its SIMD and scalar variants. */
export interface KernelBuild {
  /** True when this engine validates the SIMD variant (checked once). */
  hasSimd(): boolean;
  /** Makes the scalar variant available to {simd: false}; loads it once. */
  loadScalar(): Promise<void>;
  /** The .wasm bytes of a variant. */
  wasmBytes(isa: Isa): Uint8Array<ArrayBuffer>;
  /** A fresh instance (its own linear memory) of a variant (compiled once): SIMD (true, or undefined where the engine has it) or scalar. */
  instantiate<E = Record<string, unknown>>(simd?: boolean): KernelModule<E>;
}

/** Char code -> byte of the embedded builds, the inverse of build-wasm.mjs's CHAR: the key 123 (its own inverse), then the char swaps. */
const BYTE = Uint8Array.from({ length: 256 }, (_, c) => 123 - c);
for (let i = 0; i < CHAR_SWAPS.length; i += 2) {
  const x = CHAR_SWAPS.charCodeAt(i), y = CHAR_SWAPS.charCodeAt(i + 1);
  [BYTE[x], BYTE[y]] = [BYTE[y], BYTE[x]];
}

/**
 * The build whose SIMD variant is `simd` (the .wasm as text, one char per byte: BYTE decodes it) and
 * whose scalar variant `scalar()` imports; in Node or without SIMD the scalar variant is loaded
 * before this resolves.
 */
export async function kernelBuild(simd: string, scalar: () => Promise<string>): Promise<KernelBuild> {
  const text: Partial<Record<Isa, string>> = { simd }, compiled: Partial<Record<Isa, WebAssembly.Module>> = {};
  let simdSupported: boolean | undefined;
  const build: KernelBuild = {
    hasSimd: () => (simdSupported ??= WebAssembly.validate(build.wasmBytes('simd'))),
    async loadScalar() {
      text.scalar ??= await scalar();
    },
    wasmBytes(isa) {
      const t = text[isa];
      if (t === undefined) throw new RuntimeError('no_scalar', 'scalar kernels not loaded; `await loadScalar()` first');
      return Uint8Array.from(t, (c) => BYTE[c.charCodeAt(0)]);
    },
    instantiate<E>(simd?: boolean) {
      const isa: Isa = simd === false || !build.hasSimd() ? 'scalar' : 'simd';
      if (simd && isa !== 'simd') throw new RuntimeError('no_simd', 'no WebAssembly SIMD here; load with {simd: false} or simd unset');
      // no imports: the kernels are built without assertions (test/runtime/wasm_embed.test.ts checks)
      const instance = new WebAssembly.Instance((compiled[isa] ??= new WebAssembly.Module(build.wasmBytes(isa))));
      return { isa, exports: instance.exports as unknown as CoreExports & E };
    },
  };
  // Without SIMD the scalar variant is the only one; in Node it is a file away, so it is always ready.
  if (!build.hasSimd() || typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string') await build.loadScalar();
  return build;
}
