import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { fakeQuant, fakeQuantPerChannel } from '../../src/quant/fake_quant.js';
import { RangeCalibrator } from '../../src/quant/ptq.js';
import {
  buildQuantizedModel,
  integerForward,
  validateQuantizedModel,
  window2d,
  type QuantizedModel,
  type QuantizedModelSpec,
} from '../../src/quant/quantized_model.js';
import { channelAbsMax } from '../../src/quant/scheme.js';
import { conv2dGeometry } from '../../src/runtime/packing/f32_params.js';
import { f32_conv2d_nhwc } from '../../src/runtime/reference/f32_conv2d_nhwc.js';
import { f32_dense } from '../../src/runtime/reference/f32_dense.js';

// A small hand-built CNN, the MNIST model's structure at toy size:
// [H, W] -> reshape [H, W, 1] -> conv 3x3 (C, relu) -> maxpool 2x2 -> flatten -> dense (K).
const H = 10;
const W = 9;
const C = 5;
const K = 7;

interface FloatNet {
  convW: Float32Array; // [3, 3, 1, C]
  convB: Float32Array;
  denseW: Float32Array; // [F, K]
  denseB: Float32Array;
}
const convOut = [H - 2, W - 2];
const poolOut = [Math.floor(convOut[0] / 2), Math.floor(convOut[1] / 2)];
const F = poolOut[0] * poolOut[1] * C;

function makeNet(rng: Rng): FloatNet {
  const n = (k: number, s: number) => Float32Array.from({ length: k }, () => rng.normal() * s);
  const net = { convW: n(9 * C, 0.5), convB: n(C, 0.1), denseW: n(F * K, 0.2), denseB: n(K, 0.1) };
  for (let i = 0; i < net.convW.length; i += C) net.convW[i + 3] = 0; // one all-zero filter (pruned)
  return net;
}

/** Plain float layers; `fq` (if given) fake-quantizes weights and outputs as QAT's eval does. */
function floatForward(
  net: FloatNet,
  x: Float32Array,
  batch: number,
  fq?: { input: [number, number]; conv: [number, number]; dense: [number, number]; denseAbs: number },
  tap?: (name: string, v: Float32Array) => void,
): Float32Array {
  const convW = fq ? fakeQuantPerChannel(net.convW, Array.from(channelAbsMax(net.convW, C), (a) => -a), channelAbsMax(net.convW, C), { narrowRange: true }) : net.convW;
  const denseW = fq ? fakeQuant(net.denseW, -fq.denseAbs, fq.denseAbs, { narrowRange: true }) : net.denseW;
  const input = fq ? fakeQuant(x, ...fq.input) : x;
  tap?.('input', x);
  const [oh, ow] = convOut;
  const conv = new Float32Array(batch * oh * ow * C);
  for (let b = 0; b < batch; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let c = 0; c < C; c++) {
          let acc = net.convB[c];
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) acc += input[b * H * W + (y + ky) * W + xx + kx] * convW[(ky * 3 + kx) * C + c];
          conv[((b * oh + y) * ow + xx) * C + c] = Math.max(acc, 0);
        }
  tap?.('conv', conv);
  const convQ = fq ? fakeQuant(conv, ...fq.conv) : conv;
  const [ph, pw] = poolOut;
  const pool = new Float32Array(batch * F);
  for (let b = 0; b < batch; b++)
    for (let y = 0; y < ph; y++)
      for (let xx = 0; xx < pw; xx++)
        for (let c = 0; c < C; c++) {
          let m = -Infinity;
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 2; dx++) m = Math.max(m, convQ[((b * oh + 2 * y + dy) * ow + 2 * xx + dx) * C + c]);
          pool[((b * ph + y) * pw + xx) * C + c] = m;
        }
  const out = new Float32Array(batch * K);
  for (let b = 0; b < batch; b++)
    for (let k = 0; k < K; k++) {
      let acc = net.denseB[k];
      for (let i = 0; i < F; i++) acc += pool[b * F + i] * denseW[i * K + k];
      out[b * K + k] = acc;
    }
  tap?.('dense', out);
  return fq ? fakeQuant(out, ...fq.dense) : out;
}

