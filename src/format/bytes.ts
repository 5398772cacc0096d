// Bounds-checked little-endian reading and CRC-32: everything the reader touches goes through here,
// so no read can pass the end of its record and every failure is a FormatError naming the file.
import { FormatError } from './errors.js';

export class ByteReader {
  pos: number;
  private readonly view: DataView;

  /** Reads `bytes[start, end)`; `name` (e.g. 'model.tpy') starts every error message. */
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  left(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes remain for `what`. */
  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new FormatError(
        'bad_record',
        `${this.name}: ${what} needs ${n} bytes at offset ${this.pos} but only ${this.end - this.pos} remain; ` +
          `the file is corrupt, re-export the model`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f32(what: string): number {
    this.need(4, what);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Unsigned LEB128, at most 5 bytes, value < 2^32. */
  varint(what: string): number {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8(what);
      v += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) {
        if (v > 0xffffffff) break;
        return v;
      }
    }
    throw new FormatError('bad_record', `${this.name}: ${what} at offset ${this.pos} is not a valid varint; the file is corrupt, re-export the model`);
  }

  /** Zigzag-coded signed varint (0, -1, 1, -2, ... = 0, 1, 2, 3, ...), in int32 range. */
  svarint(what: string): number {
    const z = this.varint(what);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320), bit by bit: no table, ~0.2 ms for a 6 KB model. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c ^= bytes[i];
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
