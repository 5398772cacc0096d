// Per-kernel sparsity report: what pruning actually left in each weight tensor (counted from the
// values, not the masks, so it also checks a stripped or loaded model).

import { ShapeError } from '../errors.js';

export interface NamedTensor {
  name: string;
  shape: readonly number[];
  values: Float32Array;
}

export interface SparsityRow {
  name: string;
  shape: readonly number[];
  size: number;
  nonzeros: number;
  /** Fraction of exact zeros, 1 - nonzeros / size (0 for an empty tensor). */
  sparsity: number;
}

export interface SparsityReport {
  kernels: SparsityRow[];
  total: { size: number; nonzeros: number; sparsity: number };
}

export function sparsityReport(tensors: readonly NamedTensor[]): SparsityReport {
  const kernels = tensors.map(({ name, shape, values }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== values.length) {
      throw new ShapeError('REPORT_SHAPE', `'${name}' has ${values.length} values but shape [${shape.join(', ')}] holds ${size}; pass the tensor's own shape`);
    }
    let nonzeros = 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonzeros++;
    return { name, shape, size, nonzeros, sparsity: fraction(size, nonzeros) };
  });
  const size = kernels.reduce((a, r) => a + r.size, 0);
  const nonzeros = kernels.reduce((a, r) => a + r.nonzeros, 0);
  return { kernels, total: { size, nonzeros, sparsity: fraction(size, nonzeros) } };
}

/**
 * A plain-text table, e.g.
 *   kernel         shape        size  nonzeros  sparsity
 *   conv2d/kernel  3x3x1x12      108        22    79.63%
 */
export function formatSparsityReport(report: SparsityReport): string {
  const rows = [
    ['kernel', 'shape', 'size', 'nonzeros', 'sparsity'],
    ...report.kernels.map((r) => [r.name, r.shape.join('x'), int(r.size), int(r.nonzeros), pct(r.sparsity)]),
    ['total', '', int(report.total.size), int(report.total.nonzeros), pct(report.total.sparsity)],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return rows.map(line).join('\n');
}

function fraction(size: number, nonzeros: number): number {
  return size === 0 ? 0 : 1 - nonzeros / size;
}

const int = (n: number) => n.toLocaleString('en-US');
const pct = (s: number) => `${(s * 100).toFixed(2)}%`;
