// The per-precision entry points: topiary/runtime/int8 runs the seed's int8 model files (QAT + lite,
// pruned + QAT + lite, post-training int8) and topiary/runtime/f32 its f32 and dynamic-range files bit
// for bit as the full topiary/runtime does, on the 2,004 test digits, with the same kernels, in both
// builds; each refuses the other's models with RuntimeError 'wrong_entry' naming the entry to use.
// The models come from the cached seed recipes (src/recipes; trained once, then cached).
import { describe, expect, it } from 'vitest';
import { convertToBytes } from '../../src/convert/index.js';
import { loadMnist } from '../../src/data/mnist.js';
import { trainBaseline } from '../../src/recipes/baseline.js';
import { trainPruned } from '../../src/recipes/pruned.js';
import { SEED_QAT, trainQat } from '../../src/recipes/qat.js';
import * as f32 from '../../src/runtime/f32.js';
import * as full from '../../src/runtime/index.js';
import * as int8 from '../../src/runtime/int8.js';

const { train, test } = loadMnist();
const baseline = trainBaseline(train).model;
const calibration = train.images.subarray(0, 1000 * 784);
const FILES: Record<string, [Uint8Array, 'int8' | 'f32']> = {
  'QAT + lite': [convertToBytes(trainQat(train, SEED_QAT).model).bytes, 'int8'],
  'pruned + QAT + lite': [convertToBytes(trainQat(train, SEED_QAT, { from: 'pruned' }).model).bytes, 'int8'],
  'post-training int8 + lite': [convertToBytes(baseline, { quantize: 'int8', representativeData: calibration }).bytes, 'int8'],
  'baseline + lite (f32)': [convertToBytes(baseline, { quantize: 'none' }).bytes, 'f32'],
  'pruned + lite (f32)': [convertToBytes(trainPruned(train).model, { quantize: 'none' }).bytes, 'f32'],
  'post-training dynamic + lite': [convertToBytes(baseline, { quantize: 'dynamic' }).bytes, 'f32'],
};
const ENTRIES = { int8, f32 };

describe.each(Object.entries(FILES))('%s', (_, [bytes, family]) => {
  const entry = ENTRIES[family], other = ENTRIES[family === 'int8' ? 'f32' : 'int8'];

  it.each([true, false])(`topiary/runtime/${family} gives the full runtime's logits bit for bit (simd %s)`, (simd) => {
    const want = full.loadModel(bytes, { simd }), got = entry.loadModel(bytes, { simd });
    expect(got.isa).toBe(simd ? 'simd' : 'scalar');
    expect(got.kernels).toEqual(want.kernels);
    const a = got.run(test.images), b = want.run(test.images);
    expect(a.length).toBe(test.count * 10);
    const differ = a.findIndex((v, i) => !Object.is(v, b[i]));
    expect(differ, `first differing logit at ${differ}`).toBe(-1);
  });

  it(`topiary/runtime/${family === 'int8' ? 'f32' : 'int8'} refuses it with RuntimeError 'wrong_entry' naming topiary/runtime/${family}`, () => {
    let error: unknown;
    try {
      other.loadModel(bytes, { warmup: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(full.RuntimeError);
    expect((error as { code: string }).code).toBe('wrong_entry');
    expect((error as Error).message).toMatch(new RegExp(`is ${family === 'int8' ? 'int8' : '(f32|dynamic)'}: .*'topiary/runtime' \\(every model\\) or 'topiary/runtime/${family}'`));
  });
});

it('the entries share one RuntimeError class, so instanceof works across them', () => {
  expect(int8.RuntimeError).toBe(full.RuntimeError);
  expect(f32.FormatError).toBe(full.FormatError);
});
