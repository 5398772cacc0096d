import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.js';
import { dense, flatten } from '../../src/model/layers.js';
import { mnistCnn } from '../../src/model/mnist_cnn.js';
import { Sequential } from '../../src/model/sequential.js';
import { ShapeError } from '../../src/errors.js';

describe('checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'topiary-ckpt-'));

  it('round-trips every weight bit-exactly and leaves no temp file', () => {
    const a = mnistCnn({ seed: 3 });
    const path = join(dir, 'a.ckpt');
    saveCheckpoint(a, path);
    const b = mnistCnn({ seed: 4 });
    expect(b.store.values).not.toEqual(a.store.values);
    loadCheckpoint(b, path);
    expect(b.store.values).toEqual(a.store.values);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a checkpoint of another architecture with a ShapeError naming both', () => {
    const path = join(dir, 'b.ckpt');
    saveCheckpoint(mnistCnn(), path);
    const other = new Sequential([flatten(), dense({ units: 10 })], { inputShape: [28, 28] });
    expect(() => loadCheckpoint(other, path)).toThrow(ShapeError);
    expect(() => loadCheckpoint(other, path)).toThrow(/different model.*dense\.kernel\[784, 10\]/);
  });

  it('gives typed errors for missing, foreign and truncated files', () => {
    const m = mnistCnn();
    expect(() => loadCheckpoint(m, join(dir, 'nope.ckpt'))).toThrow(CheckpointError);
    const foreign = join(dir, 'foreign.ckpt');
    writeFileSync(foreign, 'hello world, not a checkpoint');
    expect(() => loadCheckpoint(m, foreign)).toThrow(/not a topiary checkpoint/);
    const good = join(dir, 'good.ckpt');
    saveCheckpoint(m, good);
    const cut = join(dir, 'cut.ckpt');
    const bytes = readFileSync(good);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    expect(() => loadCheckpoint(m, cut)).toThrow(/truncated/);
    writeFileSync(cut, bytes.subarray(0, 20));
    expect(() => loadCheckpoint(m, cut)).toThrow(CheckpointError);
  });
});
