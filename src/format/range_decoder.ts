// Binary adaptive range decoder (the LZMA range coder, with counting probability estimates instead of
// shift updates). The twin encoder is range_encoder.ts; the format's use of it is entropy.ts.
//
//   state: range in [2^24, 2^32), code in [0, range) for a valid stream
//   bit:   bound = (range >>> 16) * P(0)   with P(0) in [1, 65535] / 65536
//          code < bound ? (0, range = bound) : (1, code -= bound, range -= bound)
//   then shift in one byte while range < 2^24 (at most 3 times, since range >= 1 always)
//
// P(0) is the Krichevsky-Trofimov estimate from the bits already coded in the same context,
// (2*n0 + 1) / (2*(n0 + n1) + 2), in integer arithmetic so any implementation gets the same bits.
import type { FormatError } from './errors.js';

/** P(bit = 0) in units of 1/65536, from the counts of zeros and ones seen so far in a context. */
export function probZero(n0: number, n1: number): number {
  const p = Math.floor(((2 * n0 + 1) * 65536) / (2 * (n0 + n1) + 2));
  return p < 1 ? 1 : p > 65535 ? 65535 : p;
}

export class RangeDecoder {
  private range = 0xffffffff;
  private code: number;
  private pos: number;

  /** Decodes `bytes[start, end)`, which starts with 4 bytes of code, big-endian; `fail(why)` makes the error. */
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
    private readonly fail: (why: string) => FormatError,
  ) {
    if (end - start < 4) throw this.short();
    this.code = ((bytes[start] << 24) | (bytes[start + 1] << 16) | (bytes[start + 2] << 8) | bytes[start + 3]) >>> 0;
    this.pos = start + 4;
  }

  /** One bit in context `ctx`; `counts[2*ctx]` and `counts[2*ctx+1]` count the zeros and ones so far. */
  bit(counts: Uint32Array, ctx: number): number {
    const i = 2 * ctx;
    const bound = (this.range >>> 16) * probZero(counts[i], counts[i + 1]);
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    counts[i + bit]++;
    while (this.range < 0x1000000) {
      if (this.pos >= this.end) throw this.short();
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.bytes[this.pos++]) >>> 0;
    }
    return bit;
  }

  /** Throws unless every byte of the stream was used (the encoder writes exactly what is read). */
  finish(): void {
    if (this.pos !== this.end) throw this.fail(`has ${this.end - this.pos} bytes left after decoding`);
  }

  private short(): FormatError {
    return this.fail('ends before its last value is decoded');
  }
}
