// Binary adaptive range decoder (the LZMA range coder, with counting probability estimates instead of
// shift updates). The twin encoder is range_encoder.ts; the format's use of it is decode.ts.
//
//   state: range in [2^24, 2^32), code in [0, range) for a valid stream
//   bit:   bound = (range >>> 16) * P(0)   with P(0) in [1, 65535] / 65536
//          code < bound ? (0, range = bound) : (1, code -= bound, range -= bound)
//   then shift in one byte while range < 2^24 (at most 3 times, since range >= 1 always)
//
// P(0) is the Krichevsky-Trofimov estimate from the bits already coded in the same context,
// (2*n0 + 1) / (2*(n0 + n1) + 2), in integer arithmetic so any implementation gets the same bits.
import { fail } from './errors.js';

/** P(bit = 0) in units of 1/65536, from the counts of zeros and ones seen so far in a context. */
export function probZero(n0: number, n1: number): number {
  const p = Math.floor(((2 * n0 + 1) * 65536) / (2 * (n0 + n1) + 2));
  return p < 1 ? 1 : p > 65535 ? 65535 : p;
}

export interface RangeDecoder {
  /** One bit in context `ctx`; `counts[2*ctx]` and `counts[2*ctx+1]` count the zeros and ones so far. */
  bit(counts: Uint32Array, ctx: number): number;
  /** Where the bytes read so far end: after the last bit, the end of the stream (the encoder writes exactly what is read). */
  end(): number;
}

/** Decodes `bytes[start, end)`, which starts with 4 bytes of code, big-endian. */
export function rangeDecoder(bytes: Uint8Array, start: number, end: number): RangeDecoder {
  const short = () => fail('bad_data', 'ends before its last value');
  if (end - start < 4) throw short();
  let range = 2 ** 32 - 1, code = 0, pos = start;
  const shiftIn = () => (code = ((code << 8) | bytes[pos++]) >>> 0);
  while (pos < start + 4) shiftIn();
  return {
    bit(counts, ctx) {
      const i = 2 * ctx;
      const bound = (range >>> 16) * probZero(counts[i], counts[i + 1]);
      const bit = code < bound ? 0 : 1;
      if (bit) {
        code -= bound;
        range -= bound;
      } else range = bound;
      counts[i + bit]++;
      while (range < 2 ** 24) {
        if (pos >= end) throw short();
        range = (range << 8) >>> 0;
        shiftIn();
      }
      return bit;
    },
    end: () => pos,
  };
}
