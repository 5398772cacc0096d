import { describe, expect, it } from 'vitest';
import { ConvertError, convert, type ConvertOptions } from '../../src/convert/index.js';
import type { EngineBackend } from '../../src/engine/backend.js';
import { Layer, conv2d, dense, flatten, relu, reshape } from '../../src/model/layers.js';
import { Sequential } from '../../src/model/sequential.js';
import { quantizeInt8 } from '../../src/quant/ptq_model.js';
import { quantizeModel } from '../../src/quant/qat.js';
import { randomImages, toySeed } from './helpers.js';

/** A layer the format has no op for (a user's own). */
class Negate extends Layer {
  readonly config = { type: 'negate' } as unknown as Layer['config'];
  build(s: readonly number[]) {
    return [...s];
  }
  forward(_: EngineBackend, x: Float32Array, y: Float32Array) {
    y.set(x.map((v) => -v));
  }
  backward() {}
}

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConvertError);
    return [(e as ConvertError).code, (e as Error).message];
  }
  throw new Error('no error');
};

describe('convert refuses, with a typed error that says what to do', () => {
  it('a layer with no op in the format, naming it', () => {
    const m = new Sequential([reshape([4, 4, 1]), new Negate(), flatten(), dense({ units: 2 })], { inputShape: [16] });
    expect(codeOf(() => convert(m))).toEqual(['unsupported_layer', expect.stringContaining("layer 1 'negate' (negate) has no op in the model format")]);
  });

  it('a ReLU with no Conv2D or Dense before it', () => {
    const m = new Sequential([relu(), dense({ units: 2 })], { inputShape: [3] });
    expect(codeOf(() => convert(m))).toEqual(['unfoldable_relu', expect.stringContaining("layer 0 'relu' (relu) has no conv2d or dense layer before it")]);
  });

  it('a model that diverged (NaN weights), naming the layer', () => {
    const m = toySeed();
    m.params[2].value[7] = NaN;
    expect(codeOf(() => convert(m))).toEqual(['not_finite', expect.stringContaining("layer 'dense' kernel has NaN at element 7")]);
  });

  it('something that is not a model', () => {
    expect(codeOf(() => convert({ layers: [] } as never))[0]).toBe('bad_model');
  });

  const bad: [string, ConvertOptions, RegExp][] = [
    ['an unknown option', { quantise: 'int8' } as ConvertOptions, /unknown option 'quantise'/],
    ['a quantize value out of its choices', { quantize: 'int4' as never }, /quantize must be one of 'none', 'dynamic', 'int8', got "int4"/],
    ['a sparse value out of its choices', { sparse: 'always' as never }, /sparse must be one of 'auto', 'never'/],
    ['representativeData without int8', { representativeData: new Float32Array(64) }, /representativeData applies only to quantize 'int8' of a float model/],
    ['minElements without dynamic', { quantize: 'int8', representativeData: new Float32Array(64), minElements: 0 }, /minElements applies only to quantize 'dynamic'/],
    ['a negative minElements', { quantize: 'dynamic', minElements: -1 }, /minElements must be an integer >= 0/],
    ['representativeData of the wrong type', { quantize: 'int8', representativeData: [0.5] as never }, /representativeData must be a Dataset or a Float32Array/],
  ];
  for (const [what, options, message] of bad) {
    it(`options: ${what}`, () => {
      const [code, text] = codeOf(() => convert(toySeed(), options));
      expect(code).toBe('bad_option');
      expect(text).toMatch(message);
    });
  }

  it("quantize 'int8' of a float model without samples to calibrate on", () => {
    expect(codeOf(() => convert(toySeed(), { quantize: 'int8' }))).toEqual(['no_calibration_data', expect.stringContaining('needs representativeData')]);
  });

  it('a QuantizedModel or a QAT model asked for f32 or dynamic range', () => {
    const q = quantizeInt8(toySeed(), randomImages(8, 64, 1));
    expect(codeOf(() => convert(q, { quantize: 'none' }))).toEqual(['bad_option', expect.stringContaining("a QuantizedModel is int8 already, so quantize must be 'int8'")]);
    const qat = quantizeModel(toySeed());
    expect(codeOf(() => convert(qat, { quantize: 'dynamic' }))[1]).toMatch(/a QAT model is int8 already/);
  });

  it('a QAT model that never trained: its input range is still [0, 0]', () => {
    const qat = quantizeModel(toySeed());
    expect(() => convert(qat)).toThrow(/scale must be finite and > 0/);
  });

  it('a fake-quant layer in a plain Sequential points to the QAT route', () => {
    const qat = quantizeModel(new Sequential([conv2d({ filters: 2, kernelSize: 1 }), flatten(), dense({ units: 2 })], { inputShape: [2, 2, 1] }));
    const plain = new Sequential(qat.layers, { inputShape: [2, 2, 1] });
    expect(codeOf(() => convert(plain))).toEqual(['unsupported_layer', expect.stringContaining("a QAT model converts with quantize 'int8'")]);
  });
});
