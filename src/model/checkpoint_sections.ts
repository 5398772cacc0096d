// Checkpoint sections: state that lives beside a model's weights (pruning masks and step), saved in the
// checkpoint header under a key. Kept apart from checkpoint.ts (which reads files) so that modules such as
// src/prune can register theirs without importing node:fs.
import type { Sequential } from './sequential.js';

/**
 * State that a module keeps beside a model's weights and that must survive a checkpoint (tfmot saves a
 * pruning wrapper's step, masks and thresholds with the weights). `save` returns undefined when the model
 * has none; `prepare` checks a saved value against the model and returns what applies it, so a bad
 * checkpoint is refused before anything in the model changes.
 */
export interface CheckpointSection {
  save(model: Sequential): unknown;
  prepare(model: Sequential, saved: unknown, name: string): () => void;
}

export const checkpointSections = new Map<string, CheckpointSection>();

export function registerCheckpointSection(key: string, section: CheckpointSection): void {
  checkpointSections.set(key, section);
}
