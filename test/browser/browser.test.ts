// The runtime in a browser: examples/browser/ served on 127.0.0.1 (the runtime bundled from the sources
// into a temp folder, served as /runtime/), opened in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core). The page's logits for the test digits, a clicked digit and a drawn digit
// equal the Node runtime's on the same pixels, bit for bit; its Web Worker pool gives the same logits
// with copied chunks and, on a cross-origin isolated page, with shared memory (and with the scalar
// build, which its workers load as a chunk of their own); a worker that throws
// rejects the pool's call. Skipped when /usr/bin/chromium is absent (`apt-get install chromium`).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRuntime } from '../../examples/browser/build.mjs';
import { loadModel, type Interpreter } from '../../src/runtime/index.js';
import type * as PoolModule from '../../src/runtime/pool.js';

const CHROMIUM = '/usr/bin/chromium';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const example = join(root, 'examples/browser');
/** Where the test leaves its screenshot of the page. */
const SCREENSHOT = join(tmpdir(), 'topiary-browser-example.png');

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.map': 'application/json', '.tpy': 'application/octet-stream' };

// A worker that throws on its first job instead of running it (its handler wrapped before the real
// worker registers it), for the pool's failure path in the browser.
const THROWING_WORKER = `const add = self.addEventListener.bind(self);
self.addEventListener = (type, handler) => add(type, (e) => { if (e.data.type === 'job') throw new Error('injected failure'); handler(e); });
await import('./worker.js');
`;

/**
 * Serves examples/browser at /plain/ and at /isolated/ (the latter with the headers that make a page
 * cross-origin isolated, so it has SharedArrayBuffer); /x/runtime/ comes from `runtimeDir`.
 */
