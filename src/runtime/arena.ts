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

export const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

// Fields are `declare`d (set in the constructor and ensure), so the bundle carries no field declarations.
export class Arena {
  declare f32: Float32Array;
  declare i32: Int32Array;
  /** First free byte: everything below it is persistent, planned buffers start here. */
  declare top: number;
  declare readonly memory: WebAssembly.Memory;

  /** `base`: the first byte the instance's own allocator would hand out (above its static data). */
  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.top = align16(base);
    this.ensure(0);
  }

  /** Copies `data` into fresh persistent bytes (16-byte aligned) and returns their offset. */
  put(data: ArrayBufferView): number {
    const at = this.top, n = data.byteLength;
    this.ensure((this.top = align16(at + n)));
    new Uint8Array(this.memory.buffer, at, n).set(new Uint8Array(data.buffer, data.byteOffset, n));
    return at;
  }

  /** Makes bytes [0, end) + SLACK addressable, growing memory if needed, and renews the views. */
  ensure(end: number): void {
    const need = end + SLACK, have = this.memory.buffer.byteLength;
    if (need > MAX_ARENA_BYTES) throw new RuntimeError('too_large', `the model needs ${need} bytes, over the arena's ${MAX_ARENA_BYTES}; use a smaller maxBatch`);
    try {
      if (need > have) this.memory.grow(Math.ceil((need - have) / 65536));
    } catch {
      throw new RuntimeError('out_of_memory', `memory cannot grow to ${need} bytes; use a smaller maxBatch`);
    }
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }
}

/**
 * Offsets for buffers [bytes, first step, last step] so that two buffers alive at the same step
 * never overlap (TFLite Micro's greedy planner): largest first, each at the lowest offset clear of
 * the already placed buffers it meets in time. Returns [offsets relative to the plan's start, the
 * plan's total size].
 */
export function planOffsets(buffers: readonly number[][]): [offsets: number[], total: number] {
  const offsets: number[] = [], placed: number[] = [];
  let total = 0;
  for (const i of buffers.map((_, i) => i).sort((a, b) => buffers[b][0] - buffers[a][0] || a - b)) {
    const [bytes, first, last] = buffers[i];
    let at = 0;
    for (const j of placed.filter((j) => buffers[j][1] <= last && first <= buffers[j][2]).sort((x, y) => offsets[x] - offsets[y])) {
      if (at + bytes <= offsets[j]) break;
      at = Math.max(at, offsets[j] + buffers[j][0]);
    }
    offsets[i] = at;
    placed.push(i);
    total = Math.max(total, at + bytes);
  }
  return [offsets, total];
}
