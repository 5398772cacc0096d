// Bounds-checked little-endian reading and CRC-32: everything the reader touches goes through here,
// so no read can pass the end of its record and every failure is a FormatError naming the file.
import { corrupt } from './errors.js';

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

  /** Throws unless `n` more bytes remain. */
  need(n: number): void {
    if (n > this.end - this.pos) throw corrupt(this.name, 'bad_record', `the record at byte ${this.pos} needs ${n} bytes, ${this.end - this.pos} remain`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  f32(): number {
    this.need(4);
    this.pos += 4;
    return this.view.getFloat32(this.pos - 4, true);
  }

  i32(): number {
    this.need(4);
    this.pos += 4;
    return this.view.getInt32(this.pos - 4, true);
  }

  /** Unsigned LEB128, at most 5 bytes, value < 2^32. */
  varint(): number {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      v += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) {
        if (v > 0xffffffff) break;
        return v;
      }
    }
    throw corrupt(this.name, 'bad_record', `the varint ending at byte ${this.pos} is longer than 32 bits`);
  }

  /** Zigzag-coded signed varint (0, -1, 1, -2, ... stored as 0, 1, 2, 3, ...), in int32 range. */
  svarint(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320, as zlib's crc32), bit by bit: no table to ship. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c ^= bytes[i];
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
