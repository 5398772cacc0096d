// Range trackers: the state behind each fake-quant op (tfmot quant_ops.py). Each one turns the batches
// it sees into the [min, max] the fake quant and, later, the int8 model use. State is plain numbers so
// a checkpoint can store it as JSON and `observerFromState` brings it back unchanged.
//
// Arithmetic is float32 (Math.fround), as TF's variables are: the ranges then match tfmot's bit for bit.
import { minMaxOf } from '../engine/ops/fake_quant_grid.js';
import { ConfigError, ShapeError } from '../errors.js';

const f = Math.fround;

export interface Range {
  min: number;
  max: number;
}

/** Smallest and largest value of x (NaNs skipped, as TFLite's calibration logger does; a zero as +0). */
export function minMax(x: ArrayLike<number>): Range {
  return batchRange(minMaxOf(x, x.length), x.length);
}

/** A batch's min/max (from minMaxOf or a backend's), refused when the batch held no number. */
export function batchRange(r: Range, n: number): Range {
  if (r.min === Infinity) {
    throw new ShapeError('observer_empty', `cannot take a range of ${n} values with no number among them`);
  }
  return r;
}

/** Per-channel min and max over every axis but the last (channel of x[i] is i % channels). */
export function channelMinMax(x: ArrayLike<number>, channels: number): { mins: Float32Array; maxs: Float32Array } {
  if (!Number.isInteger(channels) || channels < 1 || x.length === 0 || x.length % channels !== 0) {
    throw new ShapeError(
      'observer_channels',
      `cannot split ${x.length} values into ${channels} channels on the last axis`,
    );
  }
  const mins = new Float32Array(channels).fill(Infinity);
  const maxs = new Float32Array(channels).fill(-Infinity);
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    const v = x[i];
    if (v < mins[c]) mins[c] = v;
    if (v > maxs[c]) maxs[c] = v;
  }
  for (let c = 0; c < channels; c++) {
    if (mins[c] === Infinity) {
      throw new ShapeError('observer_empty', `channel ${c} holds no number (all NaN)`);
    }
  }
  return { mins, maxs };
}

export interface MovingAverageState {
  kind: 'moving_average';
  decay: number;
  min: number;
  max: number;
  /** With initFromFirstBatch, false until the first batch has been seen. */
  initialized: boolean;
  initFromFirstBatch: boolean;
}

export interface MovingAverageOptions {
  /** EMA decay; tfmot's MovingAverageQuantizer uses 0.999. */
  decay?: number;
  /** Initial range; tfmot initialises every range variable to [-6, 6]. */
  initMin?: number;
  initMax?: number;
  /**
   * Start the average at the first batch's range instead of [initMin, initMax]. Not tfmot: with
   * decay 0.999 the [-6, 6] start takes thousands of steps to fade, which is the Keras-vs-TFLite gap
   * users report in tensorflow/model-optimization#368. Default false (tfmot's behaviour).
   */
  initFromFirstBatch?: boolean;
}

/**
 * tfmot MovingAvgQuantize for activations (per tensor, asymmetric): the batch range is widened to
 * include 0, then min and max each follow v <- v - (v - x) * (1 - decay) (assign_moving_average,
 * zero_debias=False). The training forward uses the range after this batch's update.
 */
export class MovingAverageObserver {
  private s: MovingAverageState;

  constructor(opts: MovingAverageOptions = {}) {
    const decay = opts.decay ?? 0.999;
    const min = opts.initMin ?? -6;
    const max = opts.initMax ?? 6;
    if (!(decay >= 0 && decay < 1)) {
      throw new ConfigError('observer_decay', `moving-average decay must be in [0, 1), got ${decay}`);
    }
    checkRange(min, max, 'initial moving-average range');
    const initFromFirstBatch = opts.initFromFirstBatch ?? false;
    this.s = { kind: 'moving_average', decay, min: f(min), max: f(max), initialized: !initFromFirstBatch, initFromFirstBatch };
  }

  static fromState(state: MovingAverageState): MovingAverageObserver {
    const o = new MovingAverageObserver({
      decay: state.decay,
      initMin: state.min,
      initMax: state.max,
      initFromFirstBatch: state.initFromFirstBatch,
    });
    o.s.initialized = state.initialized;
    return o;
  }

  /** Training step: fold this batch into the average and return the range to quantize it with. */
  observe(x: ArrayLike<number>): Range {
    return this.observeBatch(minMax(x));
  }

  /** observe() for a batch whose min and max are already taken (e.g. by the engine backend). */
  observeBatch(batch: Range): Range {
    const lo = f(Math.min(batch.min, 0));
    const hi = f(Math.max(batch.max, 0));
    if (!this.s.initialized) {
      this.s.min = lo;
      this.s.max = hi;
      this.s.initialized = true;
    } else {
      // TF builds the factor as float32(1.0 - decay) with the subtraction done in double.
      const factor = f(1 - this.s.decay);
      this.s.min = f(this.s.min - f(f(this.s.min - lo) * factor));
      this.s.max = f(this.s.max - f(f(this.s.max - hi) * factor));
    }
    return this.range();
  }

