// The f32 sparse conv -> sparse dense handoff: the conv writes its output batch-minor ('minor') and the
// dense reads it without its transpose. It must give the bits of the NHWC path (conv writes NHWC, the
// dense transposes), sample by sample, whatever the batch: the same sums in the same order, only moved.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { GuardedBuffers } from '../../src/runtime/kernel_buffers.js';
import type { F32Exports } from '../../src/runtime/kernels_f32.js';
import { packConv2dReluMaxpoolSparse, packConv2dSparse, packDenseSparse } from '../../src/runtime/packing/f32.js';
import {
  CONV_PARAMS_BYTES, DENSE_IN_MINOR, DENSE_RELU, conv2dGeometry, conv2dReluMaxpoolSparseScratchBytes, conv2dSparseScratchBytes, denseSparseScratchBytes,
  writeConv2dParams, type Layout,
} from '../../src/runtime/packing/f32_params.js';
import { FULL_BUILD } from '../../src/runtime/wasm_full.js';

/** Random weights with `sparsity` of them zero, and inputs like images (a third exact zeros). */
function values(rng: Rng, n: number, sparsity: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() < sparsity ? 0 : rng.uniform(-1, 1)));
}

/** conv (pooled or not) then flatten then dense, both sparse, the conv's output in `layout`; the dense's output. */
function convDense(simd: boolean, pool: boolean, layout: Layout, n: number, seed: number): Float32Array {
  const rng = new Rng(seed), [h, w, cin, cout, units] = [14, 13, 2, 5, 7];
  const g = conv2dGeometry({ n, h, w, cin, cout, kh: 3, kw: 3, relu: true, outLayout: layout });
  const per = pool ? (g.outH >> 1) * (g.outW >> 1) * cout : g.outH * g.outW * cout;
  const x = values(rng, n * h * w * cin, 0.3), kernel = values(rng, 9 * cin * cout, 0.8), bias = values(rng, cout, 0);
  const dense = values(rng, per * units, 0.8), denseBias = values(rng, units, 0);
  const buf = new GuardedBuffers(FULL_BUILD.instantiate(simd), 0x5a), fns = buf.mod.exports as unknown as F32Exports;
  const params = buf.alloc(CONV_PARAMS_BYTES), xp = buf.put(x);
  const wp = buf.put((pool ? packConv2dReluMaxpoolSparse : packConv2dSparse)(kernel, bias, g)), dp = buf.put(packDenseSparse(dense, denseBias, per, units));
  const mid = buf.alloc(4 * Math.ceil(n / 32) * 32 * per, true), y = buf.alloc(4 * n * units, true);
  const s1 = buf.alloc((pool ? conv2dReluMaxpoolSparseScratchBytes : conv2dSparseScratchBytes)(g), true), s2 = buf.alloc(denseSparseScratchBytes(per, units), true);
  writeConv2dParams(buf.memory, params, g);
  (pool ? fns.f32_conv2d_relu_maxpool2d_sparse : fns.f32_conv2d_sparse)(params, xp, wp, mid, s1);
  fns.f32_dense_sparse(mid, dp, y, n, per, units, DENSE_RELU | (layout === 'minor' ? DENSE_IN_MINOR : 0), s2);
  buf.checkGuards(layout);
  return new Float32Array(buf.memory, y, n * units).slice();
}

describe('f32 sparse conv -> sparse dense, batch-minor handoff', () => {
  for (const simd of [true, false]) {
    for (const pool of [true, false]) {
      it(`${pool ? 'conv+ReLU+pool' : 'conv+ReLU'} [${simd ? 'simd' : 'scalar'}]: the NHWC path's bits at batches 1, 3, 32, 37 and 70`, () => {
        for (const n of [1, 3, 32, 37, 70]) {
          const want = convDense(simd, pool, 'nhwc', n, 7);
          const got = convDense(simd, pool, 'minor', n, 7);
          expect(want.some((v) => v > 0)).toBe(true);
          got.forEach((v, i) => expect(Object.is(v, want[i]), `n ${n}, output ${i}: ${v} vs ${want[i]}`).toBe(true));
        }
      });
    }
  }
});
