// Every rule a model must satisfy, on the in-memory model: the reader checks them before it decodes
// any constant data (validateStructure) and on the decoded values (validateData); the writer checks
// them all before writing (validateModel), so no file the reader would refuse is ever made.
// Each rule throws a FormatError naming the file, the tensor or op, and what to do.
import { FormatError, type FormatErrorCode } from './errors.js';
import { ACTIVATIONS, DTYPES, MAX_ELEMENTS, MAX_RANK, OPS, PADDINGS } from './spec.js';
import { convOutputSize, elementCount } from './model.js';
import type { Conv2DOp, DenseOp, FormatModel, FormatTensor, Quantization } from './model.js';

/** Who is checking: `name` starts messages (e.g. 'model.tpy'), `fix` ends them. */
export interface Check {
  name: string;
  fix: string;
}

export const READER = (name: string): Check => ({ name, fix: 're-export the model' });
export const WRITER: Check = { name: 'model', fix: 'fix the model before writing it' };

/**
 * Tensors, quantization and the op chain, for a model whose fields have the right types (the
 * reader builds them so; validateModel checks them first). `isConstant(i)`: tensor i holds data.
 */
export function validateStructure(model: FormatModel, check: Check, isConstant: (i: number) => boolean): void {
  const { tensors, ops } = model;
  const fail = (code: FormatErrorCode, what: string) => new FormatError(code, `${check.name}: ${what}; ${check.fix}`);
  const label = (i: number) => `tensor ${i}${tensors[i].name ? ` '${tensors[i].name}'` : ''}`;
  const ref = (i: number, what: string) => {
    if (!(i < tensors.length)) throw fail('bad_graph', `${what} is tensor ${i}, but there are ${tensors.length} tensors`);
    return tensors[i];
  };

  tensors.forEach((t, i) => checkTensor(t, label(i), isConstant(i), fail));
  ref(model.input, 'the model input');
  ref(model.output, 'the model output');
  if (isConstant(model.input)) throw fail('bad_graph', `the model input ${label(model.input)} holds constant data`);

  const written = new Set([model.input]);
  const used = new Set([model.input]);
  ops.forEach((op, k) => {
    const at = `op ${k} (${op.op})`;
    const input = ref(op.input, `${at}'s input`);
    const output = ref(op.output, `${at}'s output`);
    if (!written.has(op.input)) throw fail('bad_graph', `${at} reads ${label(op.input)} before any op writes it`);
    if (written.has(op.output) || isConstant(op.output)) throw fail('bad_graph', `${at} writes ${label(op.output)}, which is the model input, constant or already written`);
    const expectShape = (i: number, shape: number[]) => {
      if (tensors[i].shape.join() !== shape.join()) throw fail('bad_graph', `${at}: ${label(i)} has shape [${tensors[i].shape}] but must be [${shape}]`);
    };
    const expectRank3 = () => {
      if (input.shape.length !== 3) throw fail('bad_graph', `${at}: ${label(op.input)} [${input.shape}] must be [height, width, channels]`);
    };
    const positive = (v: number, what: string) => {
      if (!(v >= 1)) throw fail('bad_graph', `${at}: ${what} is ${v}, must be >= 1`);
    };
    // output [height, width] of a window sliding over the input
    const slide = (kh: number, kw: number, strides: number[], padding: Conv2DOp['padding']) => {
      strides.forEach((s) => positive(s, 'a stride'));
      const hw = [convOutputSize(input.shape[0], kh, strides[0], padding), convOutputSize(input.shape[1], kw, strides[1], padding)];
      if (!(hw[0] >= 1 && hw[1] >= 1)) throw fail('bad_graph', `${at}: a ${kh}x${kw} window does not fit [${input.shape}] with '${padding}' padding`);
      return hw;
    };
    const constant = (i: number, what: string) => {
      const t = ref(i, `${at}'s ${what}`);
      if (!isConstant(i)) throw fail('bad_graph', `${at}: its ${what} ${label(i)} holds no constant data`);
      used.add(i);
      return t;
    };
    // conv2d and dense: shapes of kernel and bias, and one of the three precisions
    const linear = (o: Conv2DOp | DenseOp, kernel: FormatTensor, cout: number, axis: number) => {
      const bias = o.bias === undefined ? undefined : constant(o.bias, 'bias');
      if (bias) expectShape(o.bias!, [cout]);
      const biasType = bias?.dtype ?? 'none';
      const int8 = input.dtype === 'int8' && kernel.dtype === 'int8' && output.dtype === 'int8' && (biasType === 'int32' || biasType === 'none');
      const float = input.dtype === 'f32' && kernel.dtype !== 'int32' && output.dtype === 'f32' && (biasType === 'f32' || biasType === 'none');
      if (!int8 && !float) {
        throw fail('bad_graph', `${at}: ${input.dtype} input, ${kernel.dtype} kernel, ${biasType} bias, ${output.dtype} output is not f32, int8 or dynamic range`);
      }
      const q = kernel.quant;
      if (q && (q.zeroPoint.some((z) => z !== 0) || (q.axis ?? axis) !== axis)) {
        throw fail('bad_quant', `${at}: the int8 kernel ${label(o.kernel)} needs zero points 0, per tensor or per channel on axis ${axis}`);
      }
    };
    const passThrough = () => {
      if (output.dtype !== input.dtype || !sameQuant(input.quant, output.quant)) {
        throw fail('bad_graph', `${at}: ${label(op.output)} must keep the dtype and quantization of ${label(op.input)}`);
      }
    };

    if (op.op === 'conv2d') {
      expectRank3();
      const kernel = constant(op.kernel, 'kernel');
      const [kh, kw, cin, cout] = kernel.shape;
      if (kernel.shape.length !== 4 || cin !== input.shape[2]) throw fail('bad_graph', `${at}: the kernel ${label(op.kernel)} has shape [${kernel.shape}], must be [kh, kw, ${input.shape[2]}, cout]`);
      expectShape(op.output, [...slide(kh, kw, op.strides, op.padding), cout]);
      linear(op, kernel, cout, 3);
    } else if (op.op === 'dense') {
      const kernel = constant(op.kernel, 'kernel');
      const cin = input.shape[input.shape.length - 1];
      if (kernel.shape.length !== 2 || kernel.shape[0] !== cin) throw fail('bad_graph', `${at}: the kernel ${label(op.kernel)} has shape [${kernel.shape}], must be [${cin}, out]`);
      expectShape(op.output, [...input.shape.slice(0, -1), kernel.shape[1]]);
      linear(op, kernel, kernel.shape[1], 1);
    } else if (op.op === 'maxpool2d') {
      expectRank3();
      op.pool.forEach((p) => positive(p, 'a pool size'));
      expectShape(op.output, [...slide(op.pool[0], op.pool[1], op.strides, op.padding), input.shape[2]]);
      passThrough();
    } else if (op.op === 'reshape' || op.op === 'flatten') {
      const n = elementCount(input.shape);
      if (op.op === 'flatten') expectShape(op.output, [n]);
      else if (elementCount(output.shape) !== n) throw fail('bad_graph', `${at}: ${label(op.output)} [${output.shape}] does not hold the ${n} elements of [${input.shape}]`);
      passThrough();
    } else {
      const [from, to] = op.op === 'quantize' ? ['f32', 'int8'] : ['int8', 'f32'];
      if (input.dtype !== from || output.dtype !== to) throw fail('bad_graph', `${at} turns ${from} into ${to}, got ${input.dtype} -> ${output.dtype}`);
      expectShape(op.output, input.shape);
    }
    written.add(op.output);
    used.add(op.output);
  });

  if (!written.has(model.output) || model.output === model.input) throw fail('bad_graph', `the model output ${label(model.output)} is not written by any op`);
  tensors.forEach((_, i) => {
    if (!used.has(i)) throw fail('bad_graph', `${label(i)} is not used by any op`);
  });
}

