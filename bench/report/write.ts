// Writes latest.json, latest.md and chart.svg into a results folder. Each file goes to a temp file
// beside it and is renamed over the old one, so a reader (or an interrupted run) never sees half a file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/atomic_write.js';
import { ConfigError } from '../../src/errors.js';
import { chartSvg } from './chart.js';
import type { BenchResults } from './results.js';
import { reportMarkdown } from './table.js';

export const REPORT_FILES = { json: 'latest.json', markdown: 'latest.md', chart: 'chart.svg' } as const;

export interface WrittenReport {
  json: string;
  markdown: string;
  chart: string;
}

export function writeReport(dir: string, results: BenchResults): WrittenReport {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ConfigError('OUT_UNWRITABLE', `cannot create the results folder ${dir} (${(e as Error).message}); pass --out with a folder you can write to`);
  }
  const paths = {
    json: join(dir, REPORT_FILES.json),
    markdown: join(dir, REPORT_FILES.markdown),
    chart: join(dir, REPORT_FILES.chart),
  };
  const contents: [string, string][] = [
    [paths.json, `${JSON.stringify(results, null, 2)}\n`],
    [paths.chart, chartSvg(results)],
    [paths.markdown, reportMarkdown(results, REPORT_FILES.chart)],
  ];
  for (const [path, text] of contents) {
    try {
      writeFileAtomic(path, text);
    } catch (e) {
      throw new ConfigError('OUT_UNWRITABLE', `cannot write ${path} (${(e as Error).message}); pass --out with a folder you can write to`);
    }
  }
  return paths;
}
