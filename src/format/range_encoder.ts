// Binary adaptive range encoder, the twin of range_decoder.ts (same probabilities, same bound).
// `low` may exceed 2^32 for a moment: that carry is added to the byte held in `cache` and to the
// 0xFF bytes still pending behind it, as in LZMA's rc_shift_low.
import { probZero } from './range_decoder.js';

export class RangeEncoder {
  private low = 0;
  private range = 0xffffffff;
  private cache = -1; // the byte not yet written (it may still get a carry); -1 before the first
  private pending = 0; // 0xFF bytes behind the cache
  private shifts = 0; // bytes the decoder will shift in after its first 4
  private readonly out: number[] = [];

  bit(counts: Uint32Array, ctx: number, bit: number): void {
    const i = 2 * ctx;
    const bound = (this.range >>> 16) * probZero(counts[i], counts[i + 1]);
    if (bit === 0) {
      this.range = bound;
    } else {
      this.low += bound;
      this.range -= bound;
    }
    counts[i + bit]++;
    while (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.shiftLow();
      this.shifts++;
    }
  }

  /** The stream: exactly 4 + (bytes shifted by the decoder) bytes. */
  finish(): Uint8Array {
    for (let i = 0; i < 5; i++) this.shiftLow();
    const n = 4 + this.shifts;
    if (this.out.length < n) throw new Error(`range encoder flushed ${this.out.length} bytes, expected ${n}`);
    return Uint8Array.from(this.out.slice(0, n));
  }

  private shiftLow(): void {
    if (this.low < 0xff000000 || this.low >= 0x100000000) {
      const carry = this.low >= 0x100000000 ? 1 : 0;
      // The first cache byte is the stream's leading zero (the coded value is < 1): never written.
      if (this.cache >= 0) this.out.push((this.cache + carry) & 0xff);
      for (; this.pending > 0; this.pending--) this.out.push((0xff + carry) & 0xff);
      this.cache = Math.floor(this.low / 0x1000000) & 0xff;
    } else {
      this.pending++;
    }
    this.low = (this.low % 0x1000000) * 256;
  }
}
