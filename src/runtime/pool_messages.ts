// What the pool and its workers say to each other (pool.ts, worker.ts). Typed errors cross the
// thread boundary as plain data and are rebuilt with their class, code and message on the other side.
import { FormatError, type FormatErrorCode } from '../format/errors.js';
import { RuntimeError, type RuntimeErrorCode } from './errors.js';
import type { SparseMode } from './interpreter.js';
import type { Isa } from './wasm.js';

export interface WorkerLoadOptions {
  simd?: boolean;
  sparse?: SparseMode;
  maxBatch?: number;
  warmup?: number;
  name?: string;
}

export type Kind = 'run' | 'predict';

export type ToWorker =
  | { type: 'load'; bytes: Uint8Array | ArrayBuffer; options: WorkerLoadOptions }
  /**
   * `output` is a view of shared memory to write into; without it the worker replies with its own copy.
   * `ready` (with `output`): a shared counter of the samples of `input` written so far, while the pool
   * is still copying them; the worker waits (Atomics.wait) until a run's samples are there.
   */
  | { type: 'job'; id: number; kind: Kind; input: Float32Array; count: number; output?: Float32Array | Int32Array; ready?: Int32Array };

export type FromWorker =
  | { type: 'started' }
  | { type: 'loaded'; isa: Isa; inputShape: number[]; outputShape: number[] }
  /** `ms`: the worker's time running the job (its own clock), for sizing its next chunks. */
  | { type: 'done'; id: number; ms: number; output?: Float32Array | Int32Array }
  /** A load (no id) or a job that threw. */
  | { type: 'failed'; id?: number; error: WireError };

export interface WireError {
  name: string;
  code?: string;
  message: string;
}

export function toWire(e: unknown): WireError {
  if (e instanceof Error) return { name: e.name, code: (e as { code?: unknown }).code as string | undefined, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** The error a worker threw, as the same class with the same code; anything else as a worker failure. */
export function fromWire(e: WireError, where: string): Error {
  if (e.name === 'RuntimeError' && e.code) return new RuntimeError(e.code as RuntimeErrorCode, e.message);
  if (e.name === 'FormatError' && e.code) return new FormatError(e.code as FormatErrorCode, e.message);
  return new RuntimeError('worker_failed', `${where} threw ${e.name}: ${e.message}`);
}
