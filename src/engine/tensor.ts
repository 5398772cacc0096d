// Shapes: a per-sample shape is [h, w, c] for images or [n] for vectors; a batch adds a leading dim.
import { ShapeError } from '../errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws a ShapeError unless `shape` has the given rank. */
export function expectRank(shape: Shape, rank: number, what: string): void {
  if (shape.length !== rank) {
    throw new ShapeError('BAD_RANK', `${what} expects a per-sample shape of rank ${rank}, got ${shapeString(shape)}`);
  }
}
