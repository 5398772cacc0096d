// topiary bench: the same pipeline and tables as `npm run bench` (bench/pipeline.ts runBench; bench/index.ts
// takes these flags too). Loaded on demand: the other commands never pay for the bench's imports.
import { defineCommand } from '../command.js';
import { dataFlag, seedFlag, threadsFlag } from '../common_flags.js';

export const bench = defineCommand({
  name: 'bench',
  summary: 'build every variant, then measure accuracy, size and latency (the README tables)',
  flags: {
    quick: { type: 'boolean', description: 'a small subset and short training: the whole pipeline in under a minute' },
    fresh: { type: 'boolean', description: 'retrain instead of reusing cached trained models' },
    out: { type: 'string', default: 'bench/results', placeholder: 'DIR', description: 'where to write latest.json, latest.md, chart.svg and models/' },
    threads: { ...threadsFlag, defaultText: 'all cores', description: 'threads for the all-threads table' },
    trainThreads: { type: 'number', integer: true, min: 1, placeholder: 'N', defaultText: '--threads', description: 'models trained at once (1: all on the main thread)' },
    data: dataFlag,
    seed: seedFlag,
  },
  details: [
    'The tables go to stdout, progress to stderr. Trained models are cached in .cache/topiary, keyed by recipe, seed and data.',
    'Example: topiary bench --quick --out /tmp/bench',
  ],
  async run(flags, io) {
    const [{ runBench }, { stderrLog }, { reportText }] = await Promise.all([
      import('../../../bench/pipeline.js'),
      import('../../../bench/progress.js'),
      import('../../../bench/report/table.js'),
    ]);
    const { results } = await runBench({
      quick: flags.quick, fresh: flags.fresh, out: flags.out, threads: flags.threads, trainThreads: flags.trainThreads, seed: flags.seed, dataDir: flags.data, log: stderrLog(io.stderr),
    });
    io.stdout(`${reportText(results)}\nNotes:\n${results.notes.map((n) => `- ${n}`).join('\n')}\n`);
  },
});
