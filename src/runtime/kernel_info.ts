// The shape of one row of the kernel table (src/runtime/kernels.ts). One row drives the kernel's
// tests (test/runtime/kernels.test.ts) and its row in the kernel bench (bench/kernels.ts).
import type { KernelModule } from './wasm.js';

export type KernelOp = 'conv2d' | 'conv2d_relu_maxpool2d' | 'dense' | 'maxpool2d' | 'quantize' | 'dequantize' | 'requantize';
export type KernelDtype = 'f32' | 'qs8';

/** One shape of the test/bench table, named after the tile geometry (e.g. 'm_lt_mr', 'k1', 'sparse_95'). */
export interface KernelShape {
  label: string;
  dims: Record<string, number>;
  /** Fraction of weights that are zero (0 for dense kernels unless the case tests zeros). */
  sparsity?: number;
}

/** A prepared case: inputs are in the module's memory, ready to run many times. */
export interface KernelCase {
  /** Runs the WASM kernel on the prepared inputs. */
  run(): void;
  /** Runs the plain-TypeScript reference twin on the same inputs. */
  runReference(): void;
  /** The WASM output and the reference output (after run() and runReference()). */
  outputs(): {
    got: ArrayLike<number>;
    want: ArrayLike<number>;
    shape: number[];
    /**
     * f32 rows: each output's magnitude scale, |bias| + sum of |x*w| over its reduction (the same
     * computation on absolute values). Float error grows with it, so the tolerance is scaled by it.
     */
    scale?: ArrayLike<number>;
  };
  /** Multiply-accumulates of the dense computation (skipped zeros counted). */
  macs: number;
  /** Multiply-accumulates actually performed (zeros skipped). */
  nonzeroMacs: number;
}

export interface KernelInfo {
  /** WASM export name, the same in the SIMD and the scalar build, and the reference twin's name. */
  name: string;
  op: KernelOp;
  dtype: KernelDtype;
  sparse: boolean;
  /** int8 kernels must match bit-exactly; f32 within a tolerance scaled to the values' magnitude. */
  exact: boolean;
  /** The shape table for tests; `benchShapes` are the seed model's layer shapes at batch 32. */
  shapes: KernelShape[];
  benchShapes: KernelShape[];
  /** Writes seeded inputs for `shape` into `mod`'s memory and returns the runnable case. */
  prepare(mod: KernelModule, shape: KernelShape, seed: number): KernelCase;
}
