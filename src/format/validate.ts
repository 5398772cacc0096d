// Every rule a model must satisfy, on the in-memory model: the reader checks them before it decodes
// any constant data (validateStructure) and on the decoded values (validateData); the writer checks
// them all before writing (validateModel), so no file the reader would refuse is ever made.
// Each rule throws a FormatError saying what is wrong; the caller names the file and what to do.
import { explain, fail } from './errors.js';
import { ACTIVATIONS, DTYPES, MAX_ELEMENTS, MAX_RANK, OPS, PADDINGS } from './spec.js';
import { convOutputSize, elementCount } from './model.js';
import type { Conv2DOp, DenseOp, FormatModel, FormatTensor, Quantization } from './model.js';

/**
 * Tensors, quantization and the op chain, for a model whose fields have the right types (the
 * reader builds them so; validateModel checks them first). `isConstant(i)`: tensor i holds data.
 */
export function validateStructure(model: FormatModel, isConstant: (i: number) => boolean): void {
  const { tensors, ops, input: x, output: y } = model;
  const graph = (what: string) => fail('bad_graph', what);
  const label = (i: number) => `tensor ${i}${tensors[i].name ? ` '${tensors[i].name}'` : ''}`;
  const ref = (i: number, what: string) => {
    if (!(i < tensors.length)) throw graph(`${what} is tensor ${i}, but there are ${tensors.length}`);
    return tensors[i];
  };

  tensors.forEach((t, i) => explain(() => checkTensor(t, isConstant(i)), label(i)));
  ref(x, 'the model input');
  ref(y, 'the model output');
  if (isConstant(x)) throw graph(`the model input ${label(x)} holds constant data`);

  const written = new Set([x]);
  const used = new Set([x]);
  ops.forEach((op, k) => explain(() => {
    const input = ref(op.input, 'its input');
    const output = ref(op.output, 'its output');
    const [h, w, c] = input.shape;
    const windowed = op.op === 'conv2d' || op.op === 'maxpool2d';
    if (windowed && input.shape.length !== 3) throw graph(`${label(op.input)} [${input.shape}] is not [height, width, channels]`);
    if (!written.has(op.input)) throw graph(`it reads ${label(op.input)} before any op writes it`);
    if (written.has(op.output) || isConstant(op.output)) throw graph(`it writes ${label(op.output)}: the model input, a constant or written before`);
    const mustBe = (i: number, shape: number[]) => {
      if (tensors[i].shape.join() !== shape.join()) throw graph(`${label(i)} has shape [${tensors[i].shape}], must be [${shape}]`);
    };
    // output [height, width] of a window sliding over the input [h, w, c]
    const slide = (kh: number, kw: number, strides: number[], padding: Conv2DOp['padding']) => {
      const hw = [convOutputSize(h, kh, strides[0], padding), convOutputSize(w, kw, strides[1], padding)];
      if (![kh, kw, ...strides, ...hw].every((v) => v >= 1)) throw graph(`a ${kh}x${kw} window with strides [${strides}] does not fit [${input.shape}] with '${padding}' padding`);
      return hw;
    };
    const constant = (i: number, what: string) => {
      const t = ref(i, `its ${what}`);
      if (!isConstant(i)) throw graph(`its ${what} ${label(i)} holds no constant data`);
      used.add(i);
      return t;
    };
    // conv2d and dense: the kernel [..., cin, cout] and bias [cout], in one of the three precisions
    const linear = (o: Conv2DOp | DenseOp, want: number[], axis: number) => {
      const kernel = constant(o.kernel, 'kernel'), ks = kernel.shape, cout = ks[axis];
      if (ks.length !== axis + 1 || ks[axis - 1] !== want[axis - 1]) throw graph(`the kernel ${label(o.kernel)} has shape [${ks}], must be [${want}, out]`);
      const bias = o.bias === undefined ? 'none' : constant(o.bias, 'bias').dtype;
      if (o.bias !== undefined) mustBe(o.bias, [cout]);
      const types = `${input.dtype} ${kernel.dtype} ${bias} ${output.dtype}`;
      if (!/^(int8 int8 (int32|none) int8|f32 (f32|int8) (f32|none) f32)$/.test(types)) throw graph(`input, kernel, bias, output are ${types}: not f32, int8 or dynamic range`);
      const q = kernel.quant;
      if (q && (q.zeroPoint.some((z) => z) || (q.axis ?? axis) !== axis)) {
        throw fail('bad_quant', `the int8 kernel ${label(o.kernel)} needs zero points 0, per tensor or per channel on axis ${axis}`);
      }
      return cout;
    };
    const passThrough = () => {
      if (output.dtype !== input.dtype || !sameQuant(input.quant, output.quant)) throw graph(`${label(op.output)} must keep the dtype and quantization of ${label(op.input)}`);
    };

    if (op.op === 'conv2d') {
      const cout = linear(op, ['kh', 'kw', c] as number[], 3);
      const [kh, kw] = tensors[op.kernel].shape;
      mustBe(op.output, [...slide(kh, kw, op.strides, op.padding), cout]);
    } else if (op.op === 'dense') {
      const cout = linear(op, [input.shape[input.shape.length - 1]], 1);
      mustBe(op.output, [...input.shape.slice(0, -1), cout]);
    } else if (op.op === 'maxpool2d') {
      mustBe(op.output, [...slide(...op.pool, op.strides, op.padding), c]);
      passThrough();
    } else if (op.op === 'reshape' || op.op === 'flatten') {
      const n = elementCount(input.shape);
      if (op.op === 'flatten') mustBe(op.output, [n]);
      else if (elementCount(output.shape) !== n) throw graph(`${label(op.output)} [${output.shape}] does not hold the ${n} elements of [${input.shape}]`);
      passThrough();
    } else {
      const turn = op.op === 'quantize' ? 'f32 -> int8' : 'int8 -> f32';
      if (`${input.dtype} -> ${output.dtype}` !== turn) throw graph(`it turns ${turn}, got ${input.dtype} -> ${output.dtype}`);
      mustBe(op.output, input.shape);
    }
    written.add(op.output);
    used.add(op.output);
  }, `op ${k} (${op.op})`));

  if (!written.has(y) || y === x) throw graph(`the model output ${label(y)} is not written by any op`);
  tensors.forEach((_, i) => {
    if (!used.has(i)) throw graph(`${label(i)} is not used by any op`);
  });
}

