// A Sequential model as an ONNX file (fp32, opset 13), for benchmarking onnxruntime beside topiary
// (bench/onnx.ts). Bench tooling, not part of the runtime: the protobuf bytes are written by hand
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto), no dependency.
//
// Layout: topiary is NHWC (Keras), ONNX's Conv and MaxPool are NCHW. The image is reshaped to NHWC as
// the model says, then transposed once to NCHW; convolutions and pools stay NCHW; at Flatten the
// activations are not transposed back: the following Dense kernel's rows are permuted instead, from
// Keras' (h, w, c) order to NCHW's (c, h, w) order, so Gemm sees the same sums. Conv kernels go from
// HWIO to OIHW. The batch dimension is symbolic ('batch').
import type { Layer } from '../src/model/layers.js';
import type { Sequential } from '../src/model/sequential.js';

const OPSET = 13;
const IR_VERSION = 8;
// TensorProto.DataType and AttributeProto.AttributeType values from onnx.proto
const FLOAT = 1, INT64 = 7;
const ATTR_INT = 2, ATTR_STRING = 3, ATTR_INTS = 7;

/** Protobuf wire encoding: fields are appended in the order written (varint, length-delimited, fixed). */
export class ProtoWriter {
  private bytes: number[] = [];

  /** Field `field` as a varint (wire type 0); negative numbers as 10-byte two's complement, as int64 wants. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.rawVarint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  /** Field `field` as a float32 (wire type 5). */
  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.bytes.push(...b);
    return this;
  }

  /** Field `field` as length-delimited bytes (wire type 2): a string, raw bytes or a nested message. */
  bytesField(field: number, value: Uint8Array | string | ProtoWriter): this {
    const b = typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof ProtoWriter ? value.finish() : value;
    this.tag(field, 2);
    this.rawVarint(BigInt(b.length));
    for (let i = 0; i < b.length; i += 0x8000) this.bytes.push(...b.subarray(i, i + 0x8000));
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(BigInt(field * 8 + wire));
  }

  private rawVarint(v: bigint): void {
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.bytes.push(v > 0n ? low | 0x80 : low);
    } while (v > 0n);
  }
}

type Attr = [name: string, value: number | number[] | string];

function attribute([name, value]: Attr): ProtoWriter {
  const a = new ProtoWriter().bytesField(1, name); // AttributeProto.name
  if (typeof value === 'number') a.varint(3, value).varint(20, ATTR_INT); // .i, .type
  else if (typeof value === 'string') a.bytesField(4, value).varint(20, ATTR_STRING); // .s
  else {
    for (const v of value) a.varint(8, v); // .ints (proto2: one tag per value)
    a.varint(20, ATTR_INTS);
  }
  return a;
}

interface Node {
  op: string;
  inputs: string[];
  output: string;
  attrs: Attr[];
}

function nodeProto({ op, inputs, output, attrs }: Node): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.bytesField(1, i); // NodeProto.input
  n.bytesField(2, output).bytesField(3, output).bytesField(4, op); // .output, .name, .op_type
  for (const a of attrs) n.bytesField(5, attribute(a));
  return n;
}

function tensor(name: string, dims: number[], data: Float32Array | BigInt64Array): ProtoWriter {
  const t = new ProtoWriter();
  for (const d of dims) t.varint(1, d); // TensorProto.dims
  t.varint(2, data instanceof Float32Array ? FLOAT : INT64).bytesField(8, name); // .data_type, .name
  const raw = new Uint8Array(data.byteLength); // .raw_data: little-endian
  const view = new DataView(raw.buffer);
  data.forEach((v: number | bigint, i: number) => (typeof v === 'bigint' ? view.setBigInt64(i * 8, v, true) : view.setFloat32(i * 4, v, true)));
  return t.bytesField(9, raw);
}

/** ValueInfoProto of a float tensor [batch, ...dims]. */
function valueInfo(name: string, dims: number[]): ProtoWriter {
  const shape = new ProtoWriter().bytesField(1, new ProtoWriter().bytesField(2, 'batch')); // dim { dim_param }
  for (const d of dims) shape.bytesField(1, new ProtoWriter().varint(1, d)); // dim { dim_value }
  const tensorType = new ProtoWriter().varint(1, FLOAT).bytesField(2, shape); // elem_type, shape
  return new ProtoWriter().bytesField(1, name).bytesField(2, new ProtoWriter().bytesField(1, tensorType)); // name, type { tensor_type }
}

/** Conv kernel HWIO [kh, kw, cin, cout] -> OIHW [cout, cin, kh, kw]. */
export function hwioToOihw(w: Float32Array, [kh, kw, cin, cout]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
    out[((o * cin + i) * kh + y) * kw + x] = w[((y * kw + x) * cin + i) * cout + o];
  }
  return out;
}

/** Dense kernel [h*w*c, out] with rows in Keras' NHWC flatten order -> rows in NCHW flatten order. */
export function nhwcRowsToNchw(w: Float32Array, [h, wd, c]: readonly number[], units: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let ch = 0; ch < c; ch++) {
    const from = ((y * wd + x) * c + ch) * units, to = ((ch * h + y) * wd + x) * units;
    out.set(w.subarray(from, from + units), to);
  }
  return out;
}

