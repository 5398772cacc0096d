// The runtime's error type: what loadModel's prepare step and run/predict throw on bad input. A model
// file the reader refuses gives a FormatError instead (src/format/errors.ts); both are TopiaryErrors.
import { TopiaryError } from '../errors.js';

export type RuntimeErrorCode =
  | 'input_type' // run/predict got something other than a Float32Array (or a bad output buffer)
  | 'input_size' // the input length does not match batchSize samples of the model's input
  | 'bad_option' // a loadModel option is out of range
  | 'no_simd' // {simd: true} on an engine without WebAssembly SIMD
  | 'no_scalar' // {simd: false} before `await loadScalar()` (outside Node, on an engine with SIMD)
  | 'unsupported' // a valid model this runtime has no kernel for (e.g. an f32 'same' max pool)
  | 'wrong_entry' // a model of a precision this entry point leaves out (an f32 model with topiary/runtime/int8)
  | 'bad_quant' // scales the file may hold but no int8 kernel can requantize with (a multiplier >= 2^30)
  | 'too_large' // the model's buffers for one sample do not fit in WebAssembly memory
  | 'out_of_memory' // the engine refused to grow WebAssembly memory
  | 'worker_failed' // a pool's worker crashed, exited or failed to start (pool.ts); the pool is closed
  | 'pool_closed'; // a call to a pool after close()

export class RuntimeError extends TopiaryError<RuntimeErrorCode> {}
