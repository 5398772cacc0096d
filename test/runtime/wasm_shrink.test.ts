// scripts/wasm-shrink.mjs: the build's rewrite of each v128.const of four equal lanes into i32x4.splat(i32.const lane).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shrinkWasm } from '../../scripts/wasm-shrink.mjs';

const build = join(dirname(fileURLToPath(import.meta.url)), '../../build');

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
  it('rewrites the splat constants (zero: 14 bytes less; 0x80808080: 10), same results; others stay', () => {
    const before = constModule();
    const { bytes, splats } = shrinkWasm(before);
    expect(splats).toBe(2);
    expect(bytes.length).toBe(before.length - 24);
    const want = [0, 0, 0, 0, 1, 2, 3, 4, ...new Array(4).fill(0x80808080 | 0)];
    expect(stores(before)).toEqual(want);
    expect(stores(bytes)).toEqual(want);
    const k = [0xfd, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0];
    expect(Buffer.from(bytes).includes(Buffer.from(k))).toBe(true);
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
