// The conversion report as a table for people (the CLI's convert and inspect, the bench).
import type { ConvertReport } from './convert.js';

/**
 * One row per weight or bias: label, dtype, shape, the encoding chosen, its payload bytes, the whole
 * record's bytes (payload + shape, scales, name), and the payload every other encoding would take.
 */
export function formatConvertReport(r: ConvertReport): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const constants = r.tensors.filter((t) => t.encoding !== undefined);
  const row = (cells: string[], note = '') => `${cells[0].padEnd(18)} ${cells[1].padEnd(5)} ${cells[2].padEnd(14)} ${cells[3].padEnd(8)} ${cells[4].padStart(8)} ${cells[5].padStart(8)}${note}`;
  const rows = constants.map((t) => {
    const others = Object.entries(t.candidates ?? {}).filter(([e]) => e !== t.encoding).map(([e, b]) => `${e} ${n(b)}`).join(', ');
    return row([t.label, t.dtype, `[${t.shape}]`, t.encoding!, n(t.payloadBytes!), n(t.recordBytes)], others ? `  (${others})` : '');
  });
  const activations = r.tensors.filter((t) => t.encoding === undefined).reduce((a, t) => a + t.recordBytes, 0);
  return [
    `quantize ${r.quantize}, sparse ${r.sparse}: ${n(r.totalBytes)} bytes`,
    row(['tensor', 'dtype', 'shape', 'encoding', 'payload', 'record']),
    ...rows,
    row([`${r.tensors.length - constants.length} activations`, '', '', '', '', n(activations)]),
    row(['header, ops', '', '', '', '', n(r.headerBytes + r.opBytes)]),
    ...r.notes.map((s) => `note: ${s}`),
  ].join('\n');
}