function checkTensor({ shape: s, dtype, quant: q }: FormatTensor, constant: boolean): void {
  if (!(s.length >= 1 && s.length <= MAX_RANK && s.every((d) => d >= 1))) throw fail('bad_tensor', `its shape [${s}] needs 1-${MAX_RANK} dims, each >= 1`);
  if (elementCount(s) > MAX_ELEMENTS) throw fail('too_large', `[${s}] has ${elementCount(s)} elements, more than the limit ${MAX_ELEMENTS}`);
  if (!constant && dtype === 'int32') throw fail('bad_tensor', 'an int32 activation; only biases may be int32');
  if (dtype !== 'int8') {
    if (q) throw fail('bad_quant', `${dtype} with quantization; only int8 tensors have it (an int32 bias's scale is implied)`);
    return;
  }
  if (!q) throw fail('bad_quant', 'int8 without scale and zero point');
  const { scale, zeroPoint, axis } = q;
  const count = axis === undefined ? 1 : s[axis];
  if (axis !== undefined && !(constant && axis < s.length)) throw fail('bad_quant', `quantized per channel on axis ${axis}; only weights are, on an axis < their rank`);
  if (scale.length !== count || zeroPoint.length !== count) throw fail('bad_quant', `${scale.length} scales and ${zeroPoint.length} zero points, needs ${count}`);
  if (!scale.every((v) => v > 0 && v < Infinity)) throw fail('bad_quant', 'a scale is not finite and > 0');
  if (!zeroPoint.every((z) => z >= -128 && z <= 127)) throw fail('bad_quant', 'a zero point is outside [-128, 127]');
}

