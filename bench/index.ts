// `npm run bench` (node dist/bench/index.js): `topiary bench` (src/cli/commands/bench.ts, which runs
// bench/pipeline.ts) with the same flags, tables on stdout and progress on stderr.
//   npm run bench                       train or load every model, measure, write bench/results/
//   npm run bench -- --quick --out DIR  the same on 1,000 training digits, well under a minute
//   npm run bench -- --fresh            retrain instead of loading cached weights
import { runCli } from '../src/cli/cli.js';

process.exitCode = await runCli(['bench', ...process.argv.slice(2)], {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
});
