// topiary/runtime: run a topiary model file (.tpy) in any JavaScript engine with WebAssembly.
//
//   import { loadModel } from 'topiary/runtime';
//   const model = loadModel(bytes);                 // validate, prepare, warm up: once
//   const logits = model.run(pixels, 32);           // Float32Array, 32 x 10, reused buffer
//   const digits = model.predict(pixels, 32);       // Int32Array of class ids
//
// Zero dependencies: the kernels' .wasm bytes are embedded (no fs, no fetch), so the same code runs
// in Node and in browsers. The scalar build is a chunk of its own, loaded by itself where there is
// no SIMD and in Node; to force it elsewhere, `await loadScalar()` once before {simd: false}.
// This entry runs every model (f32, dynamic range, int8); an app with models of one kind ships less
// with topiary/runtime/int8 (int8.ts) or topiary/runtime/f32 (f32.ts), the same API on one family.
// It imports only src/runtime and the format's reader; never the engine or
// a node: module.
import { loader } from './load.js';
import { F32_ROWS } from './resolver_f32.js';
import { QS8_ROWS } from './resolver_qs8.js';
import { FULL_BUILD } from './wasm_full.js';

/** Loads a model of any precision (see LoadModel). */
export const loadModel = loader({ f32: F32_ROWS, int8: QS8_ROWS }, FULL_BUILD);
export const { hasSimd, loadScalar } = FULL_BUILD;
export * from './api.js';
