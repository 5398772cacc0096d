// Pruning schedules: pure functions step -> {prune, sparsity}, as tfmot's
// sparsity/keras/pruning_schedule.py (ConstantSparsity, PolynomialDecay).
// `prune` says whether masks are recomputed at this step; `sparsity` is the target, a float32 value
// computed with float32 arithmetic in tfmot's order, so thresholds and kept counts match tfmot.

import { ConfigError } from '../errors.js';

export interface ScheduleDecision {
  /** Recompute the masks at this step: begin <= step <= end (end -1: forever) and (step - begin) % frequency == 0. */
  prune: boolean;
  /** Target fraction of zeros, a float32 value in [0, 1). */
  sparsity: number;
}

export interface ConstantSparsityConfig {
  /** Fraction of weights set to zero, in [0, 1). */
  targetSparsity: number;
  /** First step that may update masks (>= 0). The first training batch is step 1. */
  beginStep: number;
  /** Last step that may update masks; -1 (tfmot's default) prunes until training ends. */
  endStep?: number;
  /** Update masks every `frequency` steps (tfmot default 100). */
  frequency?: number;
}

export interface PolynomialDecayConfig {
  /** Sparsity at beginStep, in [0, 1). */
  initialSparsity: number;
  /** Sparsity from endStep on, in [0, 1). */
  finalSparsity: number;
  beginStep: number;
  /** Must be > beginStep: the decay needs a length (tfmot accepts end == begin and divides by zero). */
  endStep: number;
  /** Exponent of the decay (tfmot default 3, Zhu & Gupta 2017, arXiv:1710.01878). */
  power?: number;
  frequency?: number;
}

export type ScheduleConfig =
  | ({ kind: 'constantSparsity' } & Required<ConstantSparsityConfig>)
  | ({ kind: 'polynomialDecay' } & Required<PolynomialDecayConfig>);

/** A schedule is a pure function of the step; `config` (with defaults filled in) is there to save and print it. */
export type PruningSchedule = ((step: number) => ScheduleDecision) & { readonly config: ScheduleConfig };

const f32 = Math.fround;

/** Sparsity stays `targetSparsity`; masks update every `frequency` steps in [beginStep, endStep]. */
export function constantSparsity(cfg: ConstantSparsityConfig): PruningSchedule {
  const { targetSparsity, beginStep, endStep = -1, frequency = 100 } = cfg;
  validateSteps('constantSparsity', beginStep, endStep, frequency, true);
  validateSparsity('constantSparsity', 'targetSparsity', targetSparsity);
  const sparsity = f32(targetSparsity);
  const schedule = (step: number): ScheduleDecision => ({
    prune: shouldPrune(step, beginStep, endStep, frequency),
    sparsity,
  });
  const config: ScheduleConfig = { kind: 'constantSparsity', targetSparsity, beginStep, endStep, frequency };
  return Object.assign(schedule, { config: Object.freeze(config) });
}

/**
 * s = (initial - final) * (1 - p)^power + final, p = clip((step - begin) / (end - begin), 0, 1).
 * Grows fast at first, then levels off at finalSparsity.
 */
export function polynomialDecay(cfg: PolynomialDecayConfig): PruningSchedule {
  const { initialSparsity, finalSparsity, beginStep, endStep, power = 3, frequency = 100 } = cfg;
  validateSteps('polynomialDecay', beginStep, endStep, frequency, false);
  if (endStep === beginStep) {
    throw new ConfigError('SCHEDULE_EMPTY', `polynomialDecay: endStep (${endStep}) equals beginStep, so the decay has no length; set endStep > beginStep, or use constantSparsity for a fixed sparsity`);
  }
  validateSparsity('polynomialDecay', 'initialSparsity', initialSparsity);
  validateSparsity('polynomialDecay', 'finalSparsity', finalSparsity);
  if (!Number.isFinite(power) || power <= 0) {
    throw new ConfigError('SCHEDULE_POWER', `polynomialDecay: power must be a positive number, got ${power}; tfmot's default is 3`);
  }
  // tfmot: the difference is taken in Python doubles, then becomes a float32 constant; the step
  // difference is cast to float32 and divided by the (float32) step span.
  const span = f32(endStep - beginStep);
  const delta = f32(initialSparsity - finalSparsity);
  const fin = f32(finalSparsity);
  const pow = f32(power);
  const schedule = (step: number): ScheduleDecision => {
    const p = Math.min(1, Math.max(0, f32(f32(step - beginStep) / span)));
    const sparsity = f32(f32(delta * f32(Math.pow(f32(1 - p), pow))) + fin);
    return { prune: shouldPrune(step, beginStep, endStep, frequency), sparsity };
  };
  const config: ScheduleConfig = { kind: 'polynomialDecay', initialSparsity, finalSparsity, beginStep, endStep, power, frequency };
  return Object.assign(schedule, { config: Object.freeze(config) });
}

/** tfmot's _should_prune_in_step; the modulo is a floor modulo (tf.math.floormod). */
export function shouldPrune(step: number, beginStep: number, endStep: number, frequency: number): boolean {
  const inRange = step >= beginStep && (step <= endStep || endStep < 0);
  const d = step - beginStep;
  const isTurn = ((d % frequency) + frequency) % frequency === 0;
  return inRange && isTurn;
}

function validateSteps(name: string, begin: number, end: number, frequency: number, allowForever: boolean): void {
  for (const [what, v] of [['beginStep', begin], ['endStep', end], ['frequency', frequency]] as const) {
    if (!Number.isSafeInteger(v)) throw new ConfigError('SCHEDULE_STEP', `${name}: ${what} must be an integer number of training steps, got ${v}`);
  }
  if (begin < 0) throw new ConfigError('SCHEDULE_STEP', `${name}: beginStep should be >= 0, got ${begin}; step 1 is the first training batch`);
  if (end === -1 && !allowForever) {
    throw new ConfigError('SCHEDULE_STEP', `${name}: endStep cannot be -1 (the decay needs an end); set endStep to the last training step, e.g. epochs * ceil(samples / batchSize)`);
  }
  if (end !== -1) {
    if (end < 0) throw new ConfigError('SCHEDULE_STEP', `${name}: endStep can be -1 (prune until training ends) or >= 0, got ${end}`);
    if (end < begin) throw new ConfigError('SCHEDULE_STEP', `${name}: beginStep (${begin}) should be <= endStep (${end}) if endStep != -1; swap them or raise endStep`);
  }
  if (frequency <= 0) throw new ConfigError('SCHEDULE_FREQUENCY', `${name}: frequency should be > 0, got ${frequency}; tfmot's default is 100 steps`);
}

function validateSparsity(name: string, what: string, s: number): void {
  if (!(s >= 0 && s < 1)) {
    throw new ConfigError('SCHEDULE_SPARSITY', `${name}: ${what} must be in range [0,1), got ${s}; it is the fraction of weights set to zero (0.8 = 80% zeros, 1 would remove every weight)`);
  }
}
