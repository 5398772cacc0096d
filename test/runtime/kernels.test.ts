// Every row of the kernel table against its reference twin, over the row's shape table, in both
// builds (SIMD and scalar): f32 within a magnitude-scaled tolerance, exact rows bit-exact. The same
// rows drive bench/kernels.ts.
import { describe, expect, it } from 'vitest';
import { KERNELS } from '../../src/runtime/kernels.js';
import type { KernelInfo, KernelShape } from '../../src/runtime/kernel_info.js';
import type { Isa, KernelModule, ResetExports } from '../../src/runtime/wasm.js';
import { FULL_BUILD } from '../../src/runtime/wasm_full.js';
import { expectKernelMatchesRef, findMismatch } from '../helpers/allclose.js';

const ISAS: Isa[] = ['simd', 'scalar'];
const modules: Record<Isa, KernelModule<ResetExports>> = { simd: FULL_BUILD.instantiate(true), scalar: FULL_BUILD.instantiate(false) };

/** A stable seed per (kernel, shape), so a failure reproduces alone. */
function seedOf(kernel: string, label: string): number {
  let h = 2166136261;
  for (const ch of `${kernel}/${label}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

function check(kernel: KernelInfo, isa: Isa, shape: KernelShape): void {
  const mod = modules[isa];
  mod.exports.reset();
  const c = kernel.prepare(mod, shape, seedOf(kernel.name, shape.label));
  c.run();
  c.runReference();
  expectKernelMatchesRef(`${kernel.name}[${isa}]`, shape, c.outputs(), kernel.exact);
}

describe('kernel table', () => {
  it('has unique names, each exported by both builds', () => {
    expect(new Set(KERNELS.map((k) => k.name)).size).toBe(KERNELS.length);
    for (const k of KERNELS) for (const isa of ISAS) expect(typeof Reflect.get(modules[isa].exports, k.name), `${k.name} in ${isa}`).toBe('function');
  });

  it('covers sparsity 0, 0.5, 0.8, 0.95 and 1 for every sparse kernel', () => {
    for (const k of KERNELS.filter((k) => k.sparse)) {
      const have = new Set(k.shapes.map((s) => s.sparsity));
      for (const sp of [0, 0.5, 0.8, 0.95, 1]) expect(have.has(sp), `${k.name} sparsity ${sp}`).toBe(true);
    }
  });
});

describe.each(KERNELS)('$name', (kernel) => {
  describe.each(ISAS)('%s build', (isa) => {
    it.each(kernel.shapes)('$label', (shape) => check(kernel, isa, shape));
  });

  it('matches its reference on the bench shapes (SIMD build)', () => {
    for (const shape of kernel.benchShapes) check(kernel, 'simd', shape);
  });

  it('runs the same twice (no state left between calls)', () => {
    const mod = modules.simd;
    mod.exports.reset();
    const shape = kernel.shapes[kernel.shapes.length - 1];
    const c = kernel.prepare(mod, shape, 7);
    c.run();
    const first = Array.from(c.outputs().got);
    c.run();
    expect(Array.from(c.outputs().got)).toEqual(first);
  });
});

describe('mismatch report', () => {
  it('names the kernel, the multi-index, both values and the shape', () => {
    const shape = { label: 'm_gt_mr', dims: { m: 2, n: 3 } };
    const msg = findMismatch('f32_dense[simd]', shape, { got: [1, 2, 3, 4, 5, 7], want: [1, 2, 3, 4, 5, 6], shape: [2, 3] }, true);
    expect(msg).toBe("f32_dense[simd]: out[1,2] = 7, ref = 6; 1 of 6 outputs differ; shape 'm_gt_mr': m=2 n=3");
    expect(findMismatch('x', shape, { got: [1, 2, 3, 4, 5, 6 + 1e-7], want: [1, 2, 3, 4, 5, 6], shape: [2, 3], scale: [1, 1, 1, 1, 1, 6] }, false)).toBeNull();
    expect(findMismatch('x', shape, { got: [1, 2, 3, 4, 5, 6.001], want: [1, 2, 3, 4, 5, 6], shape: [2, 3], scale: [1, 1, 1, 1, 1, 6] }, false)).toMatch(/out\[1,2\]/);
  });
});
