// The engine backend models get unless they ask for one: the WASM SIMD build when this JavaScript
// engine validates WebAssembly SIMD, else the scalar WASM build, else the TypeScript reference.
import { referenceBackend, type EngineBackend } from './backend.js';
import { createWasmBackend, wasmSimdSupported, wasmSupported } from './wasm_backend.js';

/** A fresh backend on each call: a WASM backend owns its memory, so each model gets its own. */
export function defaultEngineBackend(): EngineBackend {
  return wasmSupported() ? createWasmBackend() : referenceBackend;
}

/** The name defaultEngineBackend()'s backend has here (without making one), e.g. 'wasm-simd'. */
export function defaultEngineBackendName(): string {
  return wasmSupported() ? `wasm-${wasmSimdSupported() ? 'simd' : 'scalar'}` : referenceBackend.name;
}
