// All trainable parameters live in one Float32Array; gradients and Adam's two moments live in
// parallel arrays of the same layout (llm.c style), so the optimizer is one flat loop and a
// checkpoint is one contiguous block. Each Param is a set of subarray views into those arrays.
import type { Shape } from './tensor.js';
import { sizeOf } from './tensor.js';
import type { Initializer } from './init.js';

export interface ParamSpec {
  /** 'kernel' or 'bias' (Keras' names). */
  name: 'kernel' | 'bias';
  shape: Shape;
  init: Initializer;
  fanIn: number;
  fanOut: number;
}

export interface Param {
  layer: string;
  name: 'kernel' | 'bias';
  shape: Shape;
  /** Offset of this param in the flat arrays. */
  offset: number;
  size: number;
  value: Float32Array;
  grad: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** Allocates one block for all params: values | grads | m | v (each `total` floats). */
export type FloatAllocator = (length: number) => Float32Array;

export class ParamStore {
  readonly values: Float32Array;
  readonly grads: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly params: Param[] = [];

  constructor(specs: { layer: string; spec: ParamSpec }[], alloc: FloatAllocator = (n) => new Float32Array(n)) {
    const total = specs.reduce((n, s) => n + sizeOf(s.spec.shape), 0);
    const block = alloc(4 * total);
    this.values = block.subarray(0, total);
    this.grads = block.subarray(total, 2 * total);
    this.m = block.subarray(2 * total, 3 * total);
    this.v = block.subarray(3 * total, 4 * total);
    let offset = 0;
    for (const { layer, spec } of specs) {
      const size = sizeOf(spec.shape);
      const view = (a: Float32Array) => a.subarray(offset, offset + size);
      this.params.push({ layer, name: spec.name, shape: spec.shape, offset, size, value: view(this.values), grad: view(this.grads), m: view(this.m), v: view(this.v) });
      offset += size;
    }
  }

  get size(): number {
    return this.values.length;
  }
}
