// Test/bench buffers in one kernel module's memory: inputs copied in, and the buffers kernels write
// (outputs, scratch) fenced by canary bytes on both sides so a write outside them is caught.
import type { KernelModule } from './wasm.js';

const GUARD = 64;

export class GuardedBuffers {
  private guards: number[] = [];
  constructor(readonly mod: KernelModule, private readonly canary: number) {}

  /** The current memory (alloc may grow it, which detaches older views). */
  get memory(): ArrayBuffer {
    return this.mod.exports.memory.buffer as ArrayBuffer;
  }

  alloc(bytes: number, guarded = false): number {
    const pad = guarded ? GUARD : 0;
    const base = this.mod.exports.alloc(bytes + 2 * pad);
    if (base === 0) throw new RangeError(`kernel memory cannot grow by ${bytes} bytes`);
    if (guarded) {
      new Uint8Array(this.memory, base, GUARD).fill(this.canary);
      new Uint8Array(this.memory, base + GUARD + bytes, GUARD).fill(this.canary);
      this.guards.push(base, base + GUARD + bytes);
    }
    return base + pad;
  }

  /** Copies `a` into fresh memory and returns its offset. */
  put(a: ArrayBufferView): number {
    const ptr = this.alloc(a.byteLength);
    new Uint8Array(this.memory, ptr, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return ptr;
  }

  /** Throws if a kernel wrote outside the buffers it was given. */
  checkGuards(name: string): void {
    const mem = new Uint8Array(this.memory);
    for (const g of this.guards) {
      for (let i = 0; i < GUARD; i++) {
        if (mem[g + i] !== this.canary) throw new Error(`${name} wrote outside its buffers (canary byte at offset ${g + i} changed)`);
      }
    }
  }
}