function spec(net: FloatNet, ranges: Record<string, { min: number; max: number }>): QuantizedModelSpec {
  return {
    input: { shape: [H, W], range: ranges.input },
    layers: [
      { kind: 'reshape', shape: [H, W, 1] },
      { kind: 'conv2d', kernel: net.convW, kernelShape: [3, 3, 1, C], bias: net.convB, activation: 'relu', outRange: ranges.conv },
      { kind: 'maxpool2d', pool: [2, 2] },
      { kind: 'flatten' },
      { kind: 'dense', kernel: net.denseW, kernelShape: [F, K], bias: net.denseB, activation: 'none', outRange: ranges.dense },
    ],
  };
}

function argmax(v: Float32Array | Int8Array, off: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
  return best;
}

describe('buildQuantizedModel + integerForward on a small CNN', () => {
  const rng = new Rng(31);
  const net = makeNet(rng);
  const batch = 64;
  const calib = Float32Array.from({ length: batch * H * W }, () => rng.next());
  const cal = new RangeCalibrator();
  floatForward(net, calib, batch, undefined, (name, v) => {
    cal.observe(name, name === 'conv' ? v.map((x) => Math.max(x, 0)) : v);
  });
  const ranges = cal.ranges();
  const qm = buildQuantizedModel(spec(net, ranges));

  it('builds plain data a converter can store: quantize, integer layers, dequantize', () => {
    expect(qm.layers.map((l) => l.kind)).toEqual(['quantize', 'reshape', 'conv2d', 'maxpool2d', 'reshape', 'dense', 'dequantize']);
    expect(qm.inputShape).toEqual([H, W]);
    expect(qm.outputShape).toEqual([K]);
    validateQuantizedModel(qm);
    // survives a JSON round trip once typed arrays are turned into lists and back
    const json = JSON.parse(JSON.stringify(qm, (_, v) => (ArrayBuffer.isView(v) ? { t: v.constructor.name, v: Array.from(v as Int8Array) } : v)));
    const back = JSON.parse(JSON.stringify(json), (_, v) => {
      if (v && typeof v === 'object' && 't' in v && 'v' in v) {
        const T = { Int8Array, Int32Array, Float32Array }[v.t as 'Int8Array' | 'Int32Array' | 'Float32Array'];
        return T.from(v.v as number[]);
      }
      return v;
    }) as QuantizedModel;
    validateQuantizedModel(back);
    const x = Float32Array.from({ length: 3 * H * W }, () => rng.next());
    expect(integerForward(back, x, 3)).toEqual(integerForward(qm, x, 3));
  });

  it('conv: relu clamp at the output zero point, bias int32, per-channel multipliers', () => {
    const conv = qm.layers[2];
    if (conv.kind !== 'conv2d') throw new Error('layout');
    expect(conv.out.zeroPoint).toBe(-128); // post-ReLU range [0, max]
    expect([conv.actMin, conv.actMax]).toEqual([-128, 127]);
    expect(conv.weightScales.length).toBe(C);
    expect(conv.weightScales[3]).toBe(1); // the all-zero filter
    expect(Array.from(conv.weights.filter((_, i) => i % C === 3))).toEqual(new Array(9).fill(0));
    const dense = qm.layers[5];
    if (dense.kind !== 'dense') throw new Error('layout');
    expect(dense.weightScales.length).toBe(1); // tfmot QAT default: per tensor
    expect(dense.multipliers.length).toBe(K);
  });

  it('agrees with a float fake-quant forward: same argmax, logits within one output step', () => {
    const n = 500;
    const x = Float32Array.from({ length: n * H * W }, () => rng.next());
    const denseAbs = channelAbsMax(net.denseW, 1)[0];
    const fq = {
      input: [Math.min(ranges.input.min, 0), Math.max(ranges.input.max, 0)] as [number, number],
      conv: [Math.min(ranges.conv.min, 0), ranges.conv.max] as [number, number],
      dense: [Math.min(ranges.dense.min, 0), Math.max(ranges.dense.max, 0)] as [number, number],
      denseAbs,
    };
    const want = floatForward(net, x, n, fq);
    const { logits, output } = integerForward(qm, x, n);
    const dq = qm.layers[qm.layers.length - 1];
    if (dq.kind !== 'dequantize') throw new Error('layout');
    // compare as output levels: the float side is on the same grid, up to float32 rounding
    let maxSteps = 0;
    let exact = 0;
    let agree = 0;
    for (let b = 0; b < n; b++) {
      for (let k = 0; k < K; k++) {
        const level = Math.round(want[b * K + k] / dq.in.scale) + dq.in.zeroPoint;
        const steps = Math.abs(output[b * K + k] - level);
        maxSteps = Math.max(maxSteps, steps);
        if (steps === 0) exact++;
        expect(Math.abs(logits[b * K + k] - (output[b * K + k] - dq.in.zeroPoint) * dq.in.scale)).toBeLessThan(1e-6);
      }
      if (argmax(output, b * K, K) === argmax(want, b * K, K)) agree++;
    }
    console.log(`integer vs fake-quant float: ${exact}/${n * K} logits on the same level, max ${maxSteps} level apart; argmax agreement ${agree}/${n}`);
    expect(maxSteps).toBeLessThanOrEqual(1);
    expect(agree).toBe(n);
  });
});

