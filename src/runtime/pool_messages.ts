// What the pool and its workers say to each other (pool.ts, worker.ts). Typed errors cross the
// thread boundary as plain data and are rebuilt with their class, code and message on the other side.
import { FormatError, type FormatErrorCode } from '../format/errors.js';
import { RuntimeError, type RuntimeErrorCode } from './errors.js';
import type { SparseMode } from './interpreter.js';
import type { Isa } from './wasm.js';

export interface WorkerLoadOptions {
  /** The runtime entry point each thread loads the model with: 'int8' (topiary/runtime/int8), 'f32'
   * (topiary/runtime/f32), or, by default, topiary/runtime (every model). */
  runtime?: 'int8' | 'f32';
  simd?: boolean;
  sparse?: SparseMode;
  maxBatch?: number;
  warmup?: number;
  name?: string;
}

/** The entry point `runtime` names, imported only when a pool asks for it (a bundle splits each into a chunk of its own). */
export function runtimeEntry(runtime: WorkerLoadOptions['runtime']) {
  return runtime === 'int8' ? import('./int8.js') : runtime === 'f32' ? import('./f32.js') : import('./index.js');
}

export type Kind = 'run' | 'predict';

export type ToWorker =
  /** `control`: the worker's slots of the fast path (below), when the pool uses it. */
  | { type: 'load'; bytes: Uint8Array | ArrayBuffer; options: WorkerLoadOptions; control?: Int32Array; sync?: Int32Array }
  /**
   * Without `output`, the worker runs all of `input` and replies with its own copy of the output.
   * With `output` (a view of shared memory to write into) and `claims`, the job is the whole call:
   * the worker claims runs of `run` samples (claimFront) and writes each run's output in its place,
   * until none is left. `ready`: a shared counter of the samples of `input` written so far, while the
   * pool is still copying them; the worker waits (Atomics.wait) until a run's samples are there.
   */
  | ({ type: 'job'; id: number; kind: Kind; input: Float32Array; count: number } & (Posted | SharedJob));

/** A job by message: the worker's own copy of its chunk, and no claims. */
interface Posted {
  output?: undefined;
  claims?: undefined;
}

/** A job in shared memory: the whole call, claimed run by run (output, claims and run always together). */
export interface SharedJob {
  output: Float32Array | Int32Array;
  claims: Int32Array;
  run: number;
  ready?: Int32Array;
}

export type FromWorker =
  | { type: 'started' }
  | { type: 'loaded'; isa: Isa; inputShape: number[]; outputShape: number[] }
  /** `ms`: the worker's time running the job (its own clock), for sizing its next chunks. */
  | { type: 'done'; id: number; ms: number; output?: Float32Array | Int32Array }
  /** A load (no id) or a job that threw. */
  | { type: 'failed'; id?: number; error: WireError };

/**
 * The fast path, in shared memory: after a job a worker waits up to LINGER_MS (Atomics.wait on the
 * pool's BELL) in case the next job comes this way, which spares it the event loop and the pool a
 * message each way. The pool may hand it a job while it is WAITING: it writes the job's slots, adds
 * one to LEFT, then swaps the state to CLAIMED (or to RELEASED, to send the job as a message
 * instead: new buffers), and once every worker has its job rings the bell (one notify wakes them
 * all); the worker, on timing out, swaps WAITING to IDLE itself, so exactly one side wins. The
 * worker takes a job by swapping CLAIMED to IDLE, and until then the pool may take it back (CLAIMED
 * to WAITING, one from LEFT: once the caller has claimed every run left, a worker not woken yet has
 * nothing to do). The job
 * uses the input, output, ready and claims views of the worker's last message job (its buffers), at the
 * offsets given here; the worker stores DONE = the job's SEQ, then takes one
 * from LEFT, and the last one out notifies (the pool waits with Atomics.waitAsync, or Atomics.wait).
 */
export const Sync = { LEFT: 0, BELL: 1 } as const;
export const Slot = { STATE: 0, SEQ: 1, KIND: 2, IN: 3, COUNT: 4, OUT: 5, READY: 6, DONE: 7 } as const;
export const State = { IDLE: 0, WAITING: 1, CLAIMED: 2, RELEASED: 3 } as const;
/** Bytes of a worker's control block: its Int32 slots. */
export const CONTROL_BYTES = 8 * 4;
export const LINGER_MS = 20;

/**
 * The dynamic split of a call in shared memory: its samples are runs of `run` (the last one shorter),
 * which the workers claim from the front and the caller from the back, one at a time, until the ends
 * meet, so a thread that is held up (preempted, woken late) just does fewer runs. `claims[0]` is the
 * workers' cursor (the next run to try); `claims[1 + r]` is 0 until run r is claimed, and exactly one
 * compareExchange from 0 wins it. The caller claims r = runs - 1, runs - 2, ... and stops at its first
 * loss: a worker got that run from the cursor, so every run before it went to workers too. A worker
 * stops at its first loss, or at the end: the caller holds that run and every run after it.
 */
export const claimFront = (claims: Int32Array, runs: number): number => {
  const r = Atomics.add(claims, 0, 1);
  return r < runs && Atomics.compareExchange(claims, 1 + r, 0, 1) === 0 ? r : -1;
};

/** The caller's claim of run r (from the back); false: a worker holds it, and so every run before it. */
export const claimBack = (claims: Int32Array, r: number): boolean => r >= 0 && Atomics.compareExchange(claims, 1 + r, 0, 1) === 0;

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
