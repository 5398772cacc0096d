// The size budget (issue 6, item 2): the 80%-pruned int8 seed model must fit in 6,000 bytes without
// gzip. The weights are seeded stand-ins for trained ones (realistic.ts); the report printed here is
// the figure quoted in docs/FORMAT.md.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Precision } from '../../src/format/model.js';
import { writeModelWithReport } from '../../src/format/write.js';
import { seedModel } from './models.js';

function row(label: string, precision: Precision, sparsity: number, names = false) {
  const { bytes, report } = writeModelWithReport(seedModel({ precision, sparsity, seed: 1, names }));
  return { label, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, report };
}

describe('size', () => {
  it('stores the 80%-pruned int8 seed model in at most 6,000 bytes', () => {
    const { raw, gzip, report } = row('int8 80%', 'int8', 0.8);
    const lines = report.tensors.map(
      (t) => `  ${String(t.index).padStart(2)} ${t.dtype.padEnd(5)} [${t.shape}]`.padEnd(28) + ` ${String(t.recordBytes).padStart(5)} B` +
        (t.encoding ? `  ${t.encoding} payload ${t.payloadBytes} B of ${JSON.stringify(t.candidates)}` : ''),
    );
    console.log(`int8, 80% sparse: ${raw} bytes (gzip ${gzip}); header+counts ${report.headerBytes} B, ops ${report.opBytes} B\n${lines.join('\n')}`);
    expect(raw).toBeLessThanOrEqual(6000);
    // the dense kernel is stored entropy-coded: a bitmask alone (2,535 B) + values (4,056 B) would not fit
    const dense = report.tensors.find((t) => t.shape.join() === '2028,10')!;
    expect(dense.encoding).toBe('entropy');
    expect(dense.payloadBytes).toBeLessThan(dense.candidates!.bitmask!);
  });

  it('stays within budget for ten weight seeds', () => {
    const sizes = Array.from({ length: 10 }, (_, i) => writeModelWithReport(seedModel({ precision: 'int8', sparsity: 0.8, seed: i + 1 })).bytes.length);
    console.log(`int8, 80% sparse, seeds 1-10: ${sizes.join(', ')} bytes (max ${Math.max(...sizes)})`);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(6000);
  });

  it('reports every variant, raw and gzip', () => {
    const rows = [
      row('f32 dense', 'f32', 0),
      row('f32 80% sparse', 'f32', 0.8),
      row('dynamic dense', 'dynamic', 0),
      row('dynamic 80% sparse', 'dynamic', 0.8),
      row('int8 dense', 'int8', 0),
      row('int8 80% sparse', 'int8', 0.8),
      row('int8 80% sparse, named', 'int8', 0.8, true),
      row('int8 95% sparse', 'int8', 0.95),
    ];
    console.log(rows.map((r) => `${r.label.padEnd(24)} ${String(r.raw).padStart(6)} B  gzip ${String(r.gzip).padStart(6)} B`).join('\n'));
    const bytes = Object.fromEntries(rows.map((r) => [r.label, r.raw]));
    // each step must shrink the file: sparsity, then quantization
    expect(bytes['f32 80% sparse']).toBeLessThan(bytes['f32 dense']);
    expect(bytes['int8 dense']).toBeLessThan(bytes['f32 dense'] / 3.5);
    expect(bytes['int8 80% sparse']).toBeLessThan(bytes['int8 dense'] / 2);
    expect(bytes['int8 95% sparse']).toBeLessThan(bytes['int8 80% sparse']);
    // the format is already compact: gzip saves little on the sparse int8 file
    const sparse = rows.find((r) => r.label === 'int8 80% sparse')!;
    expect(sparse.gzip).toBeGreaterThan(0.95 * sparse.raw);
  });
});
