// One arena in the kernel instance's linear memory (TFLite Micro's single arena):
//
//   heap base ─► [ packed weights, params blocks ]  persistent, written once by prepare
//                [ activations and scratch      ]  planned for a batch capacity, replanned when a
//                                                    bigger batch arrives
//                [ SLACK bytes                  ]  so a 16-byte SIMD load at a buffer's end stays in memory
//
// Growing memory detaches every view of it, so the arena owns the views (f32, i32) and renews them
// after each growth; callers read `arena.f32` at call time and never keep their own.
import { RuntimeError } from './errors.js';

/** Largest arena: offsets stay below 2^31, so kernels' i32 arithmetic and JS's `>> 2` never overflow. */
export const MAX_ARENA_BYTES = 2 ** 31 - 2 ** 16;
const SLACK = 64;
const PAGE = 65536;

export const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

export class Arena {
  f32!: Float32Array;
  i32!: Int32Array;
  /** First free byte: everything below it is persistent. */
  private top: number;

  /** `base`: the first byte the instance's own allocator would hand out (above its static data). */
  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = align16(base);
    this.renewViews();
  }

  /** Copies `data` into fresh persistent bytes (16-byte aligned) and returns their offset. */
  put(data: ArrayBufferView): number {
    const at = this.top;
    this.ensure(at + data.byteLength);
    new Uint8Array(this.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.top = align16(at + data.byteLength);
    return at;
  }

  /** Where planned buffers start (the end of the persistent part). */
  get planBase(): number {
    return this.top;
  }

  /** Makes bytes [0, end) + SLACK addressable, growing memory if needed. */
  ensure(end: number): void {
    const need = end + SLACK;
    if (need > MAX_ARENA_BYTES) {
      throw new RuntimeError('too_large', `the model needs ${need} bytes of WebAssembly memory, more than the ${MAX_ARENA_BYTES} a runtime arena may use; load it with a smaller maxBatch`);
    }
    const have = this.memory.buffer.byteLength;
    if (need <= have) return;
    try {
      this.memory.grow(Math.ceil((need - have) / PAGE));
    } catch {
      throw new RuntimeError('out_of_memory', `WebAssembly memory cannot grow to ${need} bytes here; load the model with a smaller maxBatch`);
    }
    this.renewViews();
  }

  private renewViews(): void {
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }
}

/** A buffer to place: its size and the steps that use it (first and last, inclusive). */
export interface Lifetime {
  bytes: number;
  first: number;
  last: number;
}

/**
 * Offsets for buffers so that two buffers alive at the same step never overlap (TFLite Micro's greedy
 * planner): largest first, each at the lowest offset clear of the already placed buffers it meets in
 * time. Returns offsets relative to the plan's start and the plan's total size.
 */
export function planOffsets(buffers: readonly Lifetime[]): { offsets: number[]; total: number } {
  const order = buffers.map((_, i) => i).sort((a, b) => buffers[b].bytes - buffers[a].bytes || a - b);
  const offsets = new Array<number>(buffers.length).fill(0);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const b = buffers[i];
    if (b.bytes === 0) continue;
    const meets = placed.filter((j) => buffers[j].first <= b.last && b.first <= buffers[j].last).sort((x, y) => offsets[x] - offsets[y]);
    let at = 0;
    for (const j of meets) {
      if (at + b.bytes <= offsets[j]) break;
      at = Math.max(at, offsets[j] + buffers[j].bytes);
    }
    offsets[i] = at;
    placed.push(i);
    total = Math.max(total, at + b.bytes);
  }
  return { offsets, total };
}
