// Parameters shared by the qs8 kernels and their reference twins: requantization and geometry, with
// the checks that prepare runs once so kernels can trust them. Padding follows TFLite
// (ComputePaddingHeightWidth): 'same' gives ceil(in / stride) outputs and puts the odd pad after.
import { ConfigError, ShapeError } from '../../errors.js';
import { convOutputSize } from '../../format/model.js';

/** How int32 accumulators become int8 outputs (one multiplier/shift for all channels, or one per channel). */
export interface Qs8Requant {
  /** Q31 multipliers from quantizeMultiplier, in [0, 2^31). */
  multipliers: ArrayLike<number>;
  /** Their shifts, in [-31, 30]. */
  shifts: ArrayLike<number>;
  zOut: number;
  /** Fused activation clamp, e.g. ReLU = [max(-128, zOut), 127]. */
  actMin: number;
  actMax: number;
}

export type Padding = 'valid' | 'same';

export interface Conv2dGeometry {
  h: number; w: number; cin: number; cout: number;
  kh: number; kw: number; strideH: number; strideW: number;
  padding: Padding;
}

/** A max pool window; fused after a conv it must be 'valid' (Keras' default). */
export interface Pool2dGeometry {
  poolH: number; poolW: number; strideH: number; strideW: number;
  padding: Padding;
}

/** Output size (as the format's convOutputSize) and leading pad of one spatial axis. */
export function axis(size: number, k: number, stride: number, padding: Padding): { out: number; pad: number } {
  const out = convOutputSize(size, k, stride, padding);
  return { out, pad: padding === 'same' ? Math.max((out - 1) * stride + k - size, 0) >> 1 : 0 };
}

function positiveInts(what: string, o: object): void {
  for (const [key, v] of Object.entries(o)) {
    if (typeof v === 'number' && !(Number.isInteger(v) && v > 0)) {
      throw new ShapeError('geometry', `${what}.${key} must be a positive integer, got ${v}`);
    }
  }
}

export function checkConv(g: Conv2dGeometry): void {
  positiveInts('conv2d', g);
  if (g.padding === 'valid' && (g.kh > g.h || g.kw > g.w)) {
    throw new ShapeError('geometry', `conv2d: a ${g.kh}x${g.kw} kernel does not fit a ${g.h}x${g.w} input with 'valid' padding; use 'same' or a larger input`);
  }
}

export function checkPool(p: Pool2dGeometry, h: number, w: number): void {
  positiveInts('maxpool2d', p);
  if (p.padding === 'valid' && (p.poolH > h || p.poolW > w)) {
    throw new ShapeError('geometry', `maxpool2d: a ${p.poolH}x${p.poolW} window does not fit a ${h}x${w} input with 'valid' padding`);
  }
}

function int8(what: string, v: number): void {
  if (!Number.isInteger(v) || v < -128 || v > 127) throw new ConfigError('quant_int8', `${what} must be an integer in [-128, 127], got ${v}`);
}

/** Checks zero points, the clamp and every multiplier/shift; returns the channel count it covers (1 = per tensor). */
export function checkRequant(rq: Qs8Requant, channels: number, zIn = 0): number {
  int8('zero point in', zIn);
  int8('zero point out', rq.zOut);
  int8('actMin', rq.actMin);
  int8('actMax', rq.actMax);
  if (rq.actMin > rq.actMax) throw new ConfigError('quant_clamp', `actMin ${rq.actMin} > actMax ${rq.actMax}`);
  const n = rq.multipliers.length;
  if ((n !== 1 && n !== channels) || rq.shifts.length !== n) {
    throw new ShapeError('quant_channels', `expected 1 or ${channels} multipliers and as many shifts, got ${n} and ${rq.shifts.length}`);
  }
  for (let c = 0; c < n; c++) {
    const q = rq.multipliers[c], s = rq.shifts[c];
    if (!Number.isInteger(q) || q < 0 || q >= 2 ** 31 || !Number.isInteger(s) || s < -31 || s > 30) {
      throw new ConfigError('quant_multiplier', `channel ${c}: multiplier ${q} / shift ${s} out of range; make them with quantizeMultiplier from a positive scale ratio`);
    }
  }
  return n;
}

/** Multiplier and shift of channel c (per-tensor params broadcast). */
export function channelRequant(rq: Qs8Requant, c: number): [number, number] {
  const i = rq.multipliers.length === 1 ? 0 : c;
  return [rq.multipliers[i], rq.shifts[i]];
}
