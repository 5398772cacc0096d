// A byte-level rewrite of the compiled kernels, run by build-wasm.mjs after asc: every v128.const
// that is a splat (fd 0c + 16 bytes; Binaryen folds each splat of a constant, e.g. i32x4.splat(0) or
// i8x16.splat(-128), into one at every use) becomes the shortest splat of a scalar constant with the
// same 16 bytes: i8x16.splat, i16x8.splat or i32x4.splat of an i32.const (4 bytes for zero), i64x2.splat
// of an i64.const, or f32x4.splat of an f32.const (7 bytes, for 32-bit patterns whose i32.const takes 5;
// never a NaN's, whose bits an engine may not keep). Same value, so the same results; V8 builds each
// in a register. Binaryen would fold them back, so this runs after it, on the binary: the code section
// is decoded instruction by instruction (the core and 0xfc opcodes these builds use, any other throws;
// SIMD opcodes by the spec's immediates), so no immediate that merely looks like a constant is touched.
// Exported: shrinkWasm(bytes) -> { bytes, splats } (the rewritten module and how many constants it rewrote).

function sleb(out, v) {
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return out.push(b);
    out.push(b | 0x80);
  }
}

function sleb64(out, v) {
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) return out.push(b);
    out.push(b | 0x80);
  }
}

/** Appends the bytes of src to out one at a time (push(...src) overflows the stack on a large section). */
function append(out, src) {
  for (let i = 0; i < src.length; i++) out.push(src[i]);
}

function uleb(out, v) {
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
}

class Reader {
  constructor(bytes, pos, end) {
    this.b = bytes;
    this.pos = pos;
    this.end = end;
  }
  byte() {
    if (this.pos >= this.end) throw new Error(`wasm-shrink: read past the end at ${this.pos}`);
    return this.b[this.pos++];
  }
  u32() {
    let r = 0, s = 0, x;
    do {
      x = this.byte();
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80);
    return r;
  }
  /** Skips a memarg (alignment, offset); a memory index (the multi-memory bit, 0x40) is not expected from these builds. */
  memarg() {
    if (this.u32() & 0x40) throw new Error(`wasm-shrink: a memarg with a memory index at ${this.pos}; teach the decoder multi-memory`);
    this.u32();
  }
  /** Skips a signed LEB128 (i32/i64/s33 immediates). */
  sleb() {
    while (this.byte() & 0x80);
  }
  skip(n) {
    this.pos += n;
  }
}

/** Skips one instruction's immediates after its opcode `op`; for a v128.const that splats, returns its shortest splat's bytes (the reader then sits after it). */
function immediates(r, op) {
  if (op === 0x02 || op === 0x03 || op === 0x04) { // block, loop, if: block type (0x40, a value type, or an s33 type index)
    const t = r.b[r.pos];
    if (t === 0x40 || (t >= 0x7b && t <= 0x7f)) r.skip(1);
    else r.sleb();
  } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x24)) r.u32(); // br, br_if, call, local.*, global.*
  else if (op === 0x0e) { // br_table
    for (let n = r.u32(); n >= 0; n--) r.u32();
  } else if (op === 0x11) { r.u32(); r.u32(); } // call_indirect
  else if (op === 0x1c) { for (let n = r.u32(); n > 0; n--) r.skip(1); } // select t*
  else if (op >= 0x28 && op <= 0x3e) r.memarg(); // loads and stores
  else if (op === 0x3f || op === 0x40) r.skip(1); // memory.size, memory.grow
  else if (op === 0x41 || op === 0x42) r.sleb(); // i32.const, i64.const
  else if (op === 0x43) r.skip(4);
  else if (op === 0x44) r.skip(8);
  else if (op === 0xfc) {
    const sub = r.u32();
    if (sub <= 7) return undefined; // saturating truncations
    if (sub === 8) { r.u32(); r.skip(1); } // memory.init
    else if (sub === 9) r.u32(); // data.drop
    else if (sub === 10) r.skip(2); // memory.copy
    else if (sub === 11) r.skip(1); // memory.fill
    else throw new Error(`wasm-shrink: unknown 0xfc ${sub} at ${r.pos}`);
  } else if (op === 0xfd) {
    const sub = r.u32();
    if (sub <= 11 || sub === 92 || sub === 93) r.memarg(); // v128 loads/stores, load32/64_zero
    else if (sub === 12) { // v128.const
      const at = r.pos;
      r.skip(16);
      return splat(r.b.subarray(at, at + 16));
    } else if (sub === 13) r.skip(16); // i8x16.shuffle
    else if (sub >= 21 && sub <= 34) r.skip(1); // extract/replace lane
    else if (sub >= 84 && sub <= 91) { r.memarg(); r.skip(1); } // load/store lane: memarg, lane
    // every other SIMD opcode has no immediates
  } else if ((op >= 0x45 && op <= 0xc4) || op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b) {
    // no immediates: numeric ops, unreachable, nop, else, end, return, drop, select
  } else throw new Error(`wasm-shrink: unknown opcode 0x${op.toString(16)} at ${r.pos - 1}`);
  return undefined;
}

