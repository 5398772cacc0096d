// The ONNX exporter (bench/onnx_export.ts) without onnxruntime: a small protobuf decoder reads the
// bytes back field by field, and a plain NCHW evaluator of the decoded graph (Reshape, Transpose,
// Conv, Relu, MaxPool, Flatten, Gemm as the ONNX spec defines them) must give the engine's logits
// within 1e-4, for the seed architecture and one with 'same' padding, strides, several channels and
// two dense layers. A wrong layout (NHWC vs NCHW, kernel order, flatten order) fails that.
import { describe, expect, it } from 'vitest';
import { exportOnnx, ProtoWriter } from '../../bench/onnx_export.js';
import { images, otherArchitecture, seedArchitecture } from '../runtime/models.js';

interface Field {
  field: number;
  wire: number;
  int?: bigint;
  bytes?: Uint8Array;
}

/** One protobuf message's fields in order (varint, 64-bit, length-delimited, 32-bit). */
function decode(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let v = 0n, shift = 0n;
    for (;;) {
      if (at >= b.length) throw new Error('truncated varint');
      const byte = b[at++];
      v |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (byte < 0x80) return v;
    }
  };
  while (at < b.length) {
    const tag = Number(varint()), field = tag >> 3, wire = tag & 7;
    if (wire === 0) out.push({ field, wire, int: BigInt.asIntN(64, varint()) });
    else if (wire === 2) {
      const n = Number(varint());
      if (at + n > b.length) throw new Error('truncated bytes');
      out.push({ field, wire, bytes: b.subarray(at, at + n) });
      at += n;
    } else if (wire === 5 || wire === 1) {
      const n = wire === 5 ? 4 : 8;
      out.push({ field, wire, bytes: b.subarray(at, at + n) });
      at += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

const ints = (fs: Field[], field: number) => fs.filter((f) => f.field === field).map((f) => Number(f.int));
const strs = (fs: Field[], field: number) => fs.filter((f) => f.field === field).map((f) => new TextDecoder().decode(f.bytes));
const subs = (fs: Field[], field: number) => fs.filter((f) => f.field === field).map((f) => decode(f.bytes!));

interface Tensor {
  shape: number[];
  data: Float32Array;
}

interface Graph {
  nodes: { op: string; inputs: string[]; output: string; attrs: Map<string, number | number[] | string> }[];
  inits: Map<string, Tensor | number[]>;
  input: string;
  output: string;
}

function readModel(bytes: Uint8Array): { irVersion: number; opset: number; graph: Graph } {
  const m = decode(bytes);
  const [g] = subs(m, 7);
  const nodes = subs(g, 1).map((n) => ({
    op: strs(n, 4)[0],
    inputs: strs(n, 1),
    output: strs(n, 2)[0],
    attrs: new Map(subs(n, 5).map((a) => {
      const type = ints(a, 20)[0];
      const value = type === 2 ? ints(a, 3)[0] : type === 7 ? ints(a, 8) : type === 3 ? strs(a, 4)[0] : undefined;
      if (value === undefined) throw new Error(`attribute type ${type}`);
      return [strs(a, 1)[0], value] as const;
    })),
  }));
  const inits = new Map(subs(g, 5).map((t) => {
    const dims = ints(t, 1), type = ints(t, 2)[0], raw = t.find((f) => f.field === 9)!.bytes!.slice();
    const value = type === 1 ? { shape: dims, data: new Float32Array(raw.buffer) } : Array.from(new BigInt64Array(raw.buffer), Number);
    return [strs(t, 8)[0], value] as const;
  }));
  return { irVersion: ints(m, 1)[0], opset: ints(subs(m, 8)[0], 2)[0], graph: { nodes, inits, input: strs(subs(g, 11)[0], 1)[0], output: strs(subs(g, 12)[0], 1)[0] } };
}

// --- the ONNX ops, written from the spec, on NCHW tensors ---

/** Output size and leading pad of one spatial axis under auto_pad (VALID, or SAME_UPPER: extra pad at the end). */
function axis(size: number, k: number, stride: number, autoPad: string): [out: number, pad: number] {
  if (autoPad === 'VALID') return [Math.floor((size - k) / stride) + 1, 0];
  if (autoPad !== 'SAME_UPPER') throw new Error(`auto_pad ${autoPad}`);
  const out = Math.ceil(size / stride), total = Math.max(0, (out - 1) * stride + k - size);
  return [out, Math.floor(total / 2)];
}

function window(x: Tensor, k: number[], strides: number[], autoPad: string, cout: number, at: (n: number, o: number, oy: number, ox: number, iy0: number, ix0: number) => number): Tensor {
  const [n, , h, w] = x.shape;
  const [oh, padH] = axis(h, k[0], strides[0], autoPad), [ow, padW] = axis(w, k[1], strides[1], autoPad);
  const data = new Float32Array(n * cout * oh * ow);
  for (let b = 0; b < n; b++) for (let o = 0; o < cout; o++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
    data[((b * cout + o) * oh + y) * ow + xx] = at(b, o, y, xx, y * strides[0] - padH, xx * strides[1] - padW);
  }
  return { shape: [n, cout, oh, ow], data };
}

function evaluate(g: Graph, input: Tensor): Tensor {
  const env = new Map<string, Tensor>([[g.input, input]]);
  const get = (id: string) => env.get(id) ?? (g.inits.get(id) as Tensor);
  for (const { op, inputs, output, attrs } of g.nodes) {
    const x = get(inputs[0]);
    const ints = (k: string) => attrs.get(k) as number[];
    let y: Tensor;
    switch (op) {
      case 'Reshape': {
        const shape = g.inits.get(inputs[1]) as number[];
        const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
        y = { shape: shape.map((d) => (d === -1 ? x.data.length / known : d)), data: x.data };
        break;
      }
      case 'Transpose': {
        const perm = ints('perm'), shape = perm.map((p) => x.shape[p]);
        const stride = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
        const data = new Float32Array(x.data.length);
        const idx = new Array<number>(shape.length).fill(0);
        for (let i = 0; i < data.length; i++) {
          let src = 0;
          for (let d = 0; d < shape.length; d++) src += idx[d] * stride[perm[d]];
          data[i] = x.data[src];
          for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
        }
        y = { shape, data };
        break;
      }
      case 'Conv': {
        const wt = get(inputs[1]), bias = get(inputs[2]);
        const [cout, cin, kh, kw] = wt.shape, [, , h, w] = x.shape;
        y = window(x, [kh, kw], ints('strides'), attrs.get('auto_pad') as string, cout, (b, o, _y, _x, iy0, ix0) => {
          let s = bias.data[o];
          for (let c = 0; c < cin; c++) for (let dy = 0; dy < kh; dy++) for (let dx = 0; dx < kw; dx++) {
            const iy = iy0 + dy, ix = ix0 + dx;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) s += x.data[((b * cin + c) * h + iy) * w + ix] * wt.data[((o * cin + c) * kh + dy) * kw + dx];
          }
          return s;
        });
        break;
      }
      case 'MaxPool': {
        const [, c, h, w] = x.shape, k = ints('kernel_shape');
        y = window(x, k, ints('strides'), attrs.get('auto_pad') as string, c, (b, o, _y, _x, iy0, ix0) => {
          let m = -Infinity;
          for (let dy = 0; dy < k[0]; dy++) for (let dx = 0; dx < k[1]; dx++) {
            const iy = iy0 + dy, ix = ix0 + dx;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) m = Math.max(m, x.data[((b * c + o) * h + iy) * w + ix]);
          }
          return m;
        });
        break;
      }
      case 'Relu':
        y = { shape: x.shape, data: x.data.map((v) => Math.max(v, 0)) };
        break;
      case 'Flatten':
        expect(attrs.get('axis')).toBe(1);
        y = { shape: [x.shape[0], x.data.length / x.shape[0]], data: x.data };
        break;
      case 'Gemm': {
        const wt = get(inputs[1]), bias = get(inputs[2]);
        const [n, k] = x.shape, m = wt.shape[1];
        expect(wt.shape[0]).toBe(k);
        const data = new Float32Array(n * m);
        for (let b = 0; b < n; b++) for (let j = 0; j < m; j++) {
          let s = bias.data[j];
          for (let i = 0; i < k; i++) s += x.data[b * k + i] * wt.data[i * m + j];
          data[b * m + j] = s;
        }
        y = { shape: [n, m], data };
        break;
      }
      default:
        throw new Error(`no evaluator for ${op}`);
    }
    env.set(output, y);
  }
  return env.get(g.output)!;
}

