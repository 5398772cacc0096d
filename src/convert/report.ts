// The conversion report as a table for people (the CLI's convert and inspect, the bench).
import type { ConvertReport } from './convert.js';

/** One row per tensor with data: label, dtype, shape, encoding, bytes in the file, and what the other encodings would cost. */
export function formatConvertReport(r: ConvertReport): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const rows = r.tensors.filter((t) => t.encoding !== undefined).map((t) => {
    const others = Object.entries(t.candidates ?? {}).filter(([e]) => e !== t.encoding).map(([e, b]) => `${e} ${n(b)}`).join(', ');
    return `${t.label.padEnd(18)} ${t.dtype.padEnd(5)} ${`[${t.shape}]`.padEnd(14)} ${t.encoding!.padEnd(8)} ${n(t.recordBytes).padStart(7)}${others ? `  (${others})` : ''}`;
  });
  const constants = r.tensors.filter((t) => t.encoding !== undefined).reduce((a, t) => a + t.recordBytes, 0);
  const activations = r.tensors.reduce((a, t) => a + t.recordBytes, 0) - constants;
  return [
    `quantize ${r.quantize}, sparse ${r.sparse}: ${n(r.totalBytes)} bytes`,
    `${'tensor'.padEnd(18)} ${'dtype'.padEnd(5)} ${'shape'.padEnd(14)} ${'encoding'.padEnd(8)} ${'bytes'.padStart(7)}`,
    ...rows,
    `${'activations'.padEnd(48)} ${n(activations).padStart(7)}`,
    `${'header, ops'.padEnd(48)} ${n(r.headerBytes + r.opBytes).padStart(7)}`,
    ...r.notes.map((s) => `note: ${s}`),
  ].join('\n');
}