function checkTensor(t: FormatTensor, label: string, constant: boolean, fail: (code: FormatErrorCode, what: string) => FormatError): void {
  const s = t.shape;
  if (s.length < 1 || s.length > MAX_RANK || !s.every((d) => d >= 1)) throw fail('bad_tensor', `${label} has shape [${s}]; it needs 1-${MAX_RANK} dims, each >= 1`);
  if (elementCount(s) > MAX_ELEMENTS) throw fail('too_large', `${label} [${s}] has ${elementCount(s)} elements, more than the limit ${MAX_ELEMENTS}`);
  if (!constant && t.dtype === 'int32') throw fail('bad_tensor', `${label} is an int32 activation; only biases may be int32`);
  const q = t.quant;
  if (t.dtype !== 'int8') {
    if (q) throw fail('bad_quant', `${label} is ${t.dtype} with quantization; only int8 tensors have it (an int32 bias's scale is implied)`);
    return;
  }
  if (!q) throw fail('bad_quant', `${label} is int8 without scale and zero point`);
  const count = q.axis === undefined ? 1 : s[q.axis];
  if (q.axis !== undefined && (q.axis >= s.length || !constant)) throw fail('bad_quant', `${label} is quantized per channel on axis ${q.axis}; only weights are, on an axis < their rank`);
  if (q.scale.length !== count || q.zeroPoint.length !== count) throw fail('bad_quant', `${label} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points, needs ${count}`);
  if (!q.scale.every((v) => v > 0 && v < Infinity)) throw fail('bad_quant', `${label} has a scale that is not finite and > 0: [${q.scale.slice(0, 8)}]`);
  if (!q.zeroPoint.every((z) => z >= -128 && z <= 127)) throw fail('bad_quant', `${label} has a zero point outside [-128, 127]`);
}

