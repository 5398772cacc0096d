// The runtime end to end: model files built from engine models run through loadModel and agree with
// the engine (f32 within 1e-5, dynamic range against the engine on dequantized kernels) and with the
// TypeScript integer forward (int8, bit-exact), in both builds, dense and sparse; plus batching,
// buffers and the errors run() gives.
import { describe, expect, it } from 'vitest';
import type { FormatModel } from '../../src/format/model.js';
import { mnistCnn } from '../../src/model/mnist_cnn.js';
import { integerForward } from '../../src/quant/quantized_model.js';
import { loadModel, RuntimeError, type LoadOptions } from '../../src/runtime/index.js';
import { conv2d, dense, flatten, maxPool2d, reshape } from '../../src/model/layers.js';
import { Sequential } from '../../src/model/sequential.js';
import { referenceBackend } from '../../src/engine/backend.js';
import {
  bytesOf, dequantizedCopy, floatModel, images, int8Model, otherArchitecture, pruneKernels, quantizedModel, seedArchitecture,
} from './models.js';

const BUILDS: { simd: boolean }[] = [{ simd: true }, { simd: false }];
const N = 37; // more than one chunk of maxBatch 32, and not a multiple of any tile

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function expectSameBits(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: out[${Math.floor(i / 10)}][${i % 10}] = ${got[i]}, want ${want[i]}`);
  }
}

/** Max pools with 'same' padding that pads (odd sizes, a 3x3/2 window): conv+ReLU then a pool that cannot fuse. */
function samePoolArchitecture(seed: number): Sequential {
  const m = new Sequential([
    reshape([9, 7, 2]),
    conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
    maxPool2d({ poolSize: 2, padding: 'same' }),
    conv2d({ filters: 3, kernelSize: 2, padding: 'same' }),
    maxPool2d({ poolSize: 3, strides: 2, padding: 'same' }),
    flatten(),
    dense({ units: 5 }),
  ], { inputShape: [126], seed, backend: referenceBackend });
  for (const p of m.params) if (p.name === 'bias') p.value.forEach((_, i) => (p.value[i] = 0.05 * (i - 2)));
  return m;
}

function inputOf(m: Sequential, seed = 5, n = N): Float32Array {
  return images(seed, n, m.inputSize);
}

describe('f32 models agree with the engine within 1e-5', () => {
  const cases: [string, () => Sequential, number][] = [
    ['seed architecture', () => seedArchitecture(11), 0],
    ['seed architecture, 80% pruned', () => pruneKernels(seedArchitecture(12), 0.8), 0.8],
    ['other architecture', () => otherArchitecture(13), 0],
    ['other architecture, 90% pruned', () => pruneKernels(otherArchitecture(14), 0.9), 0.9],
    ["'same' max pools that pad", () => samePoolArchitecture(15), 0],
    ["'same' max pools that pad, 80% pruned", () => pruneKernels(samePoolArchitecture(16), 0.8), 0.8],
  ];
  for (const [label, build, sparsity] of cases) {
    const m = build();
    const x = inputOf(m);
    const want = m.predict(x, 8);
    const bytes = bytesOf(floatModel(m));
    for (const { simd } of BUILDS) {
      for (const sparse of ['never', 'always', 'auto'] as const) {
        it(`${label} [${simd ? 'simd' : 'scalar'}, sparse ${sparse}]`, () => {
          const interp = loadModel(bytes, { simd, sparse });
          expect(interp.isa).toBe(simd ? 'simd' : 'scalar');
          const hasSparse = interp.kernels.some((k) => k.includes('sparse'));
          if (sparse === 'never' || (sparse === 'auto' && sparsity === 0)) expect(hasSparse).toBe(false);
          if (sparse === 'always') expect(hasSparse).toBe(true);
          expect(maxAbsDiff(interp.run(x, N), want)).toBeLessThan(1e-5);
        });
      }
    }
  }

  it("the seed model on the engine's default backend (WASM) too", () => {
    const m = mnistCnn({ seed: 17 });
    for (const p of m.params) if (p.name === 'bias') p.value.forEach((_, i) => (p.value[i] = 0.01 * (i - 5)));
    const x = images(3, N, 784);
    expect(maxAbsDiff(loadModel(bytesOf(floatModel(m))).run(x, N), m.predict(x, 8))).toBeLessThan(1e-5);
  });

  it('fuses conv + ReLU + 2x2 pool in the seed model and keeps the rest as separate kernels', () => {
    expect(loadModel(bytesOf(floatModel(seedArchitecture(1))), { sparse: 'never' }).kernels).toEqual(['f32_conv2d_relu_maxpool2d', 'f32_dense']);
    // 'auto' takes the sparse rows from their measured share of zeros on (resolver.ts minSparsity)
    expect(loadModel(bytesOf(floatModel(pruneKernels(seedArchitecture(1), 0.3)))).kernels).toEqual(['f32_conv2d_relu_maxpool2d', 'f32_dense']);
    expect(loadModel(bytesOf(floatModel(pruneKernels(seedArchitecture(1), 0.8)))).kernels).toEqual(['f32_conv2d_relu_maxpool2d_sparse', 'f32_dense_sparse']);
    // the second conv has no ReLU, so its pool runs alone
    expect(loadModel(bytesOf(floatModel(otherArchitecture(1))), { sparse: 'never' }).kernels).toEqual(
      ['f32_conv2d_relu_maxpool2d', 'f32_conv2d_nhwc', 'f32_maxpool2d', 'f32_dense', 'f32_dense'],
    );
    // a 'same' pool that pads does not fuse: the conv and each pool run alone
    expect(loadModel(bytesOf(floatModel(samePoolArchitecture(1))), { sparse: 'never' }).kernels).toEqual(
      ['f32_conv2d_nhwc', 'f32_maxpool2d', 'f32_conv2d_nhwc', 'f32_maxpool2d', 'f32_dense'],
    );
  });
});

describe('dynamic-range models run the f32 kernels on dequantized weights', () => {
  for (const [label, m] of [['seed', seedArchitecture(21)], ['other, 80% pruned', pruneKernels(otherArchitecture(22), 0.8)], ["'same' max pools that pad", samePoolArchitecture(23)]] as const) {
    it(label, () => {
      const x = inputOf(m);
      const want = dequantizedCopy(m).predict(x, 8);
      for (const sparse of ['never', 'always'] as const) {
        const interp = loadModel(bytesOf(floatModel(m, true)), { sparse });
        expect(interp.kernels.every((k) => k.startsWith('f32_'))).toBe(true);
        expect(maxAbsDiff(interp.run(x, N), want)).toBeLessThan(1e-5);
      }
    });
  }
});

describe('int8 models equal the TypeScript integer forward bit for bit', () => {
  const cases: [string, () => Sequential, 'per_tensor' | 'per_channel'][] = [
    ['seed architecture', () => seedArchitecture(31), 'per_tensor'],
    ['seed architecture, 80% pruned', () => pruneKernels(seedArchitecture(32), 0.8), 'per_tensor'],
    ['seed architecture, per-channel dense', () => seedArchitecture(33), 'per_channel'],
    ['other architecture', () => otherArchitecture(34), 'per_channel'],
    ['other architecture, 95% pruned', () => pruneKernels(otherArchitecture(35), 0.95), 'per_tensor'],
    ["'same' max pools that pad", () => samePoolArchitecture(37), 'per_channel'],
  ];
  for (const [label, build, granularity] of cases) {
    const m = build();
    const x = inputOf(m);
    const qm = quantizedModel(m, inputOf(m, 99, 64), 64, granularity);
    const want = integerForward(qm, x, N).logits;
    const bytes = bytesOf(int8Model(qm));
    it(label, () => {
      const outputs: Float32Array[] = [];
      for (const { simd } of BUILDS) {
        for (const sparse of ['never', 'always'] as const) {
          const interp = loadModel(bytes, { simd, sparse });
          expect(interp.kernels.every((k) => k.startsWith('qs8_'))).toBe(true);
          expect(interp.kernels.some((k) => k.includes('sp'))).toBe(sparse === 'always');
          const got = interp.run(x, N).slice();
          expectSameBits(got, want, `${label} [${simd ? 'simd' : 'scalar'}, sparse ${sparse}]`);
          outputs.push(got);
        }
      }
      expect(outputs.length).toBe(4);
    });
  }

  it('fuses conv + pool in the seed model when every multiplier is below 1', () => {
    const m = seedArchitecture(36);
    const qm = quantizedModel(m, inputOf(m, 99, 64), 64);
    const conv = qm.layers.find((l) => l.kind === 'conv2d')!;
    expect(conv.kind === 'conv2d' && Array.from(conv.shifts).every((s) => s <= 0)).toBe(true);
    expect(loadModel(bytesOf(int8Model(qm)), { sparse: 'never' }).kernels).toEqual(['qs8_quantize', 'qs8_conv2d_maxpool2d', 'qs8_gemm', 'qs8_dequantize']);
    expect(loadModel(bytesOf(int8Model(qm)), { sparse: 'always' }).kernels).toEqual(['qs8_quantize', 'qs8_spconv2d_maxpool2d', 'qs8_spmm', 'qs8_dequantize']);
    expect(loadModel(bytesOf(int8Model(qm))).kernels).toEqual(['qs8_quantize', 'qs8_conv2d_maxpool2d', 'qs8_gemm', 'qs8_dequantize']);
    const pruned = pruneKernels(seedArchitecture(36), 0.8);
    const sparse = bytesOf(int8Model(quantizedModel(pruned, inputOf(pruned, 99, 64), 64)));
    // here a multiplier is >= 1 (the pruned conv's outputs are small), so its pool runs alone, and
    // the unfused sparse conv only pays from 80% zeros on: this 3x3x1x12 kernel has 86 of 108
    expect(loadModel(sparse).kernels).toEqual(['qs8_quantize', 'qs8_conv2d_nhwc', 'qs8_maxpool2d', 'qs8_spmm', 'qs8_dequantize']);
  });
});

describe('batches', () => {
  const m = seedArchitecture(41);
  const x = inputOf(m, 6, 70);
  // f32 sparse dense layers: at 60% zeros a last block of 16 rows or fewer runs f32_dense on a dense
  // packing kept beside the sparse one, at 90% the sparse kernel (one row straight from x); batches whose
  // last block of 32 holds 27 or more go batch-minor from the sparse conv to the dense, others NHWC;
  // int8 sparse dense layers: at 80% zeros 4 rows or fewer run qs8_gemm on a dense packing, at 95% qs8_spmm
  const files: [string, FormatModel][] = [
    ['f32', floatModel(m)],
    ['f32 60% pruned', floatModel(pruneKernels(seedArchitecture(43), 0.6))],
    ['f32 90% pruned', floatModel(pruneKernels(seedArchitecture(44), 0.9))],
    ['int8', int8Model(quantizedModel(pruneKernels(seedArchitecture(42), 0.8), inputOf(m, 99, 64), 64))],
    ['int8 95% pruned', int8Model(quantizedModel(pruneKernels(seedArchitecture(45), 0.95), inputOf(m, 99, 64), 64))],
  ];
  for (const [label, model] of files) {
    it(`${label}: a sample's output does not depend on its batch, its chunk or the plan`, () => {
      const bytes = bytesOf(model);
      const whole = loadModel(bytes, { maxBatch: 70, sparse: 'always' }).run(x, 70).slice();
      const chunked = loadModel(bytes, { maxBatch: 8, sparse: 'always' });
      expectSameBits(chunked.run(x, 70), whole, `${label} in chunks of 8`);
      const grown = loadModel(bytes, { sparse: 'always' });
      for (const n of [1, 3, 32, 2, 16, 17, 27]) {
        // one at a time from a fresh plan, then a bigger batch (a new plan), then smaller ones in it
        for (let s = 0; s + n <= 70; s += 17 * n) {
          const part = grown.run(x.subarray(s * 784, (s + n) * 784), n);
          expectSameBits(part, whole.subarray(s * 10, (s + n) * 10), `${label} samples ${s}..${s + n}`);
        }
      }
    });
  }

  it('predict gives the first largest output of run', () => {
    const interp = loadModel(bytesOf(files[0][1]));
    const logits = interp.run(x).slice();
    const classes = interp.predict(x);
    expect(classes).toBeInstanceOf(Int32Array);
    expect(classes.length).toBe(70);
    classes.forEach((c, s) => {
      const row = Array.from(logits.subarray(s * 10, s * 10 + 10));
      expect(c).toBe(row.indexOf(Math.max(...row)));
    });
  });

  it('returns a reused view unless given an output, and then fills and returns that', () => {
    const interp = loadModel(bytesOf(files[0][1]));
    const a = interp.run(x.subarray(0, 3 * 784), 3);
    const first = a.slice();
    const b = interp.run(x.subarray(784, 4 * 784), 3);
    expect(b).toBe(a); // same buffer: the earlier result is overwritten
    expect(Array.from(b.subarray(0, 20))).toEqual(Array.from(first.subarray(10, 30)));
    const out = new Float32Array(40).fill(7);
    expect(interp.run(x.subarray(0, 3 * 784), 3, out)).toBe(out);
    expect(Array.from(out.subarray(0, 30))).toEqual(Array.from(first));
    expect(out[35]).toBe(7);
    const ids = new Int32Array(3);
    expect(interp.predict(x.subarray(0, 3 * 784), 3, ids)).toBe(ids);
  });
});

