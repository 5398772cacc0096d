// The pruning state of one model, driven by a training callback; tfmot's PruneLowMagnitude wrapper +
// UpdatePruningStep callback as one plain object over Float32Arrays (pruning_wrapper.py, pruning_impl.py).
//
//   step -1 ──onTrainBegin──► 0 ──beforeBatch──► 1, 2, ...      (the first training batch is step 1)
//   beforeBatch(w):  step += 1; if the schedule says so, recompute every mask from the current w;
//                    then w <- w * mask (every batch, so the forward sees sparse weights)
//   afterBackward:   only with maskGradients: grad and Adam moments <- 0 where the mask is 0
//   onEpochEnd(w):   w <- w * mask again (the optimizer step after the last batch regrew the zeros)
//
// Without maskGradients (tfmot's behaviour) Adam keeps moving pruned weights between batches; they are
// re-zeroed before each forward, and a later mask update could bring one back. With it, pruned
// weights stay exactly 0 and never regrow. With sparsityMByN the mask is computed once, at step 1,
// and the schedule is ignored (tfmot: "the pruning mask is defined at the first step").

import { ConfigError, ShapeError } from '../errors.js';
import { applyMask, computeMask, countKept, validateMaskOptions, type MaskOptions } from './mask.js';
import { constantSparsity, type PruningSchedule } from './schedule.js';

/** A prunable weight tensor (a Conv2D or Dense kernel; never a bias), in Keras layout. */
export interface PrunableTensor {
  name: string;
  shape: readonly number[];
}

export interface PruneConfig extends MaskOptions {
  /** Target sparsity per step; tfmot's default is constantSparsity({targetSparsity: 0.5, beginStep: 0}). */
  schedule?: PruningSchedule;
  /** Beyond tfmot: also zero the gradients and Adam moments of pruned weights, so they never regrow. Default false. */
  maskGradients?: boolean;
}

/** What a mask update did, for logs (tfmot's PruningSummaries logs the same per tensor). */
export interface MaskUpdate {
  step: number;
  /** The schedule's target (NaN for m:n, which has none). */
  sparsity: number;
  kept: number[];
  thresholds: number[];
}

/** Everything needed to resume pruning from a checkpoint. */
export interface PruningSnapshot {
  step: number;
  masks: Uint8Array[];
  thresholds: number[];
}

export class PruningState {
  readonly tensors: readonly PrunableTensor[];
  readonly schedule: PruningSchedule;
  readonly maskOptions: MaskOptions;
  readonly maskGradients: boolean;
  /** -1 until training begins; then the number of training batches seen. */
  step = -1;
  /** One 0/1 mask per tensor, all ones until the first update (tfmot initialises masks to ones); updated in place. */
  readonly masks: Uint8Array[];
  /** Last threshold per tensor (0 before the first update, NaN for m:n). */
  readonly thresholds: number[];
  private readonly kept: number[];

  constructor(tensors: readonly PrunableTensor[], config: PruneConfig = {}) {
    const { schedule = constantSparsity({ targetSparsity: 0.5, beginStep: 0 }), maskGradients = false, ...maskOptions } = config;
    for (const t of tensors) {
      if (t.shape.length === 0 || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
        throw new ShapeError('PRUNE_SHAPE', `cannot prune '${t.name}' of shape [${t.shape.join(', ')}]: every dimension must be a positive integer`);
      }
      validateMaskOptions(t.shape, maskOptions, t.name);
    }
    const names = new Set(tensors.map((t) => t.name));
    if (names.size !== tensors.length) throw new ConfigError('PRUNE_NAMES', `prunable tensor names must be unique, got [${tensors.map((t) => t.name).join(', ')}]`);
    this.tensors = tensors.map((t) => ({ name: t.name, shape: [...t.shape] }));
    this.schedule = schedule;
    this.maskOptions = maskOptions;
    this.maskGradients = maskGradients;
    this.masks = this.tensors.map((t) => new Uint8Array(size(t.shape)).fill(1));
    this.kept = this.masks.map((m) => m.length);
    this.thresholds = this.tensors.map(() => 0);
  }

  /** tfmot's UpdatePruningStep.on_train_begin: -1 -> 0; a restored step is kept, so pruning resumes. */
  onTrainBegin(): void {
    if (this.step === -1) this.step = 0;
  }

  /** Call before each training forward, with the current weights (modified in place). */
  beforeBatch(weights: readonly Float32Array[]): MaskUpdate | null {
    this.checkWeights(weights, 'beforeBatch');
    if (this.step < 0) {
      throw new ConfigError('PRUNE_NO_CALLBACK', 'Prune() wrapper requires the UpdatePruningStep callback to be provided during training: call onTrainBegin() once before the first batch (add the updatePruningStep callback to fit)');
    }
    this.step += 1;
    const update = this.shouldUpdate() ? this.updateMasks(weights) : null;
    this.applyMasks(weights);
    return update;
  }

