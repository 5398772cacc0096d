// Copies the last `npm run bench` outputs into docs/bench/ (latest.md, chart.svg) and puts its header
// and Table 2 between the BENCH markers of README.md, so the front page shows measured figures.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';

const from = process.argv[2] ?? 'bench/results';
mkdirSync('docs/bench', { recursive: true });
copyFileSync(`${from}/chart.svg`, 'docs/bench/chart.svg');
const md = readFileSync(`${from}/latest.md`, 'utf8');
writeFileSync('docs/bench/latest.md', md);

const lines = md.split('\n');
const header = lines.find((l) => l.startsWith('Node '));
const start = lines.findIndex((l) => l.startsWith('### Table 2'));
let end = start + 1;
while (end < lines.length && !lines[end].startsWith('### ')) end++;
const table2 = lines.slice(start, end).join('\n').replace('### Table 2', '#### Table 2').trim();
const block = [
  '<!-- BENCH:BEGIN -->',
  '### What `npm run bench` printed',
  '',
  header,
  '',
  '![accuracy against file size and latency](docs/bench/chart.svg)',
  '',
  table2,
  '',
  'Tables 1 (one batch of 32, batch-1 latency) and 3 (all threads), and the notes: [docs/bench/latest.md](docs/bench/latest.md).',
  '<!-- BENCH:END -->',
].join('\n');
const readme = readFileSync('README.md', 'utf8');
const out = readme.replace(/<!-- BENCH:BEGIN -->[\s\S]*<!-- BENCH:END -->/, block);
writeFileSync('README.md.tmp', out);
renameSync('README.md.tmp', 'README.md');
