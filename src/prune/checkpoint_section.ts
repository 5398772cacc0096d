// The 'pruning' checkpoint section: a pruning-wrapped model's step, masks and thresholds saved beside its
// weights, as tfmot's save_weights keeps pruning_step, mask and threshold with each wrapped layer. Loading
// it into the model pruneLowMagnitude() returns (same architecture, same layers) resumes pruning where it
// stopped; loading it into a plain model is refused, because weights saved mid fine-tune are not yet
// masked (the last Adam step moves them) and would silently lose their sparsity.
import { ConfigError, ShapeError } from '../errors.js';
import type { CheckpointSection } from '../model/checkpoint_sections.js';
import type { Sequential } from '../model/sequential.js';
import type { PruningSnapshot, PruningState } from './pruning_state.js';

/** How the section sits in the checkpoint's JSON header: masks bit-packed (bit i of byte i >> 3, LSB first), base64. */
interface SavedPruning {
  step: number;
  tensors: string[];
  /** JSON has no NaN (m:n thresholds are NaN): null stands for it. */
  thresholds: (number | null)[];
  masks: string[];
}

export function pruningSection(stateOf: (model: Sequential) => PruningState | undefined): CheckpointSection {
  return {
    save(model) {
      const state = stateOf(model);
      if (!state) return undefined;
      const s = state.snapshot();
      const saved: SavedPruning = {
        step: s.step,
        tensors: state.tensors.map((t) => t.name),
        thresholds: s.thresholds.map((t) => (Number.isNaN(t) ? null : t)),
        masks: s.masks.map(packMask),
      };
      return saved;
    },
    prepare(model, saved, name) {
      const state = stateOf(model);
      if (saved === undefined) return () => {}; // plain weights into a wrapped model: pruning starts afresh
      if (!state) {
        throw new ConfigError('CHECKPOINT_PRUNING', `${name} was saved from a pruning-wrapped model (its masks are not baked into the weights); load it into pruneLowMagnitude(model, sameOptions) to resume pruning, or save stripPruning(model) to get plain sparse weights`);
      }
      const snapshot = readSaved(saved, state, name);
      state.checkSnapshot(snapshot);
      return () => state.restore(snapshot);
    },
  };
}

function readSaved(saved: unknown, state: PruningState, name: string): PruningSnapshot {
  const s = saved as Partial<SavedPruning>;
  const ok = typeof s === 'object' && s !== null && typeof s.step === 'number' && Array.isArray(s.tensors) && Array.isArray(s.thresholds) && Array.isArray(s.masks);
  if (!ok) throw new ShapeError('CHECKPOINT_PRUNING', `${name}: the pruning state in its header is malformed; save the checkpoint again with this version of topiary`);
  const mine = state.tensors.map((t) => t.name);
  if (s.tensors!.join() !== mine.join()) {
    throw new ShapeError('CHECKPOINT_PRUNING', `${name} holds pruning state for [${s.tensors!.join(', ')}] but this model prunes [${mine.join(', ')}]; wrap it with the same layers option it was saved with`);
  }
  return {
    step: s.step!,
    thresholds: s.thresholds!.map((t) => (t === null ? NaN : Number(t))),
    masks: s.masks!.map((m, i) => unpackMask(String(m), state.masks[i]?.length ?? 0, name)),
  };
}

function packMask(mask: Uint8Array): string {
  const bytes = new Uint8Array((mask.length + 7) >> 3);
  for (let i = 0; i < mask.length; i++) if (mask[i]) bytes[i >> 3] |= 1 << (i & 7);
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function unpackMask(base64: string, length: number, name: string): Uint8Array {
  let text: string;
  try {
    text = atob(base64);
  } catch {
    throw new ShapeError('CHECKPOINT_PRUNING', `${name}: a pruning mask in its header is not base64; save the checkpoint again`);
  }
  if (text.length !== (length + 7) >> 3) {
    throw new ShapeError('CHECKPOINT_PRUNING', `${name}: a pruning mask holds ${text.length} bytes, this model's tensor needs ${(length + 7) >> 3}; it was saved from another model`);
  }
  const mask = new Uint8Array(length);
  for (let i = 0; i < length; i++) mask[i] = (text.charCodeAt(i >> 3) >> (i & 7)) & 1;
  return mask;
}