/** Constant values once decoded: int8 weights in [-127, 127] (TFLite), f32 values finite. */
export function validateData(model: FormatModel, check: Check): void {
  model.tensors.forEach((t, i) => {
    const d = t.data;
    const bad = d instanceof Int8Array ? d.indexOf(-128) : d instanceof Float32Array ? d.findIndex((v) => !Number.isFinite(v)) : -1;
    if (bad >= 0) {
      throw new FormatError('bad_data', `${check.name}: tensor ${i} has ${d![bad]} at element ${bad}, not in [-127, 127] or not finite; ${check.fix}`);
    }
  });
}

/** Everything, for a model about to be written: field types first (a model may come from plain
 * JavaScript), then structure, then data of the right type and length, then values. */
export function validateModel(model: FormatModel, check: Check = WRITER): void {
  const fail = (what: string, code: FormatErrorCode = 'bad_tensor') => new FormatError(code, `${check.name}: ${what}; ${check.fix}`);
  const isIndex = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  const isPair = (v: unknown) => Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x <= 0xffffffff);
  if (!Array.isArray(model?.tensors) || !Array.isArray(model.ops) || model.ops.length === 0) throw fail('a model needs tensors and at least one op', 'bad_graph');
  if (!isIndex(model.input) || !isIndex(model.output)) throw fail('the model input and output must be tensor indices', 'bad_graph');
  model.tensors.forEach((t, i) => {
    const q: Partial<Quantization> | undefined = t?.quant;
    if (!DTYPES.includes(t?.dtype) || typeof t.name !== 'string' || !Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d <= 0xffffffff)) {
      throw fail(`tensor ${i} needs a name, a dtype among ${DTYPES.join(', ')} and a shape of integers`);
    }
    if (q && (!(q.scale instanceof Float32Array) || !(q.zeroPoint instanceof Int32Array) || !(q.axis === undefined || isIndex(q.axis)))) {
      throw fail(`tensor ${i}: quantization needs a Float32Array scale, an Int32Array zeroPoint and an optional integer axis`);
    }
    const type = t.dtype === 'f32' ? Float32Array : t.dtype === 'int8' ? Int8Array : Int32Array;
    if (t.data !== undefined && (!(t.data instanceof type) || t.data.length !== elementCount(t.shape))) {
      throw fail(`tensor ${i} data must be a ${type.name} of ${elementCount(t.shape)} elements`);
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
    if (!ok) throw fail(`op ${k} (${String(o.op)}) is not a well-formed ${OPS.join(' | ')} op (see src/format/model.ts)`, 'bad_graph');
  });
  validateStructure(model, check, (i) => model.tensors[i]?.data !== undefined);
  validateData(model, check);
}

function sameQuant(a: Quantization | undefined, b: Quantization | undefined): boolean {
  return a === b || (!!a && !!b && a.axis === undefined && b.axis === undefined && a.scale[0] === b.scale[0] && a.zeroPoint[0] === b.zeroPoint[0]);
}