  /** The stored range (what evaluation and conversion use). */
  range(): Range {
    return { min: this.s.min, max: this.s.max };
  }

  state(): MovingAverageState {
    return { ...this.s };
  }
}

export interface AllValuesState {
  kind: 'all_values';
  min: number;
  max: number;
}

/**
 * tfmot AllValuesQuantize (the model input's quantizer) and TFLite's calibration: the running global
 * min and max over everything seen, always including 0. Starts at [0, 0].
 */
export class AllValuesObserver {
  private s: AllValuesState = { kind: 'all_values', min: 0, max: 0 };

  static fromState(state: AllValuesState): AllValuesObserver {
    checkRange(state.min, state.max, 'all-values state');
    const o = new AllValuesObserver();
    o.s = { kind: 'all_values', min: f(state.min), max: f(state.max) };
    return o;
  }

  observe(x: ArrayLike<number>): Range {
    return this.observeBatch(minMax(x));
  }

  /** observe() for a batch whose min and max are already taken. */
  observeBatch(batch: Range): Range {
    this.s.min = f(Math.min(this.s.min, batch.min, 0));
    this.s.max = f(Math.max(this.s.max, batch.max, 0));
    return this.range();
  }

  range(): Range {
    return { min: this.s.min, max: this.s.max };
  }

  state(): AllValuesState {
    return { ...this.s };
  }
}

export interface LastValueState {
  kind: 'last_value';
  mins: number[];
  maxs: number[];
}

/**
 * tfmot LastValueQuantize for weights, symmetric and narrow range: each training step sets the range
 * to [-a, a] with a = max|w| of the channel (last axis) — or of the whole tensor when built with one
 * channel (tfmot's Dense default, per_axis=False). Starts at [-6, 6] like tfmot's variables.
 */
export class LastValueObserver {
  private mins: Float32Array;
  private maxs: Float32Array;

  /** channels = output channels (the weight's last axis) for per-channel, 1 for per-tensor. */
  constructor(readonly channels: number) {
    if (!Number.isInteger(channels) || channels < 1) {
      throw new ConfigError('observer_channels', `LastValueObserver needs a positive channel count, got ${channels}`);
    }
    this.mins = new Float32Array(channels).fill(-6);
    this.maxs = new Float32Array(channels).fill(6);
  }

  static fromState(state: LastValueState): LastValueObserver {
    if (state.mins.length !== state.maxs.length) {
      throw new ConfigError('observer_state', `last-value state has ${state.mins.length} mins but ${state.maxs.length} maxs`);
    }
    const o = new LastValueObserver(state.mins.length);
    for (let c = 0; c < o.channels; c++) checkRange(state.mins[c], state.maxs[c], `last-value state channel ${c}`);
    o.mins.set(state.mins);
    o.maxs.set(state.maxs);
    return o;
  }

  /** Training step: take this weight tensor's symmetric range per channel and return it. */
  observe(w: ArrayLike<number>): { mins: Float32Array; maxs: Float32Array } {
    const { mins, maxs } = this.channels === 1 ? wholeTensor(w) : channelMinMax(w, this.channels);
    for (let c = 0; c < this.channels; c++) {
      // range_min = min(batch_min, -batch_max), range_max = max(batch_max, -batch_min)
      this.mins[c] = Math.min(mins[c], -maxs[c]);
      this.maxs[c] = Math.max(maxs[c], -mins[c]);
    }
    return this.ranges();
  }

  ranges(): { mins: Float32Array; maxs: Float32Array } {
    return { mins: this.mins.slice(), maxs: this.maxs.slice() };
  }

  state(): LastValueState {
    return { kind: 'last_value', mins: Array.from(this.mins), maxs: Array.from(this.maxs) };
  }
}

export type ObserverState = MovingAverageState | AllValuesState | LastValueState;
export type Observer = MovingAverageObserver | AllValuesObserver | LastValueObserver;

/** Rebuilds any observer from its `state()` (e.g. read back from a checkpoint's JSON). */
export function observerFromState(state: ObserverState): Observer {
  switch (state.kind) {
    case 'moving_average':
      return MovingAverageObserver.fromState(state);
    case 'all_values':
      return AllValuesObserver.fromState(state);
    case 'last_value':
      return LastValueObserver.fromState(state);
    default:
      throw new ConfigError('observer_state', `unknown observer kind ${(state as { kind: unknown }).kind}`);
  }
}

function wholeTensor(w: ArrayLike<number>): { mins: Float32Array; maxs: Float32Array } {
  const r = minMax(w);
  return { mins: Float32Array.of(r.min), maxs: Float32Array.of(r.max) };
}

function checkRange(min: number, max: number, what: string): void {
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= 0 && max >= 0)) {
    throw new ConfigError('observer_range', `${what} must be finite with min <= 0 <= max, got [${min}, ${max}]`);
  }
}