describe('same padding, stride 2, relu6 and per-channel dense', () => {
  // [7, 6, 2] -> conv 3x3 stride 2 'same' (4, relu6) -> [4, 3, 4] -> flatten 48 -> dense 5 per channel
  const rng = new Rng(33);
  const [h, w, cin, cout, feats, k] = [7, 6, 2, 4, 48, 5];
  const convW = Float32Array.from({ length: 9 * cin * cout }, () => rng.normal() * 0.6);
  const convB = Float32Array.from({ length: cout }, () => rng.normal() * 0.2);
  const denseW = Float32Array.from({ length: feats * k }, () => rng.normal() * 0.3);
  const denseB = Float32Array.from({ length: k }, () => rng.normal() * 0.2);
  const g = (n: number) => conv2dGeometry({ n, h, w, cin, cout, kh: 3, kw: 3, strideH: 2, strideW: 2, padding: 'same', relu: true });
  const ranges = { input: { min: -1, max: 1 }, conv: { min: 0, max: 6 }, dense: { min: -5, max: 4 } };

  it('integerForward matches the fake-quant float forward level for level (within one)', () => {
    const qm = buildQuantizedModel({
      input: { shape: [h, w, cin], range: ranges.input },
      layers: [
        { kind: 'conv2d', kernel: convW, kernelShape: [3, 3, cin, cout], bias: convB, strides: [2, 2], padding: 'same', activation: 'relu6', outRange: ranges.conv },
        { kind: 'flatten' },
        { kind: 'dense', kernel: denseW, kernelShape: [feats, k], bias: denseB, activation: 'none', outRange: ranges.dense, weightGranularity: 'per_channel' },
      ],
    });
    const conv = qm.layers[1];
    if (conv.kind !== 'conv2d') throw new Error('layout');
    expect(conv.window).toMatchObject({ outH: 4, outW: 3, padTop: 1, padLeft: 0 });
    const n = 300;
    const x = Float32Array.from({ length: n * h * w * cin }, () => rng.uniform(-1.2, 1.2));
    // float side: fake-quant input and weights, float conv, relu6 via the [0, 6] fake quant, float dense
    const a = channelAbsMax(convW, cout);
    const wq = fakeQuantPerChannel(convW, Array.from(a, (v) => -v), a, { narrowRange: true });
    const ad = channelAbsMax(denseW, k);
    const dq = fakeQuantPerChannel(denseW, Array.from(ad, (v) => -v), ad, { narrowRange: true });
    const y = new Float32Array(n * 4 * 3 * cout);
    f32_conv2d_nhwc(fakeQuant(x, -1, 1), wq, convB, y, g(n));
    const logits = new Float32Array(n * k);
    f32_dense(fakeQuant(y, 0, 6), dq, denseB, logits, n, feats, k, false);
    const want = fakeQuant(logits, -5, 4);
    const got = integerForward(qm, x, n);
    const out = qm.layers[qm.layers.length - 1];
    if (out.kind !== 'dequantize') throw new Error('layout');
    let exact = 0;
    for (let i = 0; i < want.length; i++) {
      const level = Math.round(want[i] / out.in.scale) + out.in.zeroPoint;
      expect(Math.abs(got.output[i] - level)).toBeLessThanOrEqual(1);
      if (got.output[i] === level) exact++;
    }
    console.log(`same padding / relu6 / per-channel dense: ${exact}/${want.length} logits on the same level`);
    expect(exact / want.length).toBeGreaterThan(0.98);
  });
});