// TF's 'same' puts the odd extra pixel of padding at the end, as ONNX's SAME_UPPER does
const pad = (padding: 'valid' | 'same'): Attr => ['auto_pad', padding === 'same' ? 'SAME_UPPER' : 'VALID'];

/**
 * The ONNX bytes of `model`: float input 'input' [batch, ...inputShape] (NHWC per sample, as topiary
 * takes it), float output 'logits' [batch, classes]. Layers: reshape, conv2d, maxpool2d, relu,
 * flatten, dense (QAT's fake_quant has no fp32 ONNX form: export the float model).
 */
export function exportOnnx(model: Sequential): Uint8Array {
  const nodes: Node[] = [];
  const inits: ProtoWriter[] = [];
  let x = 'input';
  let image: number[] | undefined; // per-sample [h, w, c] while `x` is an NCHW image
  const add = (op: string, inputs: string[], output: string, attrs: Attr[] = []) => {
    nodes.push({ op, inputs, output, attrs });
    x = output;
  };
  const toNchw = (shape: readonly number[], output: string) => {
    add('Transpose', [x], output, [['perm', [0, 3, 1, 2]]]);
    image = [...shape];
  };
  const needImage = (layer: Layer) => {
    if (!image) throw new Error(`onnx export: ${layer.config.type} ${layer.name} needs an image input (reshape to [h, w, c] first)`);
  };
  const weights = (layer: Layer, shape: number[], kernel: Float32Array) => {
    inits.push(tensor(`${layer.name}/kernel`, shape, kernel));
    inits.push(tensor(`${layer.name}/bias`, [layer.param('bias').size], layer.param('bias').value.slice()));
    return [x, `${layer.name}/kernel`, `${layer.name}/bias`];
  };
  if (model.inputShape.length === 3) toNchw(model.inputShape, 'input/nchw');
  for (const layer of model.layers) {
    const c = layer.config, out = layer.name;
    const relu = (activation: string) => activation === 'relu' && add('Relu', [x], out);
    switch (c.type) {
      case 'reshape': {
        if (image) throw new Error(`onnx export: reshape ${layer.name} of an image is not supported`);
        inits.push(tensor(`${out}/shape`, [c.targetShape.length + 1], BigInt64Array.from([-1, ...c.targetShape], BigInt)));
        const image3d = c.targetShape.length === 3;
        add('Reshape', [x, `${out}/shape`], image3d ? `${out}/nhwc` : out);
        if (image3d) toNchw(c.targetShape, out);
        break;
      }
      case 'conv2d': {
        needImage(layer);
        const k = layer.param('kernel');
        const inputs = weights(layer, [k.shape[3], k.shape[2], k.shape[0], k.shape[1]], hwioToOihw(k.value, k.shape));
        add('Conv', inputs, c.activation === 'relu' ? `${out}/linear` : out, [['kernel_shape', [k.shape[0], k.shape[1]]], ['strides', [...c.strides]], pad(c.padding)]);
        relu(c.activation);
        image = [...layer.outShape];
        break;
      }
      case 'maxpool2d':
        needImage(layer);
        add('MaxPool', [x], out, [['kernel_shape', [...c.poolSize]], ['strides', [...c.strides]], pad(c.padding)]);
        image = [...layer.outShape];
        break;
      case 'relu':
        add('Relu', [x], out);
        break;
      case 'flatten':
        add('Flatten', [x], out, [['axis', 1]]); // NCHW order: the next dense kernel's rows follow it
        break;
      case 'dense': {
        const k = layer.param('kernel');
        const inputs = weights(layer, [...k.shape], image ? nhwcRowsToNchw(k.value, image, c.units) : k.value.slice());
        image = undefined;
        add('Gemm', inputs, c.activation === 'relu' ? `${out}/linear` : out);
        relu(c.activation);
        break;
      }
      default:
        throw new Error(`onnx export: no fp32 ONNX form for layer ${layer.name} (${c.type}); export the float model`);
    }
  }
  if (image || model.outputShape.length !== 1) throw new Error(`onnx export: the model's output is [${model.outputShape}]; expected [classes]`);
  nodes[nodes.length - 1].output = 'logits';
  const graph = new ProtoWriter();
  for (const n of nodes) graph.bytesField(1, nodeProto(n)); // GraphProto.node
  graph.bytesField(2, 'topiary');
  for (const t of inits) graph.bytesField(5, t); // .initializer
  graph.bytesField(11, valueInfo('input', [...model.inputShape])).bytesField(12, valueInfo('logits', [...model.outputShape]));
  return new ProtoWriter()
    .varint(1, IR_VERSION) // ModelProto.ir_version
    .bytesField(2, 'topiary') // .producer_name
    .bytesField(7, graph) // .graph
    .bytesField(8, new ProtoWriter().bytesField(1, '').varint(2, OPSET)) // .opset_import { domain, version }
    .finish();
}
