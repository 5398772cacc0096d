import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chartSvg, formatBytes, placeLabels, type Box, type LabelPoint } from '../../bench/report/chart.js';
import * as f from '../../bench/report/format.js';
import { buildTable, renderMarkdown, renderText, reportMarkdown, reportText } from '../../bench/report/table.js';
import { writeReport } from '../../bench/report/write.js';
import { Rng } from '../../src/data/rng.js';
import { ConfigError } from '../../src/errors.js';
import { syntheticResults } from './synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'topiary-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rowOf = (table: ReturnType<typeof buildTable>, name: string) => {
  const row = table.rows.find((r) => r[0] === name);
  if (!row) throw new Error(`no row ${name}`);
  return Object.fromEntries(table.headers.map((h, i) => [h, row[i]]).filter(([h]) => h !== 'Smaller')) as Record<string, string>;
};
const smaller = (table: ReturnType<typeof buildTable>, name: string) => {
  const row = table.rows.find((r) => r[0] === name)!;
  return table.headers.flatMap((h, i) => (h === 'Smaller' ? [row[i]] : []));
};

describe('cell formats', () => {
  it('keeps three significant digits without exponents', () => {
    expect([f.significant(0.05812), f.significant(1.2345), f.significant(12.345), f.significant(250), f.significant(1234.5)]).toEqual(['0.0581', '1.23', '12.3', '250', '1235']);
  });

  it('formats latency, ratios, accuracy, points and bytes; missing is a dash', () => {
    expect(f.latency({ median: 9.0, spread: 0.3 })).toBe('9.00 ± 0.30');
    expect(f.latency({ median: 250, spread: 8.33 })).toBe('250 ± 8');
    expect(f.latency(null)).toBe('—');
    expect(f.ratio(250, 9)).toBe('27.8×');
    expect([f.ratio(null, 9), f.ratio(250, null), f.ratio(250, 0)]).toEqual(['—', '—', '—']);
    expect(f.percent(0.95812)).toBe('95.81%');
    expect(f.points(0.9546, 0.9581)).toBe('-0.35');
    expect(f.points(0.9591, 0.9581)).toBe('+0.10');
    expect(f.points(0.9581, 0.9581)).toBe('0.00');
    expect(f.points(0.9581, undefined)).toBe('—');
    expect(f.bytes(82225)).toBe('82,225');
  });
});

