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
// This entry point imports only src/runtime, the format's reader and the requantization math; it
// never imports the engine or a node: module.
import { readModel } from '../format/read.js';
import { Interpreter, type InterpreterOptions } from './interpreter.js';
import { instantiateKernels } from './wasm.js';

export interface LoadOptions extends InterpreterOptions {
  /** true: the SIMD build or a RuntimeError; false: the scalar build (outside Node, after `await
   * loadScalar()`, since it is a chunk of its own); default: SIMD where the engine has it. */
  simd?: boolean;
  /** Names the model in error messages, e.g. 'model.tpy' (default 'model'). */
  name?: string;
}

/**
 * Reads and validates a model file (FormatError if the bytes are wrong), then prepares it: one arena
 * in a fresh kernel instance, weights packed per kernel, multipliers precomputed, kernels warmed up.
 * Throws RuntimeError for options out of range and for valid models this runtime cannot run.
 * Cheap to call again on the same bytes (the compiled kernels are shared): one interpreter per worker.
 */
export function loadModel(bytes: Uint8Array | ArrayBuffer, options: LoadOptions = {}): Interpreter {
  return new Interpreter(readModel(bytes, options), instantiateKernels(options), options);
}

export { hasSimd, loadScalar } from './wasm.js';
export { Interpreter, type InterpreterOptions, type SparseMode } from './interpreter.js';
export { RuntimeError, type RuntimeErrorCode } from './errors.js';
export { FormatError, type FormatErrorCode } from '../format/errors.js';
export { TopiaryError } from '../errors.js';
