import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { formatSparsityReport, sparsityReport } from '../../src/prune/report.js';

describe('sparsityReport', () => {
  const conv = new Float32Array(108);
  for (let i = 0; i < 22; i++) conv[i * 4] = i + 1; // 22 non-zeros
  const dense = new Float32Array(20280);
  for (let i = 0; i < 4057; i++) dense[i * 4] = -0.5; // 4,057 non-zeros
  dense[2] = -0; // a negative zero is still a zero
  const report = sparsityReport([
    { name: 'conv2d/kernel', shape: [3, 3, 1, 12], values: conv },
    { name: 'dense/kernel', shape: [2028, 10], values: dense },
  ]);

  it('counts size, non-zeros and sparsity per kernel and in total', () => {
    expect(report.kernels.map(({ name, size, nonzeros }) => ({ name, size, nonzeros }))).toEqual([
      { name: 'conv2d/kernel', size: 108, nonzeros: 22 },
      { name: 'dense/kernel', size: 20280, nonzeros: 4057 },
    ]);
    expect(report.kernels[0].sparsity).toBeCloseTo(86 / 108, 12);
    expect(report.kernels[1].sparsity).toBeCloseTo(1 - 4057 / 20280, 12);
    expect(report.total).toEqual({ size: 20388, nonzeros: 4079, sparsity: 1 - 4079 / 20388 });
  });

  it('formats an aligned plain-text table', () => {
    expect(formatSparsityReport(report)).toBe([
      'kernel         shape       size  nonzeros  sparsity',
      'conv2d/kernel  3x3x1x12     108        22    79.63%',
      'dense/kernel   2028x10   20,280     4,057    80.00%',
      'total                    20,388     4,079    79.99%',
    ].join('\n'));
  });

  it('handles no tensors, and rejects values that do not fill the shape', () => {
    expect(sparsityReport([]).total).toEqual({ size: 0, nonzeros: 0, sparsity: 0 });
    expect(() => sparsityReport([{ name: 'k', shape: [2, 2], values: new Float32Array(3) }])).toThrow(ShapeError);
  });
});
