// `npm run bench -- --quick` end to end (issue 7 items 1-4), from the build (dist/, as `npm run bench`
// runs it; `npm test` builds first): two runs side by side in fresh folders, so each trains from
// nothing: one with 2 threads (training threads, then the pools of table 3), one with 1 (training on
// its main thread, no pools). Both must write the outputs the issue lists and byte-identical models.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../bench/measure.js';
import { fullRecipes, Models } from '../../bench/models.js';
import type { BenchRun } from '../../bench/pipeline.js';
import { SILENT } from '../../bench/progress.js';
import { chainsFor } from '../../bench/training.js';
import { variantsFor } from '../../bench/variants.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = join(ROOT, 'dist/bench/index.js');
const SEED_IDS = ['baseline', 'pruned', 'qat', 'pruned-lite', 'qat-lite', 'pruned-qat-lite', 'baseline-lite', 'ptq-dynamic-lite', 'ptq-int8-lite'];

interface Run {
  dir: string;
  code: number | null;
  stdout: string;
  stderr: string;
  results: BenchRun;
}

function bench(args: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'topiary-bench-'));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [ENTRY, '--quick', '--out', join(dir, 'results'), ...args], { cwd: dir });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const json = join(dir, 'results', 'latest.json');
      done({ dir, code, stdout, stderr, results: existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : null });
    });
  });
}

const modelFiles = (run: Run) => readdirSync(join(run.dir, 'results', 'models')).sort();

