// The WASM engine backend (SIMD and scalar builds) against the TypeScript reference ops: every op on
// named and random shapes (same padding, strides, cin > 1, odd sizes, channel counts that leave
// partial SIMD chunks), its memory contract, and training of the seed model (close to the reference,
// bit-identical for the same seed).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { loadMnist } from '../../src/data/mnist.js';
import { slice } from '../../src/data/dataset.js';
import { referenceBackend, type EngineBackend } from '../../src/engine/backend.js';
import { defaultEngineBackend } from '../../src/engine/backend_default.js';
import { conv2dGeometry, type Padding } from '../../src/engine/ops/conv2d.js';
import { maxPool2dGeometry } from '../../src/engine/ops/maxpool2d.js';
import { createWasmBackend, wasmSimdSupported, type Isa, type WasmEngineBackend } from '../../src/engine/wasm_backend.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { mnistCnn } from '../../src/model/mnist_cnn.js';
import { nudge } from '../../src/quant/fake_quant.js';
import { fit } from '../../src/model/train.js';

const ISAS: Isa[] = wasmSimdSupported() ? ['simd', 'scalar'] : ['scalar'];
const rand = (rng: Rng, n: number) => new Float32Array(n).map(() => rng.uniform(-1, 1));

/** A copy of `a` in the backend's memory. */
function into(be: EngineBackend, a: Float32Array): Float32Array {
  const v = be.alloc(a.length);
  v.set(a);
  return v;
}

/** |actual - expected| <= tol * max(1, max |expected|), with the first bad index in the message. */
function expectClose(actual: Float32Array, expected: Float32Array, what: string, tol = 2e-5): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= tol * scale)) expect.fail(`${what}[${i}] = ${actual[i]}, reference ${expected[i]} (|err| ${err} > ${tol * scale}, length ${expected.length})`);
  }
}

function expectBitExact(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) expect.fail(`${what}[${i}] = ${actual[i]}, reference ${expected[i]} (bits differ, length ${e.length})`);
  }
}

interface ConvCase { name: string; batch: number; inShape: [number, number, number]; k: [number, number]; filters: number; s: [number, number]; pad: Padding }

const CONV_CASES: ConvCase[] = [
  { name: 'seed 3x3 cin=1 cout=12 valid', batch: 3, inShape: [28, 28, 1], k: [3, 3], filters: 12, s: [1, 1], pad: 'valid' },
  { name: 'exactly one 4-pixel x 12-channel tile per row', batch: 2, inShape: [6, 6, 1], k: [3, 3], filters: 12, s: [1, 1], pad: 'valid' },
  { name: 'cin=3 cout=5 same', batch: 2, inShape: [7, 6, 3], k: [3, 3], filters: 5, s: [1, 1], pad: 'same' },
  { name: 'stride 2 same, even kernel', batch: 1, inShape: [9, 8, 2], k: [2, 4], filters: 3, s: [2, 2], pad: 'same' },
  { name: 'stride 2 same, bottom/right padding only', batch: 2, inShape: [6, 6, 4], k: [2, 2], filters: 8, s: [2, 2], pad: 'same' },
  { name: '1x1 stride 3 valid (unread rows)', batch: 3, inShape: [7, 7, 4], k: [1, 1], filters: 2, s: [3, 3], pad: 'valid' },
  { name: '5x3 kernel mixed strides, odd sizes', batch: 1, inShape: [11, 9, 2], k: [5, 3], filters: 13, s: [2, 1], pad: 'valid' },
  { name: 'cin=17 cout=24 same (input-gradient tails)', batch: 2, inShape: [5, 7, 17], k: [3, 3], filters: 24, s: [1, 1], pad: 'same' },
  { name: 'kernel as large as the image', batch: 2, inShape: [3, 5, 2], k: [3, 5], filters: 7, s: [1, 1], pad: 'valid' },
  { name: '1x1 image, same', batch: 4, inShape: [1, 1, 6], k: [3, 3], filters: 9, s: [2, 2], pad: 'same' },
];

