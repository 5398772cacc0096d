import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { CheckpointError, checkpointBytes, readCheckpointHeader, restoreCheckpoint, type CheckpointHeader } from '../../src/model/checkpoint.js';
import { conv2d, dense, flatten, maxPool2d, reshape } from '../../src/model/layers.js';
import { Sequential } from '../../src/model/sequential.js';
import { fit } from '../../src/model/train.js';
import { polynomialDecay } from '../../src/prune/schedule.js';
import { pruneLowMagnitude, pruningStateOf, updatePruningStep } from '../../src/prune/wrap.js';
import { blobs } from '../helpers/blobs.js';

const smallCnn = (seed = 1) => new Sequential(
  [reshape([8, 8, 1]), conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), maxPool2d(), flatten(), dense({ units: 4 })],
  { inputShape: [8, 8], seed },
);
const data = blobs(208, 3); // 13 batches of 16
const schedule = polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.8, beginStep: 0, endStep: 40, frequency: 10 });

/** The checkpoint `bytes` with its JSON header edited by `edit` (the weights moved to the new alignment). */
function withHeader(bytes: Uint8Array, edit: (h: CheckpointHeader) => void): Uint8Array {
  const header = readCheckpointHeader(bytes, 'edit');
  edit(header);
  const oldAt = (12 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true) + 3) & ~3;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataAt = (12 + json.length + 3) & ~3;
  const out = new Uint8Array(dataAt + bytes.length - oldAt);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(bytes.subarray(oldAt), dataAt);
  return out;
}

/** A wrapped model after one epoch: step 13, masks at 50% (updated at step 10). */
function halfwayPruned(): Sequential {
  const p = pruneLowMagnitude(smallCnn(), { schedule });
  fit(p, data, { epochs: 1, batchSize: 16, seed: 2, callbacks: [updatePruningStep()] });
  return p;
}

describe('pruning state in checkpoints (tfmot keeps step, masks and thresholds with the weights)', () => {
  it('saves step, masks and thresholds, and a fresh wrapper resumes the schedule where it stopped', () => {
    const a = halfwayPruned();
    const bytes = checkpointBytes(a);
    expect(readCheckpointHeader(bytes, 'a').state?.pruning).toMatchObject({ step: 13, tensors: ['conv2d/kernel', 'conv2d_1/kernel', 'dense/kernel'] });
    const b = pruneLowMagnitude(smallCnn(9), { schedule });
    restoreCheckpoint(b, bytes, 'a');
    const sa = pruningStateOf(a)!, sb = pruningStateOf(b)!;
    expect(sb.step).toBe(13);
    expect(sb.masks).toEqual(sa.masks);
    expect(sb.thresholds).toEqual(sa.thresholds);
    expect(sb.keptCounts()).toEqual(sa.keptCounts());
    expect(b.store.values).toEqual(a.store.values);
    // resumed: the next update is step 20 (not 10 again), at the schedule's sparsity for step 20
    const steps: number[] = [];
    fit(b, data, { epochs: 1, batchSize: 16, seed: 3, callbacks: [updatePruningStep({ onMaskUpdate: (u) => steps.push(u.step) })] });
    expect(steps).toEqual([20]);
    expect(sb.step).toBe(26);
  });

  it('keeps the NaN thresholds of 2:4 masks through JSON', () => {
    const p = pruneLowMagnitude(smallCnn(), { sparsityMByN: [2, 4], layers: ['conv2d_1', 'dense'] });
    fit(p, data, { epochs: 1, batchSize: 16, callbacks: [updatePruningStep()] });
    const q = pruneLowMagnitude(smallCnn(), { sparsityMByN: [2, 4], layers: ['conv2d_1', 'dense'] });
    restoreCheckpoint(q, checkpointBytes(p), 'mn');
    expect(pruningStateOf(q)!.thresholds).toEqual([NaN, NaN]);
    expect(pruningStateOf(q)!.masks).toEqual(pruningStateOf(p)!.masks);
  });

  it('refuses to load a wrapped checkpoint into a plain model, changing nothing', () => {
    const bytes = checkpointBytes(halfwayPruned());
    const plain = smallCnn(5);
    const before = plain.store.values.slice();
    expect(() => restoreCheckpoint(plain, bytes, 'w.ckpt')).toThrow(ConfigError);
    expect(() => restoreCheckpoint(plain, bytes, 'w.ckpt')).toThrow(/w\.ckpt was saved from a pruning-wrapped model.*stripPruning/);
    expect(plain.store.values).toEqual(before);
  });

  it('refuses state for other pruned layers, and a corrupt mask, before touching the model', () => {
    const bytes = checkpointBytes(halfwayPruned());
    const other = pruneLowMagnitude(smallCnn(5), { schedule, layers: ['dense'] });
    const before = other.store.values.slice();
    expect(() => restoreCheckpoint(other, bytes, 'w')).toThrow(ShapeError);
    expect(() => restoreCheckpoint(other, bytes, 'w')).toThrow(/prunes \[dense\/kernel\]; wrap it with the same layers/);
    expect(other.store.values).toEqual(before);
    expect(pruningStateOf(other)!.step).toBe(-1);

    const bad = withHeader(bytes, (h) => {
      const masks = (h.state!.pruning as { masks: string[] }).masks;
      masks[0] = masks[0].slice(0, -4); // 3 bytes short
    });
    const same = pruneLowMagnitude(smallCnn(5), { schedule });
    expect(() => restoreCheckpoint(same, bad, 'w')).toThrow(/pruning mask holds \d+ bytes/);
    expect(pruningStateOf(same)!.step).toBe(-1);
  });

  it('plain weights load into a wrapped model, whose pruning then starts afresh', () => {
    const base = smallCnn(4);
    const p = pruneLowMagnitude(smallCnn(5), { schedule });
    restoreCheckpoint(p, checkpointBytes(base), 'plain');
    expect(p.store.values).toEqual(base.store.values);
    expect(pruningStateOf(p)!.step).toBe(-1);
  });

  it('names state it cannot restore', () => {
    const out = withHeader(checkpointBytes(smallCnn()), (h) => { h.state = { clustering: {} }; });
    expect(() => restoreCheckpoint(smallCnn(), out, 'x')).toThrow(CheckpointError);
    expect(() => restoreCheckpoint(smallCnn(), out, 'x')).toThrow(/'clustering' state that nothing loaded can restore/);
  });
});
