// The checks run() and the worker pool make on what callers pass, so both give the same typed errors.
import { RuntimeError } from './errors.js';

/** The number of samples in `input`, or a RuntimeError saying what is wrong with it. */
export function checkInput(input: Float32Array, batchSize: number | undefined, inputSize: number, inputShape: readonly number[]): number {
  if (!(input instanceof Float32Array)) {
    throw new RuntimeError('input_type', `input is ${describe(input)}; pass a Float32Array of samples (e.g. Float32Array.from(values))`);
  }
  const n = batchSize ?? input.length / inputSize;
  if (!Number.isInteger(n) || n < 1) {
    throw new RuntimeError('input_size', batchSize === undefined
      ? `input has ${input.length} values, not a positive multiple of the model's ${inputSize} per sample [${inputShape}]`
      : `batchSize is ${batchSize}; pass a positive integer`);
  }
  if (input.length !== n * inputSize) {
    throw new RuntimeError('input_size', `input has ${input.length} values; ${n} samples of [${inputShape}] are ${n * inputSize}`);
  }
  return n;
}

/** `output` if it is a `type` of at least `n` values; `none` says what the caller gets when passing none. */
export function checkOutput<T extends Float32Array | Int32Array>(output: unknown, type: { new (n: number): T; name: string }, n: number, none: string): T {
  if (!(output instanceof type) || output.length < n) {
    throw new RuntimeError('input_type', `output is ${describe(output)}; pass a ${type.name} of at least ${n} values, or none to get ${none}`);
  }
  return output;
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${(v as unknown as ArrayLike<number>).length} values`;
  return Array.isArray(v) ? `an array of ${v.length} values` : v === null ? 'null' : `a ${typeof v}`;
}
