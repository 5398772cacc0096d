// The f32 kernel build: the f32 kernels (topiary/runtime/f32; assembly/runtime_f32.ts).
import { kernelBuild } from './wasm.js';
import { F32_SIMD_WASM } from './wasm_f32_simd.gen.js';

export const F32_BUILD = await kernelBuild(F32_SIMD_WASM, async () => (await import('./wasm_f32_scalar.gen.js')).F32_SCALAR_WASM);
