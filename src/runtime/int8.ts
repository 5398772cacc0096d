// topiary/runtime/int8: topiary/runtime for int8 models only (TFLite's int8 spec: quantize, int8 ops,
// dequantize), with only the int8 kernels and packers, so an app that runs int8 models ships less.
// The same API as topiary/runtime (index.ts); an f32 or dynamic-range model gets RuntimeError
// 'wrong_entry', which names the entry point that runs it.
import { loader } from './load.js';
import { QS8_ROWS } from './resolver_qs8.js';
import { INT8_BUILD } from './wasm_int8.js';

/** Loads an int8 model (see LoadModel). */
export const loadModel = loader({ int8: QS8_ROWS, instead: "topiary/runtime/int8 runs int8 models; load it with 'topiary/runtime' (every model) or 'topiary/runtime/f32'" }, INT8_BUILD);
export const { hasSimd, loadScalar } = INT8_BUILD;
export * from './api.js';
