// Latency by tinybench: per variant, one batch of 32 (table 1), the whole test set in batches of 32 on
// one thread (table 2) and on all threads (table 3), and one sample (batch 1). Every task of every
// variant runs in each round, rounds interleaved, and a latency is the median and the median absolute
// deviation of all its rounds' samples: drift on a busy machine hits every row alike, so the ratios
// between rows (all from this one run) hold better than any single figure.
import { Bench } from 'tinybench';
import type { Latency, VariantLatency } from './report/results.js';

export const BATCH = 32;
/** Batch-1 calls per timed iteration: one call takes microseconds, near the timer's resolution. */
export const BATCH1_CALLS = 50;

/** What measuring needs from a variant: its forward pass, on this thread and (maybe) on all threads. */
export interface Runner {
  /** Logits of the first `n` samples of `images`, in batches of 32, on this thread. */
  run(images: Float32Array, n: number): void;
  /** The same over `threads` threads; absent when this variant has no multi-thread path (yet). */
  runThreads?(images: Float32Array, n: number): Promise<void>;
}

export interface Timing {
  /** Rounds over all tasks. */
  rounds: number;
  /** Time budget of one task in one round, ms. */
  time: number;
  /** At least this many samples per task and round. */
  iterations: number;
  warmupTime: number;
  warmupIterations: number;
}

export const FULL_TIMING: Timing = { rounds: 3, time: 150, iterations: 3, warmupTime: 20, warmupIterations: 2 };
export const QUICK_TIMING: Timing = { rounds: 1, time: 10, iterations: 2, warmupTime: 0, warmupIterations: 1 };

type Kind = keyof VariantLatency;

interface Task {
  id: string;
  kind: Kind;
  fn: () => unknown;
  /** Declared, so tinybench never calls the function once untimed to find out (and never overlaps two calls). */
  async: boolean;
}

/** The four timed tasks of one variant over `test` (N x input-size floats). */
function tasksOf(id: string, runner: Runner, test: Float32Array, count: number): Task[] {
  const per = test.length / count;
  const batch = test.subarray(0, BATCH * per);
  const one = test.subarray(0, per);
  const tasks: Task[] = [
    { id, kind: 'batch32Ms', async: false, fn: () => runner.run(batch, BATCH) },
    { id, kind: 'fullMs', async: false, fn: () => runner.run(test, count) },
    {
      id, kind: 'batch1Ms', async: false, fn: () => {
        const t0 = performance.now();
        for (let i = 0; i < BATCH1_CALLS; i++) runner.run(one, 1);
        const ms = performance.now() - t0;
        return { overriddenDuration: ms / BATCH1_CALLS, overriddenIterationCost: ms };
      },
    },
  ];
  const threads = runner.runThreads?.bind(runner);
  if (threads) tasks.push({ id, kind: 'fullThreadsMs', async: true, fn: () => threads(test, count) });
  return tasks;
}

/**
 * Times every runner's tasks, `timing.rounds` rounds interleaved; `onRound` hears of each round's end.
 * A latency not measured (no multi-thread path) stays null.
 */
export async function measureLatencies(
  runners: Map<string, Runner>,
  test: Float32Array,
  count: number,
  timing: Timing,
  onRound: (round: number, ms: number) => void = () => {},
): Promise<Map<string, VariantLatency>> {
  const tasks = [...runners].flatMap(([id, r]) => tasksOf(id, r, test, count));
  const samples = new Map<Task, number[]>(tasks.map((t) => [t, []]));
  for (let round = 0; round < timing.rounds; round++) {
    const t0 = performance.now();
    const bench = new Bench({
      time: timing.time, iterations: timing.iterations, warmupTime: timing.warmupTime, warmupIterations: timing.warmupIterations,
      warmup: timing.warmupIterations > 0, retainSamples: true, throws: true,
    });
    tasks.forEach((t, i) => bench.add(String(i), t.fn, { async: t.async }));
    await bench.run();
    bench.tasks.forEach((bt, i) => {
      const result = bt.result;
      if (result.state !== 'completed') throw new Error(`bench: ${tasks[i].id} ${tasks[i].kind} ended ${result.state}`);
      samples.get(tasks[i])!.push(...(result.latency.samples ?? []));
    });
    onRound(round + 1, performance.now() - t0);
  }
  const out = new Map<string, VariantLatency>([...runners.keys()].map((id) => [id, { batch32Ms: null, fullMs: null, fullThreadsMs: null, batch1Ms: null }]));
  for (const [task, xs] of samples) out.get(task.id)![task.kind] = summarize(xs);
  return out;
}

/** Median and median absolute deviation of the samples. */
export function summarize(samples: readonly number[]): Latency {
  if (samples.length === 0) throw new Error('bench: a task gave no samples');
  const median = medianOf(samples);
  return { median, spread: medianOf(samples.map((x) => Math.abs(x - median))), samples: samples.length };
}

/** The median (the mean of the middle two for an even count); every bench takes its medians here. */
export function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