describe('bad input gives a RuntimeError saying what to pass', () => {
  const interp = loadModel(bytesOf(floatModel(seedArchitecture(51))), { warmup: 0 });
  const cases: [string, () => unknown, string, RegExp][] = [
    ['a plain array', () => interp.run([1, 2, 3] as unknown as Float32Array), 'input_type', /input is Array\(3\); pass a Float32Array/],
    ['a Float64Array', () => interp.run(new Float64Array(784) as unknown as Float32Array, 1), 'input_type', /Float64Array\(784\)/],
    ['null', () => interp.predict(null as unknown as Float32Array), 'input_type', /input is null/],
    ['too few values', () => interp.run(new Float32Array(783), 1), 'input_size', /783 values with batchSize 1; pass n >= 1 samples of \[784\] \(784 values each\) and batchSize n or none/],
    ['too many for the batch', () => interp.run(new Float32Array(784 * 3), 2), 'input_size', /2352 values with batchSize 2/],
    ['no batch and a partial sample', () => interp.run(new Float32Array(1000)), 'input_size', /1000 values with batchSize undefined/],
    ['an empty input', () => interp.run(new Float32Array(0)), 'input_size', /0 values/],
    ['batch 0', () => interp.run(new Float32Array(0), 0), 'input_size', /batchSize 0/],
    ['a fractional batch', () => interp.run(new Float32Array(784), 0.5), 'input_size', /batchSize 0.5/],
    ['an output too small', () => interp.run(new Float32Array(784 * 2), 2, new Float32Array(19)), 'input_type', /at least 20 values/],
    ['an output of the wrong type', () => interp.predict(new Float32Array(784), 1, new Uint8Array(1) as unknown as Int32Array), 'input_type', /Int32Array of at least 1/],
  ];
  for (const [label, call, code, message] of cases) {
    it(label, () => {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as RuntimeError).code).toBe(code);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('and the interpreter still works afterwards', () => {
    expect(interp.run(new Float32Array(784), 1).length).toBe(10);
  });
});

describe('load options and unsupported models', () => {
  const bytes = bytesOf(floatModel(seedArchitecture(61)));
  const options: [LoadOptions, RegExp][] = [
    [{ maxBatch: 0 }, /^maxBatch is 0; use an integer >= 1$/],
    [{ maxBatch: 2.5 }, /^maxBatch is 2.5; use an integer >= 1$/],
    [{ sparse: 'sometimes' as 'auto' }, /^sparse is sometimes; use 'auto', 'never' or 'always'$/],
    [{ warmup: -1 }, /^warmup is -1; use an integer >= 0$/],
    [{ simd: 'yes' as unknown as boolean }, /^simd is yes; use true, false, or leave it out/],
  ];
  for (const [o, message] of options) {
    it(`refuses ${JSON.stringify(o)}`, () => {
      expect(() => loadModel(bytes, o)).toThrow(RuntimeError);
      expect(() => loadModel(bytes, o)).toThrow(message);
    });
  }

  const tiny = (op: FormatModel['ops'][number], input: FormatModel['tensors'][number], output: FormatModel['tensors'][number]): Uint8Array =>
    bytesOf({ tensors: [input, output], ops: [op], input: 0, output: 1 });

  it("runs an f32 max pool whose 'same' padding pads, and one that pads nothing", () => {
    const x: FormatModel['tensors'][number] = { name: 'x', dtype: 'f32', shape: [4, 4, 1] };
    const input = Float32Array.from({ length: 16 }, (_, i) => (i * 7) % 16);
    const padded = loadModel(tiny({ op: 'maxpool2d', input: 0, output: 1, pool: [2, 2], strides: [1, 1], padding: 'same' }, x, { name: 'y', dtype: 'f32', shape: [4, 4, 1] }));
    // x = [0 7 14 5; 12 3 10 1; 8 15 6 13; 4 11 2 9]: the last row and column take windows clipped to the image
    expect(Array.from(padded.run(input))).toEqual([12, 14, 14, 5, 15, 15, 13, 13, 15, 15, 13, 13, 11, 11, 9, 9]);
    const exact = loadModel(tiny({ op: 'maxpool2d', input: 0, output: 1, pool: [2, 2], strides: [2, 2], padding: 'same' }, x, { name: 'y', dtype: 'f32', shape: [2, 2, 1] }));
    expect(exact.kernels).toEqual(['f32_maxpool2d']);
    expect(Array.from(exact.run(input))).toEqual([12, 14, 15, 13]);
  });

  it('refuses int8 model inputs and outputs (it takes and gives f32)', () => {
    const q = { scale: Float32Array.of(0.5), zeroPoint: Int32Array.of(3) };
    const int8In = tiny({ op: 'dequantize', input: 0, output: 1 }, { name: 'x', dtype: 'int8', shape: [4], quant: q }, { name: 'y', dtype: 'f32', shape: [4] });
    expect(() => loadModel(int8In)).toThrow(/the model's input is int8 and its output f32/);
    const int8Out = tiny({ op: 'quantize', input: 0, output: 1 }, { name: 'x', dtype: 'f32', shape: [4] }, { name: 'y', dtype: 'int8', shape: [4], quant: q });
    expect(() => loadModel(int8Out)).toThrow(/its output int8/);
  });
});
