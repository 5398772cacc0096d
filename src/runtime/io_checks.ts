// The checks run() and the worker pool make on what callers pass, so both give the same typed errors.
import { RuntimeError } from './errors.js';

/** The number of samples in `input`, or a RuntimeError saying what is wrong with it. */
export function checkInput(input: Float32Array, batchSize: number | undefined, inputSize: number, inputShape: readonly number[]): number {
  if (!(input instanceof Float32Array)) throw new RuntimeError('input_type', `input is ${describe(input)}; pass a Float32Array`);
  const n = batchSize ?? input.length / inputSize;
  if (!(Number.isInteger(n) && n > 0 && input.length === n * inputSize)) {
    throw new RuntimeError('input_size', `input has ${input.length} values with batchSize ${batchSize}; pass n >= 1 samples of [${inputShape}] (${inputSize} values each) and batchSize n or none`);
  }
  return n;
}

/** `output` if it is a `type` of at least `n` values; `none` says what the caller gets when passing none. */
export function checkOutput<T extends Float32Array | Int32Array>(output: unknown, type: { new (n: number): T; name: string }, n: number, none: string): T {
  if (!(output instanceof type && output.length >= n)) throw new RuntimeError('input_type', `output is ${describe(output)}; pass a ${type.name} of at least ${n} values, or none to get ${none}`);
  return output;
}

/** e.g. 'Float64Array(784)', 'Array(3)', 'null', 'a number'. */
function describe(v: unknown): string {
  const { length } = (v ?? {}) as { length?: unknown };
  return typeof length === 'number' ? `${(v as object).constructor.name}(${length})` : v === null ? 'null' : `a ${typeof v}`;
}
