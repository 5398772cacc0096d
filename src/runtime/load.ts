// What every entry point's loadModel does (index.ts: every model; int8.ts, f32.ts: one family): read
// and validate the file, then prepare it on a fresh instance of the entry's kernel build with the
// resolver families of its table.
import { readModel } from '../format/read.js';
import { Interpreter, type InterpreterOptions } from './interpreter.js';
import type { Table } from './resolver.js';
import type { KernelBuild } from './wasm.js';

export interface LoadOptions extends InterpreterOptions {
  /** Names the model in error messages, e.g. 'model.tpy' (default 'model'). */
  name?: string;
}

/**
 * Reads and validates a model file (FormatError if the bytes are wrong), then prepares it: one arena
 * in a fresh kernel instance, weights packed per kernel, multipliers precomputed, kernels warmed up.
 * Throws RuntimeError for options out of range, for valid models this runtime cannot run, and
 * ('wrong_entry') for a model of a precision this entry point leaves out, naming the one to import.
 * Cheap to call again on the same bytes (the compiled kernels are shared): one interpreter per worker.
 */
export type LoadModel = (bytes: Uint8Array | ArrayBuffer, options?: LoadOptions) => Interpreter;

export function loader(table: Table, build: KernelBuild): LoadModel {
  return (bytes, options = {}) => new Interpreter(readModel(bytes, options), build, table, options);
}