  /** Call after the optimizer step of an epoch's last batch, so stored weights are sparse. */
  onEpochEnd(weights: readonly Float32Array[]): void {
    this.checkWeights(weights, 'onEpochEnd');
    this.applyMasks(weights);
  }

  /**
   * With maskGradients: call between backward and the optimizer step. `moments` lists optimizer state
   * aligned with the tensors, e.g. [adamM, adamV]; pruned entries of grads and moments become 0, so the
   * Adam step leaves pruned weights at exactly 0. Without maskGradients this does nothing (tfmot).
   */
  afterBackward(grads: readonly Float32Array[], moments: readonly (readonly Float32Array[])[] = []): void {
    if (!this.maskGradients) return;
    this.checkWeights(grads, 'afterBackward (gradients)');
    for (const m of moments) this.checkWeights(m, 'afterBackward (moments)');
    for (let t = 0; t < this.masks.length; t++) {
      if (this.kept[t] === this.masks[t].length) continue; // nothing pruned yet
      applyMask(grads[t], this.masks[t]);
      for (const m of moments) applyMask(m[t], this.masks[t]);
    }
  }

  /** Kept weights per tensor under the current masks. */
  keptCounts(): number[] {
    return [...this.kept];
  }

  snapshot(): PruningSnapshot {
    return { step: this.step, masks: this.masks.map((m) => m.slice()), thresholds: [...this.thresholds] };
  }

  restore(s: PruningSnapshot): void {
    this.checkSnapshot(s);
    this.step = s.step;
    s.masks.forEach((m, t) => {
      this.masks[t].set(m);
      this.kept[t] = countKept(m);
      this.thresholds[t] = s.thresholds[t];
    });
  }

  /** Throws unless `s` fits this state's tensors (restore() would take it); changes nothing. */
  checkSnapshot(s: PruningSnapshot): void {
    if (!Number.isSafeInteger(s.step) || s.step < -1) throw new ConfigError('PRUNE_SNAPSHOT', `pruning snapshot step must be an integer >= -1, got ${s.step}`);
    if (s.masks.length !== this.masks.length || s.thresholds.length !== this.masks.length) {
      throw new ShapeError('PRUNE_SNAPSHOT', `pruning snapshot has ${s.masks.length} masks for ${this.masks.length} prunable tensors; it belongs to another model`);
    }
    s.masks.forEach((m, t) => {
      if (m.length !== this.masks[t].length || m.some((v) => v > 1)) {
        throw new ShapeError('PRUNE_SNAPSHOT', `pruning snapshot mask ${t} ('${this.tensors[t].name}') has ${m.length} entries or values other than 0/1; expected ${this.masks[t].length} zeros and ones`);
      }
    });
  }

  private shouldUpdate(): boolean {
    if (this.maskOptions.sparsityMByN) return this.step === 1;
    return this.schedule(this.step).prune;
  }

  private updateMasks(weights: readonly Float32Array[]): MaskUpdate {
    const sparsity = this.maskOptions.sparsityMByN ? NaN : this.schedule(this.step).sparsity;
    this.tensors.forEach((t, i) => {
      const { mask, threshold } = computeMask(weights[i], t.shape, sparsity, this.maskOptions, t.name);
      this.masks[i].set(mask); // in place: holders of a mask see the update
      this.kept[i] = countKept(mask);
      this.thresholds[i] = threshold;
    });
    return { step: this.step, sparsity, kept: [...this.kept], thresholds: [...this.thresholds] };
  }

  private applyMasks(weights: readonly Float32Array[]): void {
    for (let t = 0; t < this.masks.length; t++) if (this.kept[t] !== this.masks[t].length) applyMask(weights[t], this.masks[t]);
  }

  private checkWeights(arrays: readonly Float32Array[], where: string): void {
    if (arrays.length !== this.tensors.length) {
      throw new ShapeError('PRUNE_WEIGHTS', `${where}: got ${arrays.length} arrays for ${this.tensors.length} prunable tensors [${this.tensors.map((t) => t.name).join(', ')}]; pass them in the same order`);
    }
    arrays.forEach((a, t) => {
      if (a.length !== this.masks[t].length) {
        throw new ShapeError('PRUNE_WEIGHTS', `${where}: '${this.tensors[t].name}' has ${a.length} values, expected ${this.masks[t].length} (shape [${this.tensors[t].shape.join(', ')}])`);
      }
    });
  }
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
