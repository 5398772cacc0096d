import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { findIdxPair, loadIdxDataset, loadIdxDir, loadIdxSplit, parseIdx, readIdxFile } from '../../src/data/idx.js';
import { DataError } from '../../src/errors.js';

const root = mkdtempSync(join(tmpdir(), 'topiary-idx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An IDX file of unsigned bytes: 00 00 08 rank, big-endian dims, data. */
function idx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** `count` images of h x w whose pixel i of image n is (n*7 + i) % 256, labels n % 10. */
function sample(count: number, h = 28, w = 28): { images: Uint8Array; labels: Uint8Array } {
  const px = new Uint8Array(count * h * w).map((_, i) => (Math.floor(i / (h * w)) * 7 + (i % (h * w))) % 256);
  const lb = new Uint8Array(count).map((_, n) => n % 10);
  return { images: idx([count, h, w], px), labels: idx([count], lb) };
}

let seq = 0;
function write(name: string, bytes: Uint8Array, dir = root): string {
  const sub = join(dir, `case${seq++}`);
  mkdirSync(sub);
  const path = join(sub, name);
  writeFileSync(path, bytes);
  return path;
}

function dataError(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

describe('parseIdx', () => {
  it('reads the big-endian header and the data after it', () => {
    const a = parseIdx(idx([2, 3, 258], new Uint8Array(2 * 3 * 258).fill(9)), 'x');
    expect(a.dims).toEqual([2, 3, 258]);
    expect(a.data.length).toBe(2 * 3 * 258);
    expect(a.data.every((b) => b === 9)).toBe(true);
  });

  it('inflates gzipped bytes, detected by magic and not by name', () => {
    const plain = idx([4], [1, 2, 3, 4]);
    expect(Array.from(parseIdx(gzipSync(plain), 'labels.bin').data)).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['empty', new Uint8Array(0), 'IDX_TRUNCATED', /too short/],
    ['wrong magic', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'IDX_BAD_MAGIC', /50 4b 03 04.*not an IDX file/],
    ['float elements', new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'IDX_BAD_TYPE', /0x0d is not unsigned byte/],
    ['header cut short', idx([5, 28, 28], []).subarray(0, 10), 'IDX_TRUNCATED', /3 dimensions but the file has 10 bytes/],
    ['data cut short', idx([3], [1, 2]), 'IDX_TRUNCATED', /need 3 data bytes, the file has 2/],
    ['trailing bytes', idx([2], [1, 2, 3]), 'IDX_TRAILING', /1 bytes after the 2 elements/],
    ['cut gzip stream', gzipSync(idx([100], new Uint8Array(100))).subarray(0, 20), 'IDX_BAD_GZIP', /cannot be inflated/],
  ])('rejects %s with a DataError naming the file', (_, bytes, code, message) => {
    const e = dataError(() => parseIdx(bytes, '/data/foo-idx1-ubyte'));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(/^\/data\/foo-idx1-ubyte: /);
    expect(e.message).toMatch(message);
  });
});

describe('readIdxFile', () => {
  it('names a missing file and says what to pass', () => {
    const e = dataError(() => readIdxFile(join(root, 'nope-idx3-ubyte')));
    expect(e.code).toBe('IDX_MISSING');
    expect(e.message).toContain('nope-idx3-ubyte does not exist');
    expect(e.message).toContain('--data');
  });
});

describe('loadIdxDataset', () => {
  it('scales pixels to byte/255 and keeps labels, plain and gzipped alike', () => {
    const { images, labels } = sample(5);
    for (const gz of [false, true]) {
      const pack = (b: Uint8Array) => (gz ? gzipSync(b) : b);
      const d = loadIdxDataset(write('i', pack(images)), write('l', pack(labels)));
      expect([d.count, d.height, d.width, d.channels]).toEqual([5, 28, 28, 1]);
      expect(d.images.length).toBe(5 * 784);
      expect(d.images[0]).toBe(Math.fround(0 / 255));
      expect(d.images[783]).toBe(Math.fround((783 % 256) / 255));
      expect(d.images[784 + 10]).toBe(Math.fround(17 / 255));
      expect(Array.from(d.labels)).toEqual([0, 1, 2, 3, 4]);
      expect(Math.max(...d.images)).toBe(1);
    }
  });

  it('requires 28x28 images unless told any size will do', () => {
    const { images, labels } = sample(2, 8, 6);
    const ip = write('small-images-idx3-ubyte', images);
    const lp = write('small-labels-idx1-ubyte', labels);
    const e = dataError(() => loadIdxDataset(ip, lp));
    expect(e.code).toBe('IDX_BAD_DIMS');
    expect(e.message).toContain(`${ip}: images are 8x6, the model needs 28x28`);
    const d = loadIdxDataset(ip, lp, { shape: 'any' });
    expect([d.count, d.height, d.width]).toEqual([2, 8, 6]);
  });

  it('rejects swapped files, count mismatches and labels above 9', () => {
    const { images, labels } = sample(3);
    const ip = write('i', images);
    const lp = write('l', labels);
    expect(dataError(() => loadIdxDataset(lp, ip)).message).toMatch(/1 dimensions .* is this a labels file/);
    expect(dataError(() => loadIdxDataset(ip, ip)).message).toMatch(/3 dimensions .* is this an images file/);

    const four = write('l4', idx([4], [0, 1, 2, 3]));
    const mismatch = dataError(() => loadIdxDataset(ip, four));
    expect(mismatch.code).toBe('IDX_COUNT_MISMATCH');
    expect(mismatch.message).toContain(`${ip} has 3 images but ${four} has 4 labels`);

    const bad = write('l10', idx([3], [0, 10, 2]));
    const label = dataError(() => loadIdxDataset(ip, bad));
    expect(label.code).toBe('IDX_BAD_LABEL');
    expect(label.message).toContain(`${bad}: label 10 at index 1`);
  });
});

describe('loadIdxDir', () => {
  function dirWith(files: Record<string, Uint8Array>): string {
    const dir = join(root, `dir${seq++}`);
    mkdirSync(dir);
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    return dir;
  }

  it('finds MNIST names, gzipped or not, and leaves other files alone', () => {
    const tr = sample(6);
    const te = sample(3);
    const dir = dirWith({
      'train-images-idx3-ubyte.gz': gzipSync(tr.images),
      'train-labels-idx1-ubyte': tr.labels,
      't10k-images-idx3-ubyte': te.images,
      't10k-labels-idx1-ubyte.gz': gzipSync(te.labels),
      'README.md': new TextEncoder().encode('not idx'),
    });
    const { train, test } = loadIdxDir(dir);
    expect(train.count).toBe(6);
    expect(test.count).toBe(3);
    expect(Array.from(test.labels)).toEqual([0, 1, 2]);
  });

  it('accepts the dotted and prefixed variants of the names', () => {
    const tr = sample(2);
    const te = sample(1);
    const dir = dirWith({
      'train-images.idx3-ubyte': tr.images,
      'train-labels.idx1-ubyte': tr.labels,
      'emnist-digits-test-images-idx3-ubyte.gz': gzipSync(te.images),
      'emnist-digits-test-labels-idx1-ubyte.gz': gzipSync(te.labels),
    });
    const { train, test } = loadIdxDir(dir);
    expect([train.count, test.count]).toEqual([2, 1]);
  });

  it('loads one split alone, needing only its own files', () => {
    const te = sample(4);
    const dir = dirWith({ 't10k-images-idx3-ubyte': te.images, 't10k-labels-idx1-ubyte': te.labels });
    expect(loadIdxSplit(dir, 'test').count).toBe(4);
    expect(findIdxPair(dir, 'test')).toEqual({ images: join(dir, 't10k-images-idx3-ubyte'), labels: join(dir, 't10k-labels-idx1-ubyte') });
    expect(dataError(() => loadIdxSplit(dir, 'train')).message).toContain('no train images file (looked for train-images-idx3-ubyte[.gz])');
  });

  it('says which file is missing or ambiguous, and when the folder itself is missing', () => {
    const tr = sample(2);
    const missing = dataError(() => loadIdxDir(dirWith({ 'train-images-idx3-ubyte': tr.images, 'train-labels-idx1-ubyte': tr.labels })));
    expect(missing.code).toBe('IDX_NOT_FOUND');
    expect(missing.message).toContain('no test images file (looked for t10k-images-idx3-ubyte[.gz])');

    const twice = dataError(() =>
      loadIdxDir(dirWith({ 'train-images-idx3-ubyte': tr.images, 'train-images-idx3-ubyte.gz': gzipSync(tr.images) })),
    );
    expect(twice.code).toBe('IDX_AMBIGUOUS');
    expect(twice.message).toContain('train-images-idx3-ubyte, train-images-idx3-ubyte.gz');

    expect(dataError(() => loadIdxDir(join(root, 'no-such-dir'))).code).toBe('IDX_DIR_MISSING');
  });
});

// Debian's dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`) installs the real set here.
const FASHION = '/usr/share/datasets/fashion-mnist';
const haveFashion = existsSync(join(FASHION, 't10k-images-idx3-ubyte.gz'));

describe.skipIf(!haveFashion)(`Fashion-MNIST from ${FASHION} (skipped: install Debian's dataset-fashion-mnist)`, () => {
  it('reads 60,000 + 10,000 28x28 images, balanced over 10 classes', () => {
    const { train, test } = loadIdxDir(FASHION);
    expect([train.count, test.count]).toEqual([60000, 10000]);
    for (const [d, perClass] of [[train, 6000], [test, 1000]] as const) {
      expect(d.images.length).toBe(d.count * 784);
      const counts = new Array(10).fill(0);
      for (const l of d.labels) counts[l]++;
      expect(counts).toEqual(new Array(10).fill(perClass));
      let lo = Infinity, hi = -Infinity;
      for (const v of d.images) { if (v < lo) lo = v; if (v > hi) hi = v; }
      expect([lo, hi]).toEqual([0, 1]);
    }
  });
});
