// scripts/wasm-shrink.mjs: the build's rewrite of each v128.const that splats into the shortest splat of a scalar constant.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shrinkWasm } from '../../scripts/wasm-shrink.mjs';

const build = join(dirname(fileURLToPath(import.meta.url)), '../../build');


const uleb = (v: number): number[] => {
  const o: number[] = [];
  do { o.push((v & 0x7f) | (v >>> 7 ? 0x80 : 0)); v >>>= 7; } while (v);
  return o;
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const str = (s: string) => [...uleb(s.length), ...Buffer.from(s)];

/** A module of one page (export m) with functions of type (i32) -> (i32), exported by name; `types` extra function types after it (index 1..). */
function wasmModule(funcs: [string, number[], number[]][], types: number[][] = []): Uint8Array<ArrayBuffer> {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 1, 0x7f, 1, 0x7f], ...types])),
    ...section(3, vec(funcs.map(() => [0]))),
    ...section(5, [1, 0, 1]),
    ...section(7, vec([...funcs.map(([name], i) => [...str(name), 0, i]), [...str('m'), 2, 0]])),
    ...section(10, vec(funcs.map(([, locals, code]) => { const body = [...locals, ...code, 0x0b]; return [...uleb(body.length), ...body]; }))),
  ]);
}

const V128_CONST = (bytes: number[]) => [0xfd, 0x0c, ...bytes];
const lanes32 = (...l: number[]) => l.flatMap((v) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24]);
/** local.get 0; the constant; v128.store at the argument; i32.const 0 (no locals). */
const storeAt = (c: number[]): [number[], number[]] => [[0], [0x20, 0x00, ...c, 0xfd, 0x0b, 0x04, 0x00, 0x41, 0x00]];

/** Runs each exported function on each argument and returns what it returned and the first 2 KB of memory after. */
function outcomes(module: Uint8Array<ArrayBuffer>, args: number[]): unknown[] {
  const e = new WebAssembly.Instance(new WebAssembly.Module(module)).exports as Record<string, (x: number) => number> & { m: WebAssembly.Memory };
  const out: unknown[] = [];
  for (const [name, f] of Object.entries(e)) {
    if (typeof f !== 'function') continue;
    for (const x of args) out.push(name, x, f(x));
  }
  return [...out, Array.from(new Uint8Array(e.m.buffer, 0, 2048))];
}

/** A module with one page of memory (m) and three exports that store a v128.const at their i32 argument: zeros (z), 1, 2, 3, 4 (k), -128 bytes (s). */
function constModule(): Uint8Array<ArrayBuffer> {
  const store = (lanes: number[]) => [0x00, 0x20, 0x00, 0xfd, 0x0c, ...lanes, 0xfd, 0x0b, 0x04, 0x00, 0x0b]; // no locals; local.get 0; v128.const; v128.store; end
  const zero = store(new Array(16).fill(0));
  const k = store([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]);
  const s = store(new Array(16).fill(0x80));
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 0]), // type: (i32) -> ()
    ...section(3, [3, 0, 0, 0]),
    ...section(5, [1, 0, 1]), // memory: 1 page
    ...section(7, [4, 1, 0x7a, 0, 0, 1, 0x6b, 0, 1, 1, 0x73, 0, 2, 1, 0x6d, 2, 0]), // exports z, k, s, m
    ...section(10, [3, zero.length, ...zero, k.length, ...k, s.length, ...s]),
  ]);
}

/** What z, k and s leave in memory: k's 1..4 at 0 and 16, z's zeros over the first, s's bytes at 32. */
function stores(module: Uint8Array<ArrayBuffer>): number[] {
  const e = new WebAssembly.Instance(new WebAssembly.Module(module)).exports as Record<'z' | 'k' | 's', (p: number) => void> & { m: WebAssembly.Memory };
  e.k(0); e.k(16); e.z(0); e.s(32);
  return Array.from(new Int32Array(e.m.buffer, 0, 12));
}

