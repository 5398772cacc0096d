// Synthetic bench results for the report tests: made-up numbers in plausible proportions, not
// measurements. Each call returns a fresh copy the test may change.
import type { BenchResults, Latency, Precision, VariantResult } from '../../bench/report/results.js';

const lat = (median: number, spread: number): Latency => ({ median, spread, samples: 50 });

function variant(
  id: string,
  name: string,
  accuracy: number,
  bytes: number,
  gzipBytes: number,
  sparsity: number,
  ms: [number, number, number, number] | null,
  precision: Precision,
): VariantResult {
  return {
    id,
    name,
    accuracy,
    bytes,
    gzipBytes,
    sparsity,
    latency: ms
      ? { batch32Ms: lat(ms[0], ms[0] / 40), fullMs: lat(ms[1], ms[1] / 30), fullThreadsMs: lat(ms[2], ms[2] / 20), batch1Ms: lat(ms[3], ms[3] / 10) }
      : { batch32Ms: null, fullMs: null, fullThreadsMs: null, batch1Ms: null },
    threads: 2,
    precision,
    file: id.endsWith('lite') ? `models/${id}.tpy` : null,
  };
}

export function syntheticResults(): BenchResults {
  return {
    date: '2026-01-02T03:04:05.000Z',
    quick: false,
    env: { node: 'v20.20.2', cpu: 'Synthetic CPU @ 2.00GHz', threads: 2 },
    training: { samplesPerSecond: 12345.6 },
    runtime: { gzipBytes: 11800 },
    variants: [
      variant('baseline', 'baseline', 0.9581, 82000, 76000, 0, [4, 250, 130, 0.2], 'f32'),
      variant('pruned', 'pruned', 0.9561, 82000, 24000, 0.8, [4, 250, 130, 0.2], 'f32'),
      variant('qat', 'QAT', 0.9576, 82000, 76000, 0, [4, 250, 130, 0.2], 'f32'),
      variant('baseline-lite', 'baseline + lite', 0.9581, 81500, 75500, 0, [0.6, 40, 22, 0.03], 'f32'),
      variant('pruned-lite', 'pruned + lite', 0.9561, 20500, 18000, 0.8, [0.3, 20, 11, 0.015], 'f32'),
      variant('qat-lite', 'QAT + lite', 0.9571, 21000, 16500, 0, [0.4, 25, 13.5, 0.02], 'int8'),
      variant('pruned-qat-lite', 'pruned + QAT + lite', 0.9546, 5600, 5100, 0.8, [0.15, 9, 5, 0.008], 'int8'),
      variant('ptq-dynamic-lite', 'PTQ dynamic + lite', 0.9579, 21500, 17000, 0, [0.5, 33, 18, 0.025], 'dynamic'),
      variant('ptq-int8-lite', 'PTQ int8 + lite', 0.9566, 21000, 16600, 0, [0.4, 25.5, 14, 0.02], 'int8'),
      variant('block-lite', 'pruned 1x4 + QAT + lite', 0.9531, 6900, 6200, 0.8, null, 'int8'),
    ],
  };
}
