// topiary bench: the same pipeline and tables as `npm run bench`.
import { defineCommand, notAvailableYet } from '../command.js';
import { dataFlag, seedFlag, threadsFlag } from '../common_flags.js';

export const bench = defineCommand({
  name: 'bench',
  summary: 'build every variant, then measure accuracy, size and latency (the README tables)',
  flags: {
    quick: { type: 'boolean', description: 'a small subset and short training: the whole pipeline in under a minute' },
    fresh: { type: 'boolean', description: 'retrain instead of reusing cached trained models' },
    out: { type: 'string', default: 'bench/results', placeholder: 'DIR', description: 'where to write latest.json, latest.md, chart.svg and models/' },
    threads: { ...threadsFlag, defaultText: 'all cores', description: 'threads for the all-threads table' },
    data: dataFlag,
    seed: seedFlag,
  },
  details: ['Example: topiary bench --quick --out /tmp/bench'],
  run() {
    notAvailableYet('bench', 'the bench pipeline (bench/)');
  },
});
