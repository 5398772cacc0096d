// The int8 kernel build: the qs8 kernels the resolver calls (topiary/runtime/int8; assembly/runtime_int8.ts).
import { kernelBuild } from './wasm.js';
import { INT8_SIMD_WASM } from './wasm_int8_simd.gen.js';

export const INT8_BUILD = await kernelBuild(INT8_SIMD_WASM, async () => (await import('./wasm_int8_scalar.gen.js')).INT8_SCALAR_WASM);
