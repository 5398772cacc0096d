import { describe, expect, it } from 'vitest';
import { convertToBytes, type ConvertOptions } from '../../src/convert/index.js';
import { readModel } from '../../src/format/read.js';
import { mnistCnn } from '../../src/model/mnist_cnn.js';
import { perturb, randomImages } from './helpers.js';

describe("sparse 'auto' vs 'never'", () => {
  const pruned = perturb(mnistCnn({ seed: 11 }), 11, 0.8);
  const modes: ConvertOptions[] = [
    { quantize: 'none' },
    { quantize: 'dynamic' },
    { quantize: 'int8', representativeData: randomImages(20, 784, 5) },
  ];

  for (const mode of modes) {
    it(`quantize '${mode.quantize}': the same decoded model, fewer bytes with 'auto'`, () => {
      const auto = convertToBytes(pruned, { ...mode, sparse: 'auto' });
      const never = convertToBytes(pruned, { ...mode, sparse: 'never' });
      expect(readModel(auto.bytes)).toEqual(readModel(never.bytes));
      expect(never.report.tensors.filter((t) => t.encoding).every((t) => t.encoding === 'dense')).toBe(true);
      expect(auto.report.sparse).toBe('auto');
      const dk = auto.report.tensors.find((t) => t.label === 'dense/kernel')!;
      expect(dk.encoding).not.toBe('dense');
      expect(dk.payloadBytes).toBe(Math.min(...Object.values(dk.candidates!)));
      expect(dk.payloadBytes).toBeLessThan(dk.candidates!.dense! / 2);
      expect(auto.bytes.length).toBeLessThan(never.bytes.length / 2);
    });
  }
});
