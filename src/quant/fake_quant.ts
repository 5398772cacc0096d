// Fake quantization: tf.quantization.fake_quant_with_min_max_vars and its _per_channel twin
// (tensorflow/core/kernels/fake_quant_ops_functor.h). The forward snaps x onto the 2^bits-level grid
// that an integer kernel will see; the backward is the clipped straight-through estimator.
//
// TF computes all of this in float32, so every step here is rounded with Math.fround: the grid and the
// rounding ties are then the ones TF would produce, not a float64 approximation of them.
import { ConfigError, ShapeError } from '../errors.js';
import { fakeQuantBackward, fakeQuantForward, snapToGrid } from '../engine/ops/fake_quant_grid.js';
import { roundHalfAwayFromZero } from './rounding.js';

const f = Math.fround;

export interface FakeQuantOptions {
  /** Bits of the grid (2..16). Default 8. */
  numBits?: number;
  /** Narrow range drops the lowest level: [1, 2^bits - 1] instead of [0, 2^bits - 1]. Default false. */
  narrowRange?: boolean;
}

/** A [min, max] range moved so that 0.0 lands exactly on a grid level (TF's `Nudge`). */
export interface NudgedRange {
  /** Nudged range ends (float32 values). Every grid level is nudgedMin + k * scale. */
  min: number;
  max: number;
  /** Grid step (float32); 0 only for the degenerate range [0, 0]. */
  scale: number;
  /** Level of 0.0 in the unsigned domain [quantMin, quantMax]; subtract 2^(bits-1) for the int8 zero point. */
  zeroPoint: number;
  quantMin: number;
  quantMax: number;
}

function levels(opts: FakeQuantOptions | undefined): { quantMin: number; quantMax: number } {
  const numBits = opts?.numBits ?? 8;
  if (!Number.isInteger(numBits) || numBits < 2 || numBits > 16) {
    throw new ConfigError('fake_quant_bits', `numBits must be an integer in [2, 16], got ${numBits}`);
  }
  return { quantMin: opts?.narrowRange ? 1 : 0, quantMax: 2 ** numBits - 1 };
}

/**
 * TF's Nudge: scale = (max - min) / (quantMax - quantMin); the zero point min/scale is rounded half
 * away from zero (std::round) and clamped to the levels; the range is then rebuilt around it.
 * Requires min <= 0 <= max (tfmot's range trackers guarantee it). [0, 0] gives the degenerate range
 * {0, 0, scale 0}: TF would produce NaN there (0/0); we map everything to 0 instead, which is what an
 * all-zero weight channel (e.g. a pruned filter) should quantize to.
 */
export function nudge(min: number, max: number, opts?: FakeQuantOptions): NudgedRange {
  const { quantMin, quantMax } = levels(opts);
  if (!(Number.isFinite(min) && Number.isFinite(max)) || min > 0 || max < 0) {
    throw new ConfigError(
      'fake_quant_range',
      `fake-quant range must be finite with min <= 0 <= max, got [${min}, ${max}]; ` +
        'include 0 in the range (the range trackers in src/quant/observers.ts do)',
    );
  }
  const minF = f(min);
  const maxF = f(max);
  const scale = f(f(maxF - minF) / (quantMax - quantMin));
  if (scale === 0) return { min: 0, max: 0, scale: 0, zeroPoint: quantMin, quantMin, quantMax };
  const zeroPointFromMin = f(quantMin - f(minF / scale));
  const zeroPoint =
    zeroPointFromMin < quantMin ? quantMin
    : zeroPointFromMin > quantMax ? quantMax
    : roundHalfAwayFromZero(zeroPointFromMin);
  return {
    min: f((quantMin - zeroPoint) * scale),
    max: f((quantMax - zeroPoint) * scale),
    scale,
    zeroPoint,
    quantMin,
    quantMax,
  };
}


function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) {
    throw new ShapeError('fake_quant_shape', `${what}: lengths differ (${a.length} vs ${b.length})`);
  }
}

/** Per-tensor fake quantization of x with range [min, max]. */
export function fakeQuant(
  x: Float32Array,
  min: number,
  max: number,
  opts?: FakeQuantOptions,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  checkSameLength(x, out, 'fakeQuant output');
  const r = nudge(min, max, opts);
  fakeQuantForward(x, out, x.length, r.min, r.max, r.scale);
  return out;
}

/** Backward of fakeQuant: dx = dy where nudgedMin <= x <= nudgedMax, else 0 (NaN x gives 0). */
export function fakeQuantGrad(
  dy: Float32Array,
  x: Float32Array,
  min: number,
  max: number,
  opts?: FakeQuantOptions,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  checkSameLength(dy, x, 'fakeQuantGrad dy and x');
  checkSameLength(x, out, 'fakeQuantGrad output');
  const r = nudge(min, max, opts);
  fakeQuantBackward(dy, x, out, x.length, r.min, r.max);
  return out;
}

function nudgeChannels(
  x: Float32Array,
  mins: ArrayLike<number>,
  maxs: ArrayLike<number>,
  opts: FakeQuantOptions | undefined,
): NudgedRange[] {
  checkSameLength(mins, maxs, 'per-channel mins and maxs');
  const channels = mins.length;
  if (channels === 0 || x.length % channels !== 0) {
    throw new ShapeError(
      'fake_quant_channels',
      `per-channel fake quant: ${x.length} values do not split into ${channels} channels on the last axis`,
    );
  }
  const ranges: NudgedRange[] = [];
  for (let c = 0; c < channels; c++) ranges.push(nudge(mins[c], maxs[c], opts));
  return ranges;
}

/** Per-channel fake quantization over the last axis (channel of x[i] is i % mins.length). */
export function fakeQuantPerChannel(
  x: Float32Array,
  mins: ArrayLike<number>,
  maxs: ArrayLike<number>,
  opts?: FakeQuantOptions,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  checkSameLength(x, out, 'fakeQuantPerChannel output');
  const ranges = nudgeChannels(x, mins, maxs, opts);
  const channels = ranges.length;
  for (let i = 0; i < x.length; i++) {
    const r = ranges[i % channels];
    out[i] = r.scale === 0 ? 0 : snapToGrid(x[i], r.min, r.max, r.scale);
  }
  return out;
}

/** Backward of fakeQuantPerChannel: the same clipped straight-through mask, per channel. */
export function fakeQuantPerChannelGrad(
  dy: Float32Array,
  x: Float32Array,
  mins: ArrayLike<number>,
  maxs: ArrayLike<number>,
  opts?: FakeQuantOptions,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  checkSameLength(dy, x, 'fakeQuantPerChannelGrad dy and x');
  checkSameLength(x, out, 'fakeQuantPerChannelGrad output');
  const ranges = nudgeChannels(x, mins, maxs, opts);
  const channels = ranges.length;
  for (let i = 0; i < x.length; i++) {
    const r = ranges[i % channels];
    out[i] = x[i] >= r.min && x[i] <= r.max ? dy[i] : 0;
  }
  return out;
}