function serve(runtimeDir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://host').pathname);
    const m = /^\/(plain|isolated)\/(.*)$/.exec(path);
    const send = (status: number, body: string | Buffer, type = 'text/plain') => {
      res.writeHead(status, {
        'content-type': type,
        ...(m?.[1] === 'isolated' ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
      });
      res.end(body);
    };
    if (!m) return send(404, 'not found');
    const rel = m[2] || 'index.html';
    if (rel === 'runtime/throwing_worker.js') return send(200, THROWING_WORKER, TYPES['.js']);
    const base = rel.startsWith('runtime/') ? runtimeDir : example;
    const file = normalize(join(base, rel.replace(/^runtime\//, '')));
    if (!file.startsWith(base + sep) || !existsSync(file)) return send(404, 'not found');
    send(200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream');
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`test/browser skipped: ${CHROMIUM} is absent (install Debian's chromium package: apt-get install -y chromium)`);

describe.skipIf(!hasChromium)(`the example page in headless Chromium (${CHROMIUM})`, () => {
  let runtimeDir: string, profile: string, server: Server, context: BrowserContext, base: string;
  let node: Interpreter, images: Float32Array, labels: number[];
  const errors: string[] = [];

  beforeAll(async () => {
    runtimeDir = mkdtempSync(join(tmpdir(), 'topiary-browser-runtime-'));
    profile = mkdtempSync(join(tmpdir(), 'topiary-chromium-profile-'));
    await buildRuntime(runtimeDir);
    server = await serve(runtimeDir);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 900, height: 620 },
    });
    node = loadModel(readFileSync(join(example, 'digits.tpy')));
    const samples = JSON.parse(readFileSync(join(example, 'samples.json'), 'utf8')) as { labels: number[]; pixels: string };
    images = Float32Array.from(Buffer.from(samples.pixels, 'base64'), (v) => v / 255);
    labels = samples.labels;
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    for (const d of [runtimeDir, profile]) if (d) rmSync(d, { recursive: true, force: true });
  });

  async function open(kind: 'plain' | 'isolated'): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${kind}: ${e.message}`));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(`${kind} console: ${m.text()}`)));
    await page.goto(`${base}/${kind}/index.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    return page;
  }

  const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

  it('classifies the test digits, a clicked one and a drawn one as the Node runtime does; the pool agrees', async () => {
    const page = await open('plain');
    expect(await page.evaluate(() => (window as unknown as { demo: { isa: string } }).demo.isa)).toBe(node.isa);

    // every test digit on the page's main thread
    const logits = await page.evaluate(() => (window as unknown as { demo: { sampleLogits(): number[] } }).demo.sampleLogits());
    const want = node.run(images, labels.length).slice();
    expect(bits(logits)).toEqual(bits(want));
    const classes = Array.from(node.predict(images, labels.length));
    expect(classes.filter((c, i) => c === labels[i]).length).toBeGreaterThanOrEqual(labels.length - 1); // a trained model

    // a click on a test digit shows its class
    await page.click('#samples canvas[data-index="3"]');
    expect(await page.textContent('#prediction')).toBe(String(classes[3]));

    // a stroke on the pad: the page's 28 x 28 pixels give the same logits in Node
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + 140, box.y + 50);
    await page.mouse.down();
    for (let y = 50; y <= 230; y += 15) await page.mouse.move(box.x + 140 + (y - 50) / 12, box.y + y);
    await page.mouse.up();
    const drawn = await page.evaluate(() => (window as unknown as { demo: { last: { digit: number; logits: number[]; pixels: number[] } } }).demo.last);
    expect(drawn.pixels.filter((v) => v > 0).length).toBeGreaterThan(20);
    expect(bits(drawn.logits)).toEqual(bits(node.run(Float32Array.from(drawn.pixels), 1)));
    expect(await page.textContent('#prediction')).toBe(String(drawn.digit));

    // the pool of Web Workers, chunks copied (no SharedArrayBuffer on a page that is not isolated)
    const pooled = await page.evaluate(() => (window as unknown as { demo: { poolRun(t: number): Promise<{ threads: number; logits: number[]; shared: boolean }> } }).demo.poolRun(2));
    expect([pooled.threads, pooled.shared]).toEqual([2, false]);
    expect(bits(pooled.logits)).toEqual(bits(want));
    expect(await page.textContent('#pool')).toContain('equal this thread');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('on a cross-origin isolated page the pool works in shared memory, with the same logits', async () => {
    const page = await open('isolated');
    const pooled = await page.evaluate(() => (window as unknown as { demo: { poolRun(t: number): Promise<{ logits: number[]; shared: boolean }> } }).demo.poolRun(3));
    expect(pooled.shared).toBe(true);
    expect(bits(pooled.logits)).toEqual(bits(node.run(images, labels.length)));

    // the scalar build, which the workers load as a chunk of its own; an empty input is refused as run() does
    const scalar = await page.evaluate(async () => {
      const { createPool, bytes } = (window as unknown as { demo: { createPool: typeof PoolModule.createPool; bytes: Uint8Array } }).demo;
      const pool = await createPool(bytes, { threads: 2, simd: false });
      const logits = await pool.run(Float32Array.from({ length: 784 * 10 }, (_, i) => i), 10).then((a) => Array.from(a));
      const empty = await pool.run(new Float32Array(0)).then(() => 'resolved', (e: { name: string; code: string }) => `${e.name} ${e.code}`);
      await pool.close();
      return { isa: pool.isa, logits, empty };
    });
    const ramp = Float32Array.from({ length: 784 * 10 }, (_, i) => i);
    expect([scalar.isa, scalar.empty]).toEqual(['scalar', 'RuntimeError input_size']);
    expect(bits(scalar.logits)).toEqual(bits(loadModel(readFileSync(join(example, 'digits.tpy')), { simd: false }).run(ramp, 10)));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a Web Worker that throws rejects the call with worker_failed, and the page does not hang', async () => {
    const page = await open('plain');
    const got = await page.evaluate(async () => {
      const { createPool, bytes } = (window as unknown as { demo: { createPool: typeof PoolModule.createPool; bytes: Uint8Array } }).demo;
      const pool = await createPool(bytes, { threads: 2, worker: new URL('runtime/throwing_worker.js', location.href) });
      const timeout = new Promise((ok) => setTimeout(() => ok('still pending after 10 s'), 10_000));
      const run = pool.run(new Float32Array(784 * 4), 4).then(() => 'resolved', (e: { name: string; code: string; message: string }) => [e.name, e.code, e.message]);
      const result = await Promise.race([run, timeout]);
      const later = await pool.run(new Float32Array(784), 1).then(() => 'resolved', (e: { code: string }) => e.code);
      await pool.close();
      return { result, later };
    });
    expect(got.result).toEqual(['RuntimeError', 'worker_failed', expect.stringMatching(/^worker [12] of 2 threw .*injected failure; the pool is closed/)]);
    expect(got.later).toBe('worker_failed');
    await page.close();
  });
});
