// topiary/runtime/f32: topiary/runtime for f32 and dynamic-range models only (f32 activations; weights
// f32, or int8 dequantized at load), with only the f32 kernels and packers, so an app that runs such
// models ships less. The same API as topiary/runtime (index.ts); an int8 model gets RuntimeError
// 'wrong_entry', which names the entry point that runs it.
import { loader } from './load.js';
import { F32_ROWS } from './resolver_f32.js';
import { F32_BUILD } from './wasm_f32.js';

/** Loads an f32 or dynamic-range model (see LoadModel). */
export const loadModel = loader({ f32: F32_ROWS, instead: "topiary/runtime/f32 runs f32 and dynamic-range models; load it with 'topiary/runtime' (every model) or 'topiary/runtime/int8'" }, F32_BUILD);
export const { hasSimd, loadScalar } = F32_BUILD;
export * from './api.js';