/** Random geometries from a seed: any size, kernel, stride, padding and channel count. */
function randomConvCases(seed: number, n: number): ConvCase[] {
  const rng = new Rng(seed);
  const out: ConvCase[] = [];
  for (let i = 0; i < n; i++) {
    const pad: Padding = rng.int(2) ? 'same' : 'valid';
    const h = 1 + rng.int(12), w = 1 + rng.int(12);
    const k: [number, number] = [1 + rng.int(pad === 'valid' ? Math.min(h, 5) : 5), 1 + rng.int(pad === 'valid' ? Math.min(w, 5) : 5)];
    const c: ConvCase = { name: '', batch: 1 + rng.int(3), inShape: [h, w, 1 + rng.int(9)], k, filters: 1 + rng.int(17), s: [1 + rng.int(3), 1 + rng.int(3)], pad };
    c.name = `random ${c.inShape.join('x')} k${k.join('x')} s${c.s.join('x')} ${pad} cout=${c.filters} batch ${c.batch}`;
    out.push(c);
  }
  return out;
}

describe.each(ISAS)('wasm-%s backend', (isa) => {
  const be: WasmEngineBackend = createWasmBackend({ simd: isa === 'simd', memoryMiB: 64 });

  it.each([...CONV_CASES, ...randomConvCases(11, 8)])('conv2d $name', ({ batch, inShape, k, filters, s, pad }) => {
    const rng = new Rng(1);
    const g = conv2dGeometry(inShape, k, filters, s, pad);
    const x = rand(rng, batch * inShape[0] * inShape[1] * inShape[2]);
    const w = rand(rng, k[0] * k[1] * inShape[2] * filters);
    const b = rand(rng, filters);
    const ySize = batch * g.outH * g.outW * filters;
    const dy = rand(rng, ySize);
    // backward adds into dw/db and overwrites dx: start all three from non-zero values
    const dw0 = rand(rng, w.length), db0 = rand(rng, filters), dx0 = rand(rng, x.length);

    const y = new Float32Array(ySize), dx = dx0.slice(), dw = dw0.slice(), db = db0.slice();
    referenceBackend.conv2dForward(x, w, b, y, batch, g);
    referenceBackend.conv2dBackward(x, w, dy, dx, dw, db, batch, g);

    const [wx, ww, wb, wdy, wdx, wdw, wdb] = [x, w, b, dy, dx0, dw0, db0].map((a) => into(be, a));
    const wy = be.alloc(ySize);
    be.conv2dForward(wx, ww, wb, wy, batch, g);
    be.conv2dBackward(wx, ww, wdy, wdx, wdw, wdb, batch, g);
    expectClose(wy, y, 'y');
    expectClose(wdx, dx, 'dx');
    expectClose(wdw, dw, 'dw');
    expectClose(wdb, db, 'db');

    // without dx (a first layer), the parameter gradients are the same
    const wdw2 = into(be, dw0), wdb2 = into(be, db0);
    be.conv2dBackward(wx, ww, wdy, null, wdw2, wdb2, batch, g);
    expectBitExact(wdw2, wdw, 'dw without dx');
    expectBitExact(wdb2, wdb, 'db without dx');
  });

  it.each([[1, 1, 1], [3, 7, 5], [4, 33, 10], [5, 2028, 10], [2, 128, 17], [32, 13, 4], [7, 9, 13]])('dense batch %i, %i -> %i', (batch, inF, outF) => {
    const rng = new Rng(2);
    const g = { inF, outF };
    const x = rand(rng, batch * inF), w = rand(rng, inF * outF), b = rand(rng, outF), dy = rand(rng, batch * outF);
    const dx0 = rand(rng, x.length), dw0 = rand(rng, w.length), db0 = rand(rng, outF);
    const y = new Float32Array(batch * outF), dx = dx0.slice(), dw = dw0.slice(), db = db0.slice();
    referenceBackend.denseForward(x, w, b, y, batch, g);
    referenceBackend.denseBackward(x, w, dy, dx, dw, db, batch, g);

    const [wx, ww, wb, wdy, wdx, wdw, wdb] = [x, w, b, dy, dx0, dw0, db0].map((a) => into(be, a));
    const wy = be.alloc(batch * outF);
    be.denseForward(wx, ww, wb, wy, batch, g);
    be.denseBackward(wx, ww, wdy, wdx, wdw, wdb, batch, g);
    expectClose(wy, y, 'y');
    expectClose(wdx, dx, 'dx');
    expectClose(wdw, dw, 'dw');
    expectClose(wdb, db, 'db');

    const wdw2 = into(be, dw0), wdb2 = into(be, db0);
    be.denseBackward(wx, ww, wdy, null, wdw2, wdb2, batch, g);
    expectBitExact(wdw2, wdw, 'dw without dx');
    expectBitExact(wdb2, wdb, 'db without dx');
  });

  it.each([
    { inShape: [26, 26, 12], pool: [2, 2], s: [2, 2], pad: 'valid' },
    { inShape: [4, 4, 1], pool: [2, 2], s: [2, 2], pad: 'valid' },
    { inShape: [5, 7, 6], pool: [2, 2], s: [2, 2], pad: 'valid' },
    { inShape: [6, 8, 5], pool: [2, 2], s: [2, 2], pad: 'same' },
    { inShape: [5, 7, 3], pool: [2, 2], s: [2, 2], pad: 'same' },
    { inShape: [6, 6, 5], pool: [3, 3], s: [1, 1], pad: 'valid' },
    { inShape: [7, 5, 9], pool: [3, 2], s: [2, 3], pad: 'same' },
    { inShape: [9, 9, 6], pool: [3, 3], s: [2, 2], pad: 'same' },
    { inShape: [3, 8, 2], pool: [1, 3], s: [1, 2], pad: 'valid' },
  ] as const)('maxpool2d $inShape pool $pool stride $s $pad (bit-exact, with ties)', ({ inShape, pool, s, pad }) => {
    const rng = new Rng(3);
    const g = maxPool2dGeometry(inShape, [pool[0], pool[1]], [s[0], s[1]], pad);
    const batch = 3;
    // few distinct values, so windows hold ties and the first maximum must win
    const x = new Float32Array(batch * inShape[0] * inShape[1] * inShape[2]).map(() => rng.int(5) - 2);
    const dy = rand(rng, batch * g.outH * g.outW * g.c);
    const y = new Float32Array(dy.length), dx = rand(rng, x.length);
    referenceBackend.maxPool2dForward(x, y, batch, g);
    referenceBackend.maxPool2dBackward(x, dy, dx, batch, g);

    const wx = into(be, x), wdy = into(be, dy), wy = be.alloc(dy.length), wdx = into(be, rand(rng, x.length));
    be.maxPool2dForward(wx, wy, batch, g);
    be.maxPool2dBackward(wx, wdy, wdx, batch, g);
    expectBitExact(wy, y, 'y');
    expectBitExact(wdx, dx, 'dx');
  });

  it.each([0, 1, 3, 4, 7, 1000])('relu n = %i (bit-exact, with -0 and NaN)', (n) => {
    const rng = new Rng(4);
    const x = rand(rng, n);
    if (n > 2) { x[0] = -0; x[1] = NaN; x[2] = 0; }
    const dy = rand(rng, n);
    const y = new Float32Array(n), dx = new Float32Array(n);
    referenceBackend.reluForward(x, y, n);
    referenceBackend.reluBackward(y, dy, dx, n);
    const wx = into(be, x), wy = be.alloc(n), wdy = into(be, dy), wdx = be.alloc(n);
    be.reluForward(wx, wy, n);
    be.reluBackward(wy, wdy, wdx, n);
    expectBitExact(wy, y, 'y');
    expectBitExact(wdx, dx, 'dx');
    // in place, as layers call them
    be.reluForward(wx, wx, n);
    be.reluBackward(wy, wdy, wdy, n);
    expectBitExact(wx, y, 'y in place');
    expectBitExact(wdy, dx, 'dx in place');
  });

  it.each([0, 1, 3, 4, 7, 1001])('fake quant n = %i: forward, straight-through gradient and min/max bit-exact (ties, clamps, -0, NaN)', (n) => {
    const rng = new Rng(6);
    const r = nudge(-0.7, 1.3); // the tfmot 8-bit grid, nudged: 0 lands on a level
    const x = new Float32Array(n).map(() => rng.uniform(-1.5, 1.5));
    // exact half-way points between levels (round half up), both ends, beyond them, zeros and NaN
    const special = [r.min + 2.5 * r.scale, r.min + 100.5 * r.scale, r.min, r.max, r.max + 1, r.min - 1, -0, 0, NaN, r.min + 17 * r.scale];
    special.forEach((v, i) => { if (i < n) x[(i * 97) % n] = v; });
    const dy = rand(rng, n);
    const y = new Float32Array(n), dx = new Float32Array(n);
    referenceBackend.fakeQuantForward(x, y, n, r.min, r.max, r.scale);
    referenceBackend.fakeQuantBackward(dy, x, dx, n, r.min, r.max);
    const wx = into(be, x), wy = be.alloc(n), wdy = into(be, dy), wdx = be.alloc(n);
    be.fakeQuantForward(wx, wy, n, r.min, r.max, r.scale);
    be.fakeQuantBackward(wdy, wx, wdx, n, r.min, r.max);
    expectBitExact(wy, y, 'y');
    expectBitExact(wdx, dx, 'dx');
    expect(be.minMaxOf(wx, n)).toEqual(referenceBackend.minMaxOf(x, n));
    // the degenerate range [0, 0] maps everything to 0; in place as the layers may call it
    be.fakeQuantForward(wx, wx, n, 0, 0, 0);
    expectBitExact(wx, new Float32Array(n), 'scale 0');
  });

  it('min/max skips NaNs, says Infinity when there is no number, and gives +0 for either zero', () => {
    for (const values of [[NaN, NaN, NaN, NaN, NaN], [-0, 0, -0, 0, 0, -0, -0, -0, 0], [5, -0, 5, 5, 0, 5, 5, 5, 5], [NaN, 3, NaN, -2, NaN]]) {
      const x = Float32Array.from(values);
      const want = referenceBackend.minMaxOf(x, x.length);
      expect(be.minMaxOf(into(be, x), x.length)).toEqual(want);
      if (values.every(Number.isNaN)) expect(want).toEqual({ min: Infinity, max: -Infinity });
      else expect(Object.is(want.min, -0) || Object.is(want.max, -0)).toBe(false);
    }
  });

  it.each([1, 2, 5, 1001])('adam over %i params is bit-identical to the reference over 5 steps', (n) => {
    const rng = new Rng(5);
    const w = rand(rng, n), m = new Float32Array(n), v = new Float32Array(n);
    const ww = into(be, w), wm = be.alloc(n), wv = be.alloc(n), wg = be.alloc(n);
    for (let t = 1; t <= 5; t++) {
      const g = rand(rng, n).map((x) => x * 10 ** rng.int(6) * 1e-4);
      wg.set(g);
      const alpha = (1e-3 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      referenceBackend.adamUpdate(w, g, m, v, alpha, 0.9, 0.999, 1e-7);
      be.adamUpdate(ww, wg, wm, wv, alpha, 0.9, 0.999, 1e-7);
    }
    expectBitExact(ww, w, 'w');
    expectBitExact(wm, m, 'm');
    expectBitExact(wv, v, 'v');
  });

  it('rejects arrays that are not views into its memory, or too short, with typed errors', () => {
    const g = conv2dGeometry([5, 5, 1], [3, 3], 2, [1, 1], 'valid');
    const x = be.alloc(25), w = be.alloc(18), b = be.alloc(2), y = be.alloc(18);
    expect(() => be.conv2dForward(new Float32Array(25), w, b, y, 1, g)).toThrow(ConfigError);
    expect(() => be.conv2dForward(new Float32Array(25), w, b, y, 1, g)).toThrow(/'x' is not a view into this backend's memory; allocate it with backend.alloc/);
    expect(() => createWasmBackend({ simd: isa === 'simd', memoryMiB: 1 }).reluForward(x, x, 25)).toThrow(/not a view into this backend's memory/);
    expect(() => be.conv2dForward(x, w, b, y.subarray(0, 17), 1, g)).toThrow(ShapeError);
    expect(() => be.conv2dForward(x, w, b, y.subarray(0, 17), 1, g)).toThrow(/'y' has 17 floats, the geometry needs 18/);
    expect(() => be.adamUpdate(x, b, x, x, 1e-3, 0.9, 0.999, 1e-7)).toThrow(/'g' has 2 floats, the geometry needs 25/);
  });

  it('never grows its memory: views stay valid, and running out is a clear error', () => {
    const small = createWasmBackend({ simd: isa === 'simd', memoryMiB: 1 });
    const first = small.alloc(1000);
    first.fill(7);
    const buffer = first.buffer;
    const views: Float32Array[] = [];
    expect(() => { for (;;) views.push(small.alloc(16 * 1024)); }).toThrow(/out of memory.*createWasmBackend\(\{memoryMiB: 2\}\)/);
    expect(views.length).toBeGreaterThan(10);
    expect(first.buffer).toBe(buffer);
    expect(first.length).toBe(1000);
    expect(first.every((v) => v === 7)).toBe(true);
    expect(views.every((v) => v.length === 16 * 1024 && v.buffer === buffer && v.every((x) => x === 0))).toBe(true);
    expect(small.memoryUsage().reserved).toBe(1024 * 1024);
  });
});

describe('training the seed model', () => {
  const data = slice(loadMnist().train, 0, 320);
  const train = (backend: EngineBackend, seed: number) => {
    const model = mnistCnn({ seed, backend });
    const h = fit(model, data, { epochs: 2, batchSize: 32, seed });
    return { weights: model.store.values.slice(), loss: h.loss };
  };

  let reference: ReturnType<typeof train> | undefined;
  it.each(ISAS)('wasm-%s: 20 Adam steps give weights close to the reference', (isa) => {
    const ref = (reference ??= train(referenceBackend, 3));
    const got = train(createWasmBackend({ simd: isa === 'simd', memoryMiB: 16 }), 3);
    const init = mnistCnn({ seed: 3 }).store.values;
    let moved = 0, diff = 0;
    for (let i = 0; i < init.length; i++) {
      moved = Math.max(moved, Math.abs(ref.weights[i] - init[i]));
      diff = Math.max(diff, Math.abs(got.weights[i] - ref.weights[i]));
    }
    expect(moved).toBeGreaterThan(1e-2); // the weights did train
    expect(diff, `max |w_wasm - w_ref| = ${diff}, weights moved up to ${moved}`).toBeLessThan(1e-6);
    expect(got.loss[1]).toBeCloseTo(ref.loss[1], 4);
  });

  it.each(ISAS)('wasm-%s: the same seed twice gives bit-identical weights', (isa) => {
    const a = train(createWasmBackend({ simd: isa === 'simd', memoryMiB: 16 }), 9);
    const b = train(createWasmBackend({ simd: isa === 'simd', memoryMiB: 16 }), 9);
    expectBitExact(b.weights, a.weights, 'weights');
    expect(b.loss).toEqual(a.loss);
  });

  it('defaultEngineBackend picks WASM SIMD when it validates, else scalar', () => {
    expect(defaultEngineBackend().name).toBe(wasmSimdSupported() ? 'wasm-simd' : 'wasm-scalar');
  });
});
