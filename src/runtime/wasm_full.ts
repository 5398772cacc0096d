// The full kernel build: every family (topiary/runtime; the kernel table's tests and bench).
import { kernelBuild } from './wasm.js';
import { SIMD_WASM } from './wasm_bytes.gen.js';

export const FULL_BUILD = await kernelBuild(SIMD_WASM, async () => (await import('./wasm_scalar.gen.js')).SCALAR_WASM);
