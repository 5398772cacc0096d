// What every runtime entry point exports besides its own loadModel, hasSimd and loadScalar.
export type { LoadModel, LoadOptions } from './load.js';
export { Interpreter, type InterpreterOptions, type SparseMode } from './interpreter.js';
export { RuntimeError, type RuntimeErrorCode } from './errors.js';
export { FormatError, type FormatErrorCode } from '../format/errors.js';
export { TopiaryError } from '../errors.js';