describe('wasm-shrink', () => {
  it('rewrites the splat constants (zero: 14 bytes less; bytes of 0x80: 13), same results; others stay', () => {
    const before = constModule();
    const { bytes, splats } = shrinkWasm(before);
    expect(splats).toBe(2);
    expect(bytes.length).toBe(before.length - 27);
    const want = [0, 0, 0, 0, 1, 2, 3, 4, ...new Array(4).fill(0x80808080 | 0)];
    expect(stores(before)).toEqual(want);
    expect(stores(bytes)).toEqual(want);
    const k = [0xfd, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0];
    expect(Buffer.from(bytes).includes(Buffer.from(k))).toBe(true);
  });

  it('takes the shortest splat: i8x16, i16x8, i32x4 of an i32.const, f32x4 of an f32.const, i64x2 of an i64.const; a NaN stays an i32', () => {
    const cases: [string, number[], number[]][] = [
      ['zero', new Array(16).fill(0), [0x41, 0x00, 0xfd, 0x11]],
      ['bytes', new Array(16).fill(0x80), [0x41, 0x80, 0x7f, 0xfd, 0x0f]],
      ['halves', lanes32(0x01000100, 0x01000100, 0x01000100, 0x01000100), [0x41, 0x80, 0x02, 0xfd, 0x10]],
      ['negzero', lanes32(0x80000000, 0x80000000, 0x80000000, 0x80000000), [0x43, 0x00, 0x00, 0x00, 0x80, 0xfd, 0x13]],
      ['nan', lanes32(0x7fc00001, 0x7fc00001, 0x7fc00001, 0x7fc00001), [0x41, 0x81, 0x80, 0x80, 0xfe, 0x07, 0xfd, 0x11]],
      ['pairs', lanes32(1, 2, 1, 2), [0x42, 0x81, 0x80, 0x80, 0x80, 0x20, 0xfd, 0x12]],
      ['none', lanes32(1, 2, 3, 4), V128_CONST(lanes32(1, 2, 3, 4))],
    ];
    const before = wasmModule(cases.map(([name, bytes]) => [name, ...storeAt(V128_CONST(bytes))]));
    const { bytes, splats } = shrinkWasm(before);
    expect(splats).toBe(6);
    expect(bytes).toEqual(wasmModule(cases.map(([name, , want]) => [name, ...storeAt(want)])));
    expect(outcomes(bytes, [0, 16, 48])).toEqual(outcomes(before, [0, 16, 48]));
  });

  it('decodes the immediates next to a constant: block types, br_table, memargs (offset and alignment), lanes, shuffles', () => {
    // 41 fd 0c (i32.const 1661) and a memarg offset of 1661 put "fd 0c", a v128.const's opcode, in
    // immediates; a non-splat constant starts with it and holds a run of 16 equal bytes across its end
    const looks = [0xfd, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c];
    const code = (twelves: number[], sevens: number[], ones: number[]) => [
      0x02, 0x01, // block (type 1: () -> v128)
      0x41, 0xfd, 0x0c, 0x1a, // i32.const 1661, drop
      ...twelves, // a splat inside the typed block
      0x0b, 0x21, 0x01, // end, local.set 1
      0x20, 0x00, 0x20, 0x01, 0xfd, 0x0b, 0x04, 0xfd, 0x0c, // v128.store align=16 offset=1661
      0x20, 0x00, ...V128_CONST(looks), 0xfd, 0x0b, 0x00, 0x10, // v128.store align=1 offset=16
      0x02, 0x40, 0x02, 0x40, // block, block
      0x20, 0x00, 0x41, 0x03, 0x71, 0x0e, 0x02, 0x00, 0x01, 0x01, // (x & 3), br_table [0 1] 1
      0x0b, // end: x & 3 == 0 lands here
      0x20, 0x00, ...sevens, 0xfd, 0x0b, 0x00, 0x20, // v128.store align=1 offset=32
      0x0b,
      0x20, 0x00, // the lane load's address
      0x20, 0x00, 0xfd, 0x00, 0x04, 0xfd, 0x0c, // v128.load align=16 offset=1661
      0xfd, 0x54, 0x00, 0x0c, 0x0c, // v128.load8_lane align=1 offset=12 lane 12
      ...ones,
      0xfd, 0x0d, ...new Array(16).fill(0x0c), // i8x16.shuffle, every lane 12
      0xfd, 0x16, 0x0c, // i8x16.extract_lane_u 12
    ];
    const fn = (c: number[]) => wasmModule([['t', [1, 1, 0x7b], c]], [[0x60, 0, 1, 0x7b]]);
    const before = fn(code(V128_CONST(new Array(16).fill(0x0c)), V128_CONST(lanes32(7, 7, 7, 7)), V128_CONST(lanes32(-1, -1, -1, -1))));
    const { bytes, splats } = shrinkWasm(before);
    expect(splats).toBe(3); // `looks` stays
    expect(bytes).toEqual(fn(code([0x41, 0x0c, 0xfd, 0x0f], [0x41, 0x07, 0xfd, 0x11], [0x41, 0x7f, 0xfd, 0x11])));
    expect(outcomes(bytes, [0, 1, 2, 3, 100])).toEqual(outcomes(before, [0, 1, 2, 3, 100]));
    expect(shrinkWasm(bytes).splats).toBe(0);
  });

  it('copies a code section of over 200 KB (no argument spread)', () => {
    const big = new Array(250_000).fill(0x01); // nops
    const before = wasmModule([['big', [0], [...big, ...V128_CONST(new Array(16).fill(0)), 0x1a, 0x41, 0x00]]]);
    const { bytes, splats } = shrinkWasm(before);
    expect(splats).toBe(1);
    expect(bytes.length).toBe(before.length - 14);
    expect(outcomes(bytes, [0])).toEqual(outcomes(before, [0]));
  });

  it('leaves nothing to rewrite in the built kernels (every opcode they use decodes; a second pass is the identity)', () => {
    for (const stem of ['kernels', 'kernels_int8', 'kernels_f32']) {
      for (const isa of ['simd', 'scalar']) {
        const built = readFileSync(join(build, `${stem}.${isa}.wasm`));
        const { bytes, splats } = shrinkWasm(built);
        expect(splats, `${stem}.${isa}`).toBe(0);
        expect(Buffer.from(bytes).equals(built), `${stem}.${isa}`).toBe(true);
      }
    }
  });
});