describe('npm run bench -- --quick', () => {
  let workers: Run, mainThread: Run;

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first (npm test does)`);
    [workers, mainThread] = await Promise.all([bench(['--threads', '2']), bench(['--threads', '1'])]);
  });
  afterAll(() => {
    for (const r of [workers, mainThread]) if (r) rmSync(r.dir, { recursive: true, force: true });
  });

  it('exits 0, prints the three tables on stdout and progress on stderr', () => {
    for (const r of [workers, mainThread]) {
      expect(r.code, r.stderr).toBe(0);
      for (const title of ['Table 1: one batch of 32', 'Table 2: the whole test set', 'Table 3: the whole test set']) expect(r.stdout).toContain(title);
      expect(r.stderr).toMatch(/\[\s*\d+\.\d s\] baseline: trained in/);
      expect(r.stderr).toMatch(/timing round 1\/1 done/);
    }
    expect(workers.stderr).toMatch(/training \d+ chains on 2 threads/);
    expect(workers.stderr).toMatch(/2 threads: pools started, each gave the one-thread logits\n/);
    expect(mainThread.stderr).not.toMatch(/chains on/);
    // one thread: no multi-thread figure, and the notes say why
    expect(mainThread.results.variants.every((v) => v.latency.fullThreadsMs === null)).toBe(true);
    expect(mainThread.stdout).toMatch(/Not measured \(—\): engine rows: one thread \(--threads 1\)/);
  });

  it('writes latest.json with env, training, runtime and every variant the issue names', () => {
    const r = workers.results;
    expect(r.quick).toBe(true);
    expect(r.env.node).toBe(process.version);
    expect(typeof r.env.cpu).toBe('string');
    expect(r.env.threads).toBeGreaterThanOrEqual(1);
    expect(r.training.samplesPerSecond).toBeGreaterThan(0);
    expect(r.runtime.gzipBytes).toBeGreaterThan(1000); // bench/runtime_size.js's 'as shipped' bundle
    const ids = r.variants.map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining([...SEED_IDS, 'pruned-block-qat-lite', 'pruned-2x4-qat-lite']));
    expect(new Set(ids).size).toBe(ids.length);
    for (const v of r.variants) {
      expect(v.name.length).toBeGreaterThan(0);
      expect(v.accuracy).toBeGreaterThan(0.5); // 3 epochs on 1,000 digits: far above chance (0.1)
      expect(v.accuracy).toBeLessThanOrEqual(1);
      expect(v.sparsity).toBeGreaterThanOrEqual(0);
      expect(v.sparsity).toBeLessThanOrEqual(1);
      expect(v.threads).toBe(2);
      // the size is the file's, and gzip level 9 of it
      const file = readFileSync(join(workers.dir, 'results', v.file!));
      expect(v.id === 'qat' ? v.bytes! > file.length : v.bytes === file.length).toBe(true);
      expect(v.gzipBytes).toBeGreaterThan(0);
      // every row has all four figures: lite rows on the runtime's pool, engine rows on the bench's engine pool
      for (const key of ['batch32Ms', 'fullMs', 'fullThreadsMs', 'batch1Ms'] as const) {
        expect(v.latency[key]!.median, `${v.id} ${key}`).toBeGreaterThan(0);
        expect(v.latency[key]!.spread).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('builds what each row says: sparse rows are sparse, f32 lite agrees with the engine', () => {
    const by = new Map(workers.results.variants.map((v) => [v.id, v]));
    for (const id of ['pruned', 'pruned-lite', 'pruned-qat-lite']) expect(by.get(id)!.sparsity).toBeGreaterThan(0.79);
    expect(by.get('pruned-2x4-qat-lite')!.sparsity).toBeGreaterThan(0.49);
    expect(by.get('pruned-90-qat-lite')!.sparsity).toBeGreaterThan(0.89);
    expect(by.get('baseline')!.sparsity).toBeLessThan(0.01);
    // the same float weights, run by the runtime instead of the engine: at most one digit in 512 may flip on a near tie
    expect(Math.abs(by.get('baseline-lite')!.accuracy - by.get('baseline')!.accuracy)).toBeLessThanOrEqual(1 / 512);
    expect(by.get('pruned-qat-lite')!.bytes).toBeLessThan(by.get('pruned-lite')!.bytes!);
  });

  it('writes latest.md (summary, chart, three tables, notes) and chart.svg', () => {
    const md = readFileSync(join(workers.dir, 'results', 'latest.md'), 'utf8');
    expect(md).toContain('![accuracy against file size and latency](chart.svg)');
    expect(md.match(/^### Table \d/gm)).toHaveLength(3);
    expect(md).toContain('### Notes');
    const svg = readFileSync(join(workers.dir, 'results', 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('gives byte-identical model files and the same accuracies whichever thread trained them', () => {
    const files = modelFiles(workers);
    expect(files).toEqual(modelFiles(mainThread));
    expect(files).toContain('pruned-qat-lite.tpy');
    for (const f of files) {
      const a = readFileSync(join(workers.dir, 'results', 'models', f));
      expect(a.equals(readFileSync(join(mainThread.dir, 'results', 'models', f))), f).toBe(true);
    }
    const acc = (r: Run) => r.results.variants.map((v) => [v.id, v.accuracy]);
    expect(acc(workers)).toEqual(acc(mainThread));
  });

  it('refuses a bad flag with a usage error, before any work', async () => {
    const r = await bench(['--thread', '2']);
    rmSync(r.dir, { recursive: true, force: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--thread/);
    expect(r.results).toBeNull();
  });
});

describe('summarize', () => {
  it('gives the median and the median absolute deviation of the samples', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, spread: 2, samples: 3 });
    expect(summarize([1, 2, 3, 10])).toEqual({ median: 2.5, spread: 1, samples: 4 });
  });
});

describe('chainsFor', () => {
  it('splits the jobs the variants need into chains that start from the baseline, longest first', () => {
    const recipes = fullRecipes();
    const train = { images: new Float32Array(784), labels: new Uint8Array(1), count: 1, height: 28, width: 28, channels: 1 };
    const models = new Models({ train }, recipes, { log: SILENT });
    const needed = [...new Set(variantsFor(recipes).map((v) => v.model))];
    expect(chainsFor(models, needed, new Set(['baseline']))).toEqual([
      ['pruned', 'pqat'], ['block', 'block-pqat'], ['2x4', '2x4-pqat'], ['pruned-90', 'pqat-90'], ['pruned-95', 'pqat-95'], ['qat'],
    ]);
    // with the pruned model loaded already, its QAT is a chain of its own
    expect(chainsFor(models, ['pqat', 'qat'], new Set(['baseline', 'pruned']))).toEqual([['pqat'], ['qat']]);
  });
});
