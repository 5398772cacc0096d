// The shape of bench/results/latest.json: what one `npm run bench` measured. Everything a table, the
// chart or the README shows comes from here. A measurement that was not taken is null (never 0), and
// every formatter shows it as '—'.

/** A latency measured by tinybench, in milliseconds. */
export interface Latency {
  /** Median time of one call. */
  median: number;
  /** Median absolute deviation of the samples (tinybench's `mad`), same unit: the spread. */
  spread: number;
  /** Timed samples behind the median. */
  samples?: number;
}

export interface VariantLatency {
  /** One batch of 32 test samples, one thread (table 1). */
  batch32Ms: Latency | null;
  /** The whole test set in batches of 32, one thread (table 2). */
  fullMs: Latency | null;
  /** The whole test set split over `threads` threads (table 3). */
  fullThreadsMs: Latency | null;
  /** One sample, one thread. */
  batch1Ms: Latency | null;
}

/** Number format of the variant's weights; colours the chart. */
export type Precision = 'f32' | 'dynamic' | 'int8';

export interface VariantResult {
  /** Stable id: baseline, pruned, qat, pruned-lite, qat-lite, pruned-qat-lite, baseline-lite, ptq-dynamic-lite, ... */
  id: string;
  /** Row label, e.g. "pruned + QAT + lite". */
  name: string;
  /** Test-split accuracy as a fraction in [0, 1]. */
  accuracy: number;
  /** Size of the variant's file in bytes (model file for lite rows, checkpoint for engine rows). */
  bytes: number | null;
  /** Size of that file gzipped (level 9). */
  gzipBytes: number | null;
  /** Fraction of kernel weights that are exactly zero, in [0, 1]. */
  sparsity: number | null;
  latency: VariantLatency;
  /** Threads behind latency.fullThreadsMs. */
  threads: number;
  /** Weights' number format; the chart colours points by it (f32 when absent). */
  precision?: Precision;
  /** The converted file, relative to the results folder, e.g. models/pruned-qat-lite.tpy. */
  file?: string | null;
}

export interface BenchResults {
  /** When the run finished, ISO 8601. */
  date: string;
  /** A --quick run (small subset, short training): not comparable with a full run. */
  quick: boolean;
  env: {
    /** process.version, e.g. v20.20.2. */
    node: string;
    /** os.cpus()[0].model. */
    cpu: string;
    /** Threads available (os.availableParallelism()). */
    threads: number;
  };
  training: {
    /** Training throughput of the baseline, one thread. */
    samplesPerSecond: number | null;
  };
  runtime: {
    /** The runtime's JS + WASM for embedding, gzipped. */
    gzipBytes: number | null;
  };
  /** Every ratio in the tables is against this variant (default 'baseline'). */
  baselineId?: string;
  variants: VariantResult[];
}

/** The variant every ratio is measured against. */
export function baselineOf(results: BenchResults): VariantResult | undefined {
  const id = results.baselineId ?? 'baseline';
  return results.variants.find((v) => v.id === id);
}