/**
 * The shortest splat of a scalar constant that builds the 16 bytes c, or undefined when c repeats no
 * 8-byte half: i32x4/i16x8/i8x16.splat (fd 11/10/0f) of an i32.const of one lane, f32x4.splat (fd 13)
 * of an f32.const when its 4 bytes beat the i32.const's LEB, i64x2.splat (fd 12) of an i64.const.
 */
function splat(c) {
  const repeats = (w) => c.every((b, i) => b === c[i % w]);
  if (!repeats(8)) return undefined;
  const dv = new DataView(c.buffer, c.byteOffset, 16), options = [];
  const i32 = (v, op) => { const o = [0x41]; sleb(o, v); o.push(0xfd, op); options.push(o); };
  if (repeats(4)) i32(dv.getInt32(0, true), 0x11); // first: of equal lengths it wins (zero: V8 clears a register)
  if (repeats(2)) i32(dv.getInt16(0, true), 0x10);
  if (repeats(1)) i32(dv.getInt8(0), 0x0f);
  if (repeats(4) && !Number.isNaN(dv.getFloat32(0, true))) options.push([0x43, ...c.subarray(0, 4), 0xfd, 0x13]);
  const o = [0x42];
  sleb64(o, dv.getBigInt64(0, true));
  options.push([...o, 0xfd, 0x12]);
  return options.reduce((best, x) => (x.length < best.length ? x : best)); // the first of the shortest
}

/** One function body (locals + code) with its splat constants rewritten. */
function shrinkBody(bytes, start, end, counter) {
  const r = new Reader(bytes, start, end);
  for (let n = r.u32(); n > 0; n--) { r.u32(); r.skip(1); } // local declarations
  const out = Array.from(bytes.subarray(start, r.pos));
  while (r.pos < end) {
    const at = r.pos;
    const shorter = immediates(r, r.byte());
    if (shorter !== undefined) {
      append(out, shorter);
      counter.splats++;
    } else {
      for (let i = at; i < r.pos; i++) out.push(bytes[i]);
    }
  }
  if (r.pos !== end) throw new Error(`wasm-shrink: a function body overran its size (${r.pos} > ${end})`);
  return out;
}

export function shrinkWasm(bytes) {
  const out = Array.from(bytes.subarray(0, 8)), counter = { splats: 0 };
  const r = new Reader(bytes, 8, bytes.length);
  while (r.pos < bytes.length) {
    const id = r.byte(), size = r.u32(), end = r.pos + size;
    let body;
    if (id === 10) {
      body = [];
      const n = r.u32();
      uleb(body, n);
      for (let i = 0; i < n; i++) {
        const len = r.u32();
        const f = shrinkBody(bytes, r.pos, r.pos + len, counter);
        uleb(body, f.length);
        append(body, f);
        r.pos += len;
      }
      if (r.pos !== end) throw new Error('wasm-shrink: the code section has bytes after its last body');
    } else {
      body = Array.from(bytes.subarray(r.pos, end));
    }
    r.pos = end;
    out.push(id);
    uleb(out, body.length);
    append(out, body);
  }
  return { bytes: Uint8Array.from(out), splats: counter.splats };
}