describe('onnx export', () => {
  it('writes protobuf varints as the wire format says (300, -1 as 10 bytes, a nested message)', () => {
    expect([...new ProtoWriter().varint(1, 300).finish()]).toEqual([0x08, 0xac, 0x02]);
    const minusOne = new ProtoWriter().varint(3, -1).finish();
    expect(minusOne.length).toBe(11);
    expect(decode(minusOne)).toEqual([{ field: 3, wire: 0, int: -1n }]);
    const nested = new ProtoWriter().bytesField(7, new ProtoWriter().bytesField(1, 'ab')).finish();
    expect([...nested]).toEqual([0x3a, 4, 0x0a, 2, 0x61, 0x62]);
  });

  it('is an opset-13 model whose graph runs the seed architecture with NCHW nodes', () => {
    const { irVersion, opset, graph } = readModel(exportOnnx(seedArchitecture(3)));
    expect([irVersion, opset]).toEqual([8, 13]);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Reshape', 'Transpose', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm']);
    expect([graph.input, graph.output, graph.nodes.at(-1)!.output]).toEqual(['input', 'logits', 'logits']);
    expect((graph.inits.get('conv2d/kernel') as Tensor).shape).toEqual([12, 1, 3, 3]);
    expect((graph.inits.get('dense/kernel') as Tensor).shape).toEqual([13 * 13 * 12, 10]);
  });

  for (const [label, build, pixels] of [['the seed architecture', seedArchitecture, 784], ["'same' padding, strides, 3 input channels, two dense layers", otherArchitecture, 330]] as const) {
    it(`run by a plain ONNX evaluator, gives the engine's logits within 1e-4: ${label}`, () => {
      const model = build(5);
      const n = 3, x = images(11, n, pixels);
      const want = model.predict(x, n);
      const { graph } = readModel(exportOnnx(model));
      const got = evaluate(graph, { shape: [n, ...model.inputShape], data: x });
      expect(got.shape).toEqual([n, ...model.outputShape]);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want[i]));
      expect(worst).toBeLessThan(1e-4);
      expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.1); // the logits are not all ~0
    });
  }
});