describe('the three tables', () => {
  const results = syntheticResults();

  it('computes speed-up and size reduction against the baseline, per table', () => {
    const t1 = buildTable(results, 'batch32');
    expect(rowOf(t1, 'baseline')).toMatchObject({ Accuracy: '95.81%', 'Δ pts': '', 'Latency ms': '4.00 ± 0.10', 'Speed-up': '1.00×', Bytes: '82,000', 'Gzip bytes': '76,000', Sparsity: '0.0%' });
    expect(rowOf(t1, 'pruned + QAT + lite')).toMatchObject({ 'Δ pts': '-0.35', 'Latency ms': '0.150 ± 0.004', 'Speed-up': '26.7×', 'Batch 1 µs': '8.00 ± 0.80', Sparsity: '80.0%' });
    expect(smaller(t1, 'pruned + QAT + lite')).toEqual([f.ratio(82000, 5600), f.ratio(76000, 5100)]);
    expect(smaller(t1, 'pruned + QAT + lite')).toEqual(['14.6×', '14.9×']);

    const t2 = buildTable(results, 'full');
    expect(rowOf(t2, 'pruned + QAT + lite')['Speed-up']).toBe('27.8×'); // 250 / 9
    expect(t2.headers).not.toContain('Batch 1 µs');

    const t3 = buildTable(results, 'fullThreads');
    expect(rowOf(t3, 'QAT + lite')).toMatchObject({ 'Latency ms': '13.5 ± 0.7', 'Speed-up': '9.63×', Threads: '2', 'vs 1 thread': '1.85×' }); // 130/13.5, 25/13.5
    expect(t3.title).toBe('Table 3: the whole test set, 2 threads');
  });

  it('shows a dash for every measurement that was not taken', () => {
    const row = rowOf(buildTable(results, 'batch32'), 'pruned 1x4 + QAT + lite');
    expect([row['Latency ms'], row['Speed-up'], row['Batch 1 µs']]).toEqual(['—', '—', '—']);
    const r = syntheticResults();
    r.variants[4].bytes = null;
    r.variants[4].gzipBytes = null;
    r.variants[4].sparsity = null;
    const lite = rowOf(buildTable(r, 'full'), 'pruned + lite');
    expect([lite.Bytes, lite['Gzip bytes'], lite.Sparsity]).toEqual(['—', '—', '—']);
    expect(smaller(buildTable(r, 'full'), 'pruned + lite')).toEqual(['—', '—']);
  });

  it('shows dashes for every ratio when the baseline is absent', () => {
    const r = syntheticResults();
    r.variants.shift();
    const row = rowOf(buildTable(r, 'full'), 'pruned + lite');
    expect([row['Δ pts'], row['Speed-up']]).toEqual(['—', '—']);
    expect(smaller(buildTable(r, 'full'), 'pruned + lite')).toEqual(['—', '—']);
  });

  it('measures against another variant when baselineId says so', () => {
    const r = { ...syntheticResults(), baselineId: 'baseline-lite' };
    expect(rowOf(buildTable(r, 'full'), 'pruned + lite')['Speed-up']).toBe('2.00×'); // 40 / 20
  });

  it('aligns the terminal table: every line as wide as the rule, numbers right-aligned', () => {
    const text = renderText(buildTable(results, 'full'));
    const [title, header, rule, ...rows] = text.trimEnd().split('\n');
    expect(title).toBe('Table 2: the whole test set in batches of 32, one thread');
    expect(header.length).toBe(rule.length);
    for (const row of rows) expect(row.length, row).toBe(rule.length);
    expect(rows.find((r) => r.startsWith('pruned + QAT + lite'))!.endsWith('  80.0%')).toBe(true);
    expect(rows).toHaveLength(results.variants.length);
  });

  it('renders Markdown with one cell per header in every row, and escapes pipes', () => {
    const r = syntheticResults();
    r.variants[1].name = 'pruned | 80%';
    const md = renderMarkdown(buildTable(r, 'batch32'));
    const lines = md.trimEnd().split('\n');
    expect(lines[0]).toBe('### Table 1: one batch of 32 test samples, one thread');
    expect(lines[3]).toMatch(/^\|:---\|(---:\|)+$/);
    const cells = (line: string) => line.split(/(?<!\\)\|/).length;
    for (const line of lines.slice(2)) expect(cells(line), line).toBe(cells(lines[2]));
    expect(md).toContain('| pruned \\| 80% |');
  });

  it('puts the summary, the chart and all three tables in latest.md and the terminal report', () => {
    const md = reportMarkdown(results);
    expect(md).toContain('![accuracy against file size and latency](chart.svg)');
    expect(md).toContain('Node v20.20.2, Synthetic CPU @ 2.00GHz, 2 threads; training 12,346 samples/s (one thread); runtime 11,800 bytes gzipped');
    expect(md.match(/^### Table \d/gm)).toEqual(['### Table 1', '### Table 2', '### Table 3']);
    const text = reportText({ ...results, quick: true, training: { samplesPerSecond: null } });
    expect(text).toContain('--quick run (subset, not comparable)');
    expect(text).toContain('training — samples/s');
    expect(text.match(/^Table \d/gm)).toEqual(['Table 1', 'Table 2', 'Table 3']);
  });
});

describe('chart.svg', () => {
  const results = syntheticResults();
  const svg = chartSvg(results);

  it('is one standalone SVG with balanced elements', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const tag of ['text', 'title', 'circle', 'path']) {
      const open = (svg.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
      const closed = (svg.match(new RegExp(`</${tag}>`, 'g')) ?? []).length + (svg.match(new RegExp(`<${tag}[^>]*/>`, 'g')) ?? []).length;
      expect(closed, tag).toBe(open);
    }
  });

  it('draws one labelled point per variant and panel, skipping what was not measured', () => {
    const tips = [...svg.matchAll(/<title>([^<]*): \d+\.\d\d%<\/title>/g)].map((m) => m[1]);
    const measured = results.variants.filter((v) => v.latency.fullMs).map((v) => v.name);
    expect(tips.sort()).toEqual([...results.variants.map((v) => v.name), ...measured].sort());
    for (const v of results.variants) expect(svg).toContain(`>${v.name}</text>`);
    expect(svg).toContain('not measured: pruned 1x4 + QAT + lite');
  });

  it('labels the axes with units and log ticks, and the accuracy in percent', () => {
    expect(svg).toContain('file size, bytes (log scale)');
    expect(svg).toContain('latency, whole test set, one thread, ms (log scale)');
    for (const tick of ['>5 kB<', '>10 kB<', '>20 kB<', '>50 kB<', '>10 ms<', '>100 ms<', '>95.8%<']) expect(svg).toContain(tick);
    expect([formatBytes(800), formatBytes(8000), formatBytes(2_500_000)]).toEqual(['800 B', '8 kB', '2.5 MB']);
  });

  it('escapes names and survives a single variant', () => {
    const one = syntheticResults();
    one.variants = [{ ...one.variants[0], name: 'a<b & "c"' }];
    const text = chartSvg(one);
    expect(text).toContain('a&lt;b &amp; &quot;c&quot;');
    expect(text).not.toContain('NaN');
    expect(text).not.toContain('Infinity');
  });

  it('places labels of a crowded cluster clear of each other, of every point and inside the plot', () => {
    const bounds: Box = { x0: 0, y0: 0, x1: 500, y1: 300 };
    // 16 points, most within 30 px of each other near the top edge, long names: the real chart's worst case.
    const rng = new Rng(7);
    const pts: LabelPoint[] = Array.from({ length: 16 }, (_, i) => ({
      name: `variant ${i}${i % 3 === 0 ? ' + pruned 2:4 + QAT + lite' : ' + lite'}`,
      x: i < 12 ? 200 + rng.next() * 60 : 40 + rng.next() * 420,
      y: i < 12 ? 20 + rng.next() * 20 : 30 + rng.next() * 240,
      r: 8,
    }));
    const labels = placeLabels(pts, bounds);
    expect(labels.map((l) => l.name)).toEqual(pts.map((p) => p.name));
    const dots: Box[] = pts.map((p) => ({ x0: p.x - p.r, y0: p.y - p.r, x1: p.x + p.r, y1: p.y + p.r }));
    const apart = (a: Box, b: Box) => a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0;
    for (const [i, { box }] of labels.entries()) {
      expect(box.x0 >= 0 && box.x1 <= 500 && box.y0 >= 0 && box.y1 <= 300, `${pts[i].name} inside`).toBe(true);
      expect(box.x1 - box.x0, 'box as wide as the text').toBeGreaterThan(pts[i].name.length * 5);
      for (const [j, other] of labels.entries()) if (j !== i) expect(apart(box, other.box), `${pts[i].name} / ${pts[j].name}`).toBe(true);
      for (const dot of dots) expect(apart(box, dot), `${pts[i].name} on a point`).toBe(true);
    }
    // Labels pushed away get a leader from their point's edge to their box; those right beside do not.
    const led = labels.filter((l) => l.leader);
    expect(led.length).toBeGreaterThan(0);
    expect(led.length).toBeLessThan(labels.length);
    for (const l of led) {
      const p = pts[labels.indexOf(l)];
      expect(Math.hypot(l.leader!.x1 - p.x, l.leader!.y1 - p.y)).toBeCloseTo(p.r, 6);
      const { x2, y2 } = l.leader!;
      expect(x2 >= l.box.x0 && x2 <= l.box.x1 && y2 >= l.box.y0 && y2 <= l.box.y1).toBe(true);
    }
  });

  it("keeps labels off obstacles and puts a lone point's label right beside it", () => {
    const bounds: Box = { x0: 0, y0: 0, x1: 400, y1: 200 };
    const [lone] = placeLabels([{ name: 'baseline', x: 100, y: 100, r: 6 }], bounds);
    expect(lone.leader).toBeUndefined();
    expect(lone.box.x0).toBeGreaterThan(100);
    expect(lone.box.x0 - 100).toBeLessThan(12);
    const wall: Box = { x0: 104, y0: 80, x1: 300, y1: 120 };
    const [moved] = placeLabels([{ name: 'baseline', x: 100, y: 100, r: 6 }], bounds, [wall]);
    expect(moved.box.x1 <= wall.x0 || moved.box.y1 <= wall.y0 || moved.box.y0 >= wall.y1).toBe(true);
  });
});

describe('writeReport', () => {
  it('writes latest.json, latest.md and chart.svg, replacing old ones whole and leaving no temp files', () => {
    const dir = join(root, 'results', 'nested');
    const results = syntheticResults();
    const paths = writeReport(dir, results);
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(results);
    expect(readFileSync(paths.markdown, 'utf8')).toBe(reportMarkdown(results, 'chart.svg'));
    expect(readFileSync(paths.chart, 'utf8')).toBe(chartSvg(results));

    const second = { ...results, date: '2026-02-03T00:00:00.000Z', variants: results.variants.slice(0, 2) };
    writeReport(dir, second);
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(second);
    expect(readdirSync(dir).sort()).toEqual(['chart.svg', 'latest.json', 'latest.md']);
  });

  it('gives a ConfigError naming the path when it cannot write, and leaves no temp file', () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'x');
    const e1 = (() => { try { writeReport(join(blocker, 'sub'), syntheticResults()); } catch (e) { return e; } })();
    expect(e1).toBeInstanceOf(ConfigError);
    expect((e1 as ConfigError).message).toContain(`cannot create the results folder ${join(blocker, 'sub')}`);

    const dir = join(root, 'half');
    mkdirSync(join(dir, 'chart.svg'), { recursive: true }); // a folder where the chart goes: its rename fails
    const e2 = (() => { try { writeReport(dir, syntheticResults()); } catch (e) { return e; } })();
    expect(e2).toBeInstanceOf(ConfigError);
    expect((e2 as ConfigError).message).toContain(`cannot write ${join(dir, 'chart.svg')}`);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(dir, 'latest.md'))).toBe(false);
  });

  it.skipIf(process.getuid?.() === 0)('reports a read-only folder (skipped as root, who may write anywhere)', () => {
    const dir = join(root, 'readonly');
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    expect(() => writeReport(dir, syntheticResults())).toThrow(ConfigError);
    chmodSync(dir, 0o700);
  });
});
