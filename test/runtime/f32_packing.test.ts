// The f32 packers and geometry helpers the runtime's prepare step calls: Keras padding rules, the packed
// layouts on hand-checked cases. (Kernel numerics: kernels.test.ts.)
import { describe, expect, it } from 'vitest';
import { packConv2d, packConv2dReluMaxpoolSparse, packConv2dSparse, packDenseSparse } from '../../src/runtime/packing/f32.js';
import { conv2dGeometry, conv2dScratchBytes } from '../../src/runtime/packing/f32_params.js';

describe('conv2dGeometry', () => {
  it("follows TF's rules: valid shrinks by k-1, same keeps ceil(h/stride) and pads the extra row at the bottom", () => {
    expect(conv2dGeometry({ n: 1, h: 28, w: 28, cin: 1, cout: 12, kh: 3, kw: 3 })).toMatchObject({ outH: 26, outW: 26, padTop: 0, padLeft: 0 });
    expect(conv2dGeometry({ n: 1, h: 28, w: 28, cin: 1, cout: 12, kh: 3, kw: 3, padding: 'same' })).toMatchObject({ outH: 28, outW: 28, padTop: 1, padLeft: 1 });
    // 8 wide, stride 2, 3x3: 4 outputs need (4-1)*2+3 = 9 columns, one pad column, on the right.
    expect(conv2dGeometry({ n: 1, h: 9, w: 8, cin: 1, cout: 1, kh: 3, kw: 3, strideH: 2, strideW: 2, padding: 'same' })).toMatchObject({ outH: 5, outW: 4, padTop: 1, padLeft: 0 });
  });

  it('needs scratch only when the conv pads', () => {
    expect(conv2dScratchBytes(conv2dGeometry({ n: 2, h: 8, w: 8, cin: 3, cout: 4, kh: 3, kw: 3 }))).toBe(0);
    expect(conv2dScratchBytes(conv2dGeometry({ n: 2, h: 8, w: 8, cin: 3, cout: 4, kh: 3, kw: 3, padding: 'same' }))).toBe(10 * 10 * 3 * 4);
  });
});

describe('packConv2d', () => {
  it('splits 5 output channels into two 4-wide blocks: bias, then per block and tap 4 weights (idle lanes zero)', () => {
    const kernel = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; // [1][1][cin=2][cout=5]
    const packed = packConv2d(kernel, [0.5, 0.25, 0, -1, -2], 1, 1, 2, 5);
    expect(Array.from(packed)).toEqual([0.5, 0.25, 0, -1, -2, 0, 0, 0, 1, 2, 3, 4, 6, 7, 8, 9, 5, 0, 0, 0, 10, 0, 0, 0]);
  });
});

describe('sparse packing', () => {
  const words = (b: Uint8Array) => ({ u32: new Uint32Array(b.buffer), f32: new Float32Array(b.buffer) });

  it('lists each output channel’s nonzeros with their tap byte offsets in the input planes', () => {
    // 1x1 conv over a 2x2 image, cin 3, cout 2: plane ci starts at ci * 2*2 floats.
    const g = conv2dGeometry({ n: 1, h: 2, w: 2, cin: 3, cout: 2, kh: 1, kw: 1 });
    const { u32, f32 } = words(packConv2dSparse([0, 1, 2, 0, 0, 3], [0.5, -0.5], g));
    expect(Array.from(f32.slice(0, 2))).toEqual([0.5, -0.5]);
    expect(Array.from(u32.slice(2, 4))).toEqual([1, 2]); // channel 0: one nonzero, channel 1: two
    expect([u32[4], f32[5]]).toEqual([16, 2]); // channel 0: ci 1 (offset 4 floats), weight 2
    expect([u32[6], f32[7], u32[8], f32[9]]).toEqual([0, 1, 32, 3]);
  });

  it('stores an all-zero column as count 0 and a dense offset as k * 128 bytes', () => {
    const { u32, f32 } = words(packDenseSparse([0, 0, 0, 7, 0, 0], [1, 2], 3, 2));
    expect(Array.from(u32.slice(2, 4))).toEqual([0, 1]);
    expect([u32[4], f32[5]]).toEqual([128, 7]);
    // the chunk table: one chunk of taps, so two rows: each channel's first record, then its end
    expect(Array.from(u32.slice(6))).toEqual([0, 0, 0, 1]);
  });

  it('bounds the records of each dense column per chunk of 128 taps', () => {
    // k = 300 (chunks from taps 0, 128, 256), n = 2: channel 0 nonzero at taps 5, 127, 128 and 299; channel 1 at 200
    const k = 300, n = 2, kernel = new Float32Array(k * n);
    for (const t of [5, 127, 128, 299]) kernel[t * n] = t;
    kernel[200 * n + 1] = -1;
    const { u32 } = words(packDenseSparse(kernel, [0, 0], k, n));
    const records = 2 * n + 2 * 5;
    expect(Array.from(u32.slice(records))).toEqual([0, 4, 2, 4, 3, 5, 4, 5]);
  });

  it('gives a pooled conv nonzero the offsets of its tap in the four sub-images, in 2x2 row/column phase planes', () => {
    // 4x4 input, 3x3 kernel: conv 2x2, pooled 1x1; planes [row phase 2][column phase 2][2][2]. The one
    // nonzero is tap (r 1, s 2); input pixel (R, C) is float (R%2*2 + C%2)*4 + (R>>1)*2 + (C>>1).
    const kernel = new Float32Array(9);
    kernel[1 * 3 + 2] = 5;
    const g = conv2dGeometry({ n: 1, h: 4, w: 4, cin: 1, cout: 1, kh: 3, kw: 3 });
    const { u32, f32 } = words(packConv2dReluMaxpoolSparse(kernel, [0.5], g));
    expect([f32[0], u32[1]]).toEqual([0.5, 1]);
    // sub-images 00 01 10 11 read input (1, 2), (1, 3), (2, 2), (2, 3): floats 9, 13, 3, 7
    expect([...u32.slice(2, 6), f32[6]]).toEqual([36, 52, 12, 28, 5]);
  });
});
