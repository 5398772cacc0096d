// Bounds-checked little-endian reading and CRC-32: everything the reader touches goes through here,
// so no read can pass the end of its record and every failure is a FormatError.
import { fail } from './errors.js';

export class ByteReader {
  // `declare`d, set in the constructor: the runtime's bundle carries no field declarations
  declare readonly bytes: Uint8Array;
  declare pos: number;
  declare readonly end: number;

  /** Reads `bytes[pos, end)`. */
  constructor(bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  /** Throws unless `n` more bytes are there. */
  need(n: number): void {
    if (n > this.end - this.pos) throw fail('bad_record', `byte ${this.pos}: needs ${n} bytes, ${this.end - this.pos} left`);
  }

  /** Steps over `n` bytes and returns where they start. */
  take(n: number): number {
    this.need(n);
    return (this.pos += n) - n;
  }

  u8(): number {
    return this.bytes[this.take(1)];
  }

  i32(): number {
    const at = this.take(4), b = this.bytes;
    return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
  }

  /** Unsigned LEB128, at most 5 bytes, value < 2^32. */
  varint(): number {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      v += (b & 127) * 2 ** (7 * i);
      if (b < 128) {
        if (v < 2 ** 32) return v;
        break;
      }
    }
    throw fail('bad_record', `byte ${this.pos}: a varint over 32 bits`);
  }
}

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320, as zlib's crc32), bit by bit: no table to ship. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  for (let i = start; i < end; i++) {
    c ^= bytes[i];
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