describe('window2d (TFLite padding)', () => {
  it('valid and same output sizes and offsets', () => {
    expect(window2d(28, 28, 3, 3, 1, 1, 'valid')).toMatchObject({ outH: 26, outW: 26, padTop: 0, padLeft: 0 });
    expect(window2d(28, 28, 3, 3, 1, 1, 'same')).toMatchObject({ outH: 28, outW: 28, padTop: 1, padLeft: 1 });
    // same, stride 2 on an even input: total padding 1, all of it after
    expect(window2d(8, 8, 3, 3, 2, 2, 'same')).toMatchObject({ outH: 4, outW: 4, padTop: 0, padLeft: 0 });
    expect(window2d(26, 26, 2, 2, 2, 2, 'valid')).toMatchObject({ outH: 13, outW: 13 });
    expect(() => window2d(2, 2, 3, 3, 1, 1, 'valid')).toThrow(ShapeError);
  });
});

describe('validation', () => {
  const rng = new Rng(32);
  const net = makeNet(rng);
  const r = { input: { min: 0, max: 1 }, conv: { min: 0, max: 3 }, dense: { min: -4, max: 4 } };

  it('rejects specs whose shapes do not chain', () => {
    const s = spec(net, r);
    s.layers.splice(3, 1); // drop flatten: dense now sees [h, w, c]
    expect(() => buildQuantizedModel(s)).toThrow(ShapeError);
    expect(() => buildQuantizedModel({ ...spec(net, r), input: { shape: [H, W + 1], range: r.input } })).toThrow(ShapeError);
  });

  it('rejects an unobserved (zero) range and a model edited into inconsistency', () => {
    expect(() => buildQuantizedModel(spec(net, { ...r, conv: { min: 0, max: 0 } }))).toThrow(ConfigError);
    const qm = buildQuantizedModel(spec(net, r));
    const bad = structuredClone(qm);
    const conv = bad.layers[2];
    if (conv.kind !== 'conv2d') throw new Error('layout');
    conv.actMin = 0;
    expect(() => validateQuantizedModel(bad)).toThrow(ConfigError);
    const bad2 = structuredClone(qm);
    const pool = bad2.layers[3];
    if (pool.kind !== 'maxpool2d') throw new Error('layout');
    pool.params = { scale: pool.params.scale * 2, zeroPoint: pool.params.zeroPoint };
    expect(() => validateQuantizedModel(bad2)).toThrow(ConfigError);
    expect(() => integerForward(qm, new Float32Array(H * W + 1), 1)).toThrow(ShapeError);
  });
});
