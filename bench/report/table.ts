// The seed's three tables (one batch of 32; the whole test set on one thread; on all threads), each
// with accuracy, latency and speed-up vs the baseline, file size raw and gzipped with the reduction vs
// the baseline, and sparsity. One table model, rendered for the terminal or as Markdown.
import * as f from './format.js';
import { baselineOf, type BenchResults, type VariantLatency, type VariantResult } from './results.js';

export type TableKind = 'batch32' | 'full' | 'fullThreads';
export const TABLE_KINDS: readonly TableKind[] = ['batch32', 'full', 'fullThreads'];

export interface Column {
  header: string;
  align: 'left' | 'right';
  cell(v: VariantResult): string;
}

export interface Table {
  title: string;
  headers: string[];
  align: ('left' | 'right')[];
  rows: string[][];
}

const LATENCY_KEY: Record<TableKind, keyof VariantLatency> = { batch32: 'batch32Ms', full: 'fullMs', fullThreads: 'fullThreadsMs' };

export function buildTable(results: BenchResults, kind: TableKind): Table {
  const base = baselineOf(results);
  const key = LATENCY_KEY[kind];
  const columns: Column[] = [
    { header: 'Variant', align: 'left', cell: (v) => v.name },
    { header: 'Accuracy', align: 'right', cell: (v) => f.percent(v.accuracy) },
    { header: 'Δ pts', align: 'right', cell: (v) => (v === base ? '' : f.points(v.accuracy, base?.accuracy)) },
    { header: 'Latency ms', align: 'right', cell: (v) => f.latency(v.latency[key]) },
    { header: 'Speed-up', align: 'right', cell: (v) => f.ratio(base?.latency[key]?.median, v.latency[key]?.median) },
    ...(kind === 'batch32' ? [{ header: 'Batch 1 µs', align: 'right', cell: (v: VariantResult) => f.latency(f.scaled(v.latency.batch1Ms, 1000)) } as const] : []),
    ...(kind === 'fullThreads'
      ? [
          { header: 'Threads', align: 'right', cell: (v: VariantResult) => String(v.threads) } as const,
          { header: 'vs 1 thread', align: 'right', cell: (v: VariantResult) => f.ratio(v.latency.fullMs?.median, v.latency.fullThreadsMs?.median) } as const,
        ]
      : []),
    { header: 'Bytes', align: 'right', cell: (v) => f.bytes(v.bytes) },
    { header: 'Smaller', align: 'right', cell: (v) => f.ratio(base?.bytes, v.bytes) },
    { header: 'Gzip bytes', align: 'right', cell: (v) => f.bytes(v.gzipBytes) },
    { header: 'Smaller', align: 'right', cell: (v) => f.ratio(base?.gzipBytes, v.gzipBytes) },
    { header: 'Sparsity', align: 'right', cell: (v) => f.percent(v.sparsity, 1) },
  ];
  return {
    title: tableTitle(results, kind),
    headers: columns.map((c) => c.header),
    align: columns.map((c) => c.align),
    rows: results.variants.map((v) => columns.map((c) => c.cell(v))),
  };
}

function tableTitle(results: BenchResults, kind: TableKind): string {
  if (kind === 'batch32') return 'Table 1: one batch of 32 test samples, one thread';
  if (kind === 'full') return 'Table 2: the whole test set in batches of 32, one thread';
  const threads = [...new Set(results.variants.map((v) => v.threads))];
  return `Table 3: the whole test set, ${threads.length === 1 ? `${threads[0]} threads` : 'all threads'}`;
}

/** Aligned columns under a rule, for a terminal. */
export function renderText(table: Table): string {
  const widths = table.headers.map((h, i) => Math.max(h.length, ...table.rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (table.align[i] === 'left' ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [table.title, line(table.headers), widths.map((w) => '─'.repeat(w)).join('  '), ...table.rows.map(line), ''].join('\n');
}

/** A GitHub-flavoured Markdown table under a heading. */
export function renderMarkdown(table: Table): string {
  const escape = (c: string) => c.replace(/\|/g, '\\|');
  const row = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`;
  const rule = `|${table.align.map((a) => (a === 'left' ? ':---' : '---:')).join('|')}|`;
  return [`### ${table.title}`, '', row(table.headers), rule, ...table.rows.map(row), ''].join('\n');
}

/** One line about the machine and the run, above the tables. */
export function summaryLine(results: BenchResults): string {
  const { env, training, runtime } = results;
  const speed = training.samplesPerSecond == null ? f.MISSING : Math.round(training.samplesPerSecond).toLocaleString('en-US');
  return [
    `Node ${env.node}, ${env.cpu}, ${env.threads} threads${results.quick ? ', --quick run (subset, not comparable)' : ''}`,
    `training ${speed} samples/s (one thread)`,
    `runtime ${f.bytes(runtime.gzipBytes)} bytes gzipped`,
  ].join('; ');
}

/** What `npm run bench` prints. */
export function reportText(results: BenchResults): string {
  return [summaryLine(results), '', ...TABLE_KINDS.map((k) => renderText(buildTable(results, k)))].join('\n');
}

/** latest.md: the summary, the chart and the three tables. */
export function reportMarkdown(results: BenchResults, chartFile = 'chart.svg'): string {
  return [
    '## topiary bench',
    '',
    `${summaryLine(results)}. Measured ${results.date}. Latency: tinybench median ± median absolute deviation; every ratio is against the ${baselineOf(results)?.name ?? "baseline"} row, measured in the same run.`,
    '',
    `![accuracy against file size and latency](${chartFile})`,
    '',
    ...TABLE_KINDS.map((k) => renderMarkdown(buildTable(results, k))),
  ].join('\n');
}