/** Constant values once decoded: int8 weights in [-127, 127] (TFLite), f32 values finite. */
export function validateData({ tensors }: FormatModel): void {
  tensors.forEach(({ data: d }, i) => {
    const bad = d instanceof Int8Array ? d.indexOf(-128) : d instanceof Float32Array ? d.findIndex((v) => !isFinite(v)) : -1;
    if (bad >= 0) throw fail('bad_data', `tensor ${i} has ${d![bad]} at element ${bad}; int8 weights are in [-127, 127], f32 ones finite`);
  });
}

/** Everything, for a model about to be written: field types first (a model may come from plain
 * JavaScript), then structure, then data of the right type and length, then values. */
export function validateModel(model: FormatModel): void {
  explain(() => {
    const bad = (what: string) => fail('bad_tensor', what);
    const isIndex = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
    const isPair = (v: unknown) => Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x <= 0xffffffff);
    if (!Array.isArray(model?.tensors) || !Array.isArray(model.ops) || model.ops.length === 0) throw fail('bad_graph', 'a model needs tensors and at least one op');
    if (!isIndex(model.input) || !isIndex(model.output)) throw fail('bad_graph', 'the model input and output must be tensor indices');
    model.tensors.forEach((t, i) => {
      const q: Partial<Quantization> | undefined = t?.quant;
      if (!DTYPES.includes(t?.dtype) || typeof t.name !== 'string' || !Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d <= 0xffffffff)) {
        throw bad(`tensor ${i} needs a name, a dtype among ${DTYPES.join(', ')} and a shape of integers`);
      }
      if (q && (!(q.scale instanceof Float32Array) || !(q.zeroPoint instanceof Int32Array) || !(q.axis === undefined || isIndex(q.axis)))) {
        throw bad(`tensor ${i}: quantization needs a Float32Array scale, an Int32Array zeroPoint and an optional integer axis`);
      }
      const type = t.dtype === 'f32' ? Float32Array : t.dtype === 'int8' ? Int8Array : Int32Array;
      if (t.data !== undefined && (!(t.data instanceof type) || t.data.length !== elementCount(t.shape))) {
        throw bad(`tensor ${i} data must be a ${type.name} of ${elementCount(t.shape)} elements`);
      }
    });
    model.ops.forEach((op, k) => {
      const o = (op ?? {}) as unknown as Record<string, unknown>;
      const linear = o.op === 'conv2d' || o.op === 'dense';
      const windowed = o.op === 'conv2d' || o.op === 'maxpool2d';
      const ok =
        OPS.includes(o.op as 'dense') && isIndex(o.input) && isIndex(o.output) &&
        (!linear || (isIndex(o.kernel) && (o.bias === undefined || isIndex(o.bias)) && ACTIVATIONS.includes(o.activation as 'relu'))) &&
        (!windowed || (isPair(o.strides) && PADDINGS.includes(o.padding as 'same'))) &&
        (o.op !== 'maxpool2d' || isPair(o.pool));
      if (!ok) throw fail('bad_graph', `op ${k} (${String(o.op)}) is not a well-formed ${OPS.join(' | ')} op (see src/format/model.ts)`);
    });
    validateStructure(model, (i) => model.tensors[i]?.data !== undefined);
    validateData(model);
  }, 'model', () => 'fix the model before writing it');
}

function sameQuant(a: Quantization | undefined, b: Quantization | undefined): boolean {
  return a === b || (!!a && !!b && a.axis === undefined && b.axis === undefined && a.scale[0] === b.scale[0] && a.zeroPoint[0] === b.zeroPoint[0]);
}
