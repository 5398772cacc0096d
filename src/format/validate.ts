// Every rule a model must satisfy, checked on the in-memory model: by the reader (before it decodes
// any constant data, then once more on the values) and by the writer (so no invalid file is made).
// Each rule throws a FormatError that names the file, the tensor or op, and what to do.
import { FormatError, type FormatErrorCode } from './errors.js';
import { ACTIVATIONS, DTYPES, MAX_ELEMENTS, MAX_RANK, OPS, PADDINGS } from './spec.js';
import { convOutputSize, elementCount } from './model.js';
import type { Conv2DOp, DenseOp, FormatModel, FormatTensor, Padding, Quantization } from './model.js';

/** Who is checking: `name` starts messages (e.g. 'model.tpy'), `fix` ends them. */
export interface Check {
  name: string;
  fix: string;
}

export const READER: (name: string) => Check = (name) => ({ name, fix: 're-export the model' });
export const WRITER: Check = { name: 'model', fix: 'fix the model before writing it' };

/** Checks tensors, quantization and the op chain; `isConstant(i)` says whether tensor i holds data. */
export function validateStructure(model: FormatModel, check: Check, isConstant: (i: number) => boolean): void {
  const { tensors, ops } = model;
  const fail = (code: FormatErrorCode, what: string) => new FormatError(code, `${check.name}: ${what}; ${check.fix}`);
  const label = (i: number) => (tensors[i].name ? `tensor ${i} '${tensors[i].name}'` : `tensor ${i}`);
  if (!Array.isArray(tensors) || tensors.length === 0) throw fail('bad_graph', 'the model has no tensors');
  if (!Array.isArray(ops) || ops.length === 0) throw fail('bad_graph', 'the model has no ops');

  tensors.forEach((t, i) => checkTensor(t, label(i), isConstant(i), fail));

  const ref = (i: unknown, what: string): FormatTensor => {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= tensors.length) {
      throw fail('bad_graph', `${what} is tensor ${String(i)}, but the model has tensors 0-${tensors.length - 1}`);
    }
    return tensors[i];
  };
  ref(model.input, 'the model input');
  ref(model.output, 'the model output');
  if (isConstant(model.input)) throw fail('bad_graph', `the model input ${label(model.input)} holds constant data`);

  const produced = new Set<number>([model.input]);
  const used = new Set<number>([model.input]);
  ops.forEach((op, k) => {
    const at = `op ${k} (${String(op?.op)})`;
    if (!OPS.includes(op?.op)) throw fail('unknown_code', `${at} is not one of ${OPS.join(', ')}`);
    const input = ref(op.input, `${at}'s input`);
    const output = ref(op.output, `${at}'s output`);
    if (!produced.has(op.input)) throw fail('bad_graph', `${at} reads ${label(op.input)} before any op writes it`);
    if (produced.has(op.output) || isConstant(op.output)) {
      throw fail('bad_graph', `${at} writes ${label(op.output)}, which is the model input, constant, or written by an earlier op`);
    }
    const expect = (got: FormatTensor, i: number, shape: number[]) => {
      if (!sameShape(got.shape, shape)) throw fail('bad_graph', `${at}: ${label(i)} has shape [${got.shape}] but must be [${shape}]`);
    };
    const passThrough = () => {
      if (output.dtype !== input.dtype || !sameQuant(input.quant, output.quant)) {
        throw fail('bad_graph', `${at}: ${label(op.output)} must keep the dtype and quantization of ${label(op.input)}`);
      }
    };
    const activation = (t: FormatTensor, i: number, rank: number) => {
      if (t.shape.length !== rank) throw fail('bad_graph', `${at}: ${label(i)} must have rank ${rank}, has shape [${t.shape}]`);
    };
    const positive = (v: unknown, what: string) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffffff) throw fail('bad_graph', `${at}: ${what} is ${String(v)}, must be an integer >= 1`);
      return v;
    };
    const oneOf = <T extends string>(v: T, allowed: readonly T[], what: string) => {
      if (!allowed.includes(v)) throw fail('unknown_code', `${at}: ${what} '${String(v)}' is not one of ${allowed.join(', ')}`);
    };
    const spatial = (h: number, w: number, kh: number, kw: number, strides: unknown, padding: Padding) => {
      if (!Array.isArray(strides) || strides.length !== 2) throw fail('bad_graph', `${at}: strides must be [strideH, strideW]`);
      const [sh, sw] = [positive(strides[0], 'strideH'), positive(strides[1], 'strideW')];
      oneOf(padding, PADDINGS, 'padding');
      const ho = convOutputSize(h, kh, sh, padding);
      const wo = convOutputSize(w, kw, sw, padding);
      if (ho < 1 || wo < 1) throw fail('bad_graph', `${at}: a ${kh}x${kw} window does not fit the ${h}x${w} input with '${padding}' padding`);
      return [ho, wo];
    };
    const constant = (i: unknown, what: string) => {
      const t = ref(i, `${at}'s ${what}`);
      if (!isConstant(i as number)) throw fail('bad_graph', `${at}: its ${what} ${label(i as number)} holds no constant data`);
      used.add(i as number);
      return t;
    };
    const linear = (o: Conv2DOp | DenseOp, kernel: FormatTensor, cout: number, axis: number) => {
      oneOf(o.activation, ACTIVATIONS, 'activation');
      const bias = o.bias === undefined ? undefined : constant(o.bias, 'bias');
      if (bias) expect(bias, o.bias!, [cout]);
      const kind = `${input.dtype} input, ${kernel.dtype} kernel, ${bias?.dtype ?? 'no'} bias, ${output.dtype} output`;
      const int8 = input.dtype === 'int8' && output.dtype === 'int8' && (bias?.dtype ?? 'int32') === 'int32';
      const float = input.dtype === 'f32' && output.dtype === 'f32' && (bias?.dtype ?? 'f32') === 'f32';
      if (!(kernel.dtype === 'int8' ? int8 || float : kernel.dtype === 'f32' && float && input.dtype === 'f32')) {
        throw fail('bad_graph', `${at} has ${kind}; supported are all f32, int8 with an int32 bias, or f32 with an int8 kernel`);
      }
      const q = kernel.quant;
      if (q && (q.zeroPoint.some((z) => z !== 0) || (q.axis !== undefined && q.axis !== axis))) {
        throw fail('bad_quant', `${at}: the int8 kernel ${label(o.kernel)} must be symmetric (zero points 0), per tensor or per channel on axis ${axis}`);
      }
    };

    if (op.op === 'conv2d') {
      activation(input, op.input, 3);
      const kernel = constant(op.kernel, 'kernel');
      if (kernel.shape.length !== 4 || kernel.shape[2] !== input.shape[2]) {
        throw fail('bad_graph', `${at}: the kernel ${label(op.kernel)} has shape [${kernel.shape}], must be [kh, kw, ${input.shape[2]}, cout]`);
      }
      const [kh, kw, , cout] = kernel.shape;
      const [ho, wo] = spatial(input.shape[0], input.shape[1], kh, kw, op.strides, op.padding);
      expect(output, op.output, [ho, wo, cout]);
      linear(op, kernel, cout, 3);
    } else if (op.op === 'dense') {
      const kernel = constant(op.kernel, 'kernel');
      const cin = input.shape[input.shape.length - 1];
      if (kernel.shape.length !== 2 || kernel.shape[0] !== cin) {
        throw fail('bad_graph', `${at}: the kernel ${label(op.kernel)} has shape [${kernel.shape}], must be [${cin}, out]`);
      }
      expect(output, op.output, [...input.shape.slice(0, -1), kernel.shape[1]]);
      linear(op, kernel, kernel.shape[1], 1);
    } else if (op.op === 'maxpool2d') {
      activation(input, op.input, 3);
      if (!Array.isArray(op.pool) || op.pool.length !== 2) throw fail('bad_graph', `${at}: pool must be [poolH, poolW]`);
      const [ph, pw] = [positive(op.pool[0], 'poolH'), positive(op.pool[1], 'poolW')];
      const [ho, wo] = spatial(input.shape[0], input.shape[1], ph, pw, op.strides, op.padding);
      expect(output, op.output, [ho, wo, input.shape[2]]);
      passThrough();
    } else if (op.op === 'reshape' || op.op === 'flatten') {
      const n = elementCount(input.shape);
      if (op.op === 'flatten') expect(output, op.output, [n]);
      else if (elementCount(output.shape) !== n) throw fail('bad_graph', `${at}: ${label(op.output)} [${output.shape}] does not hold the ${n} elements of [${input.shape}]`);
      passThrough();
    } else {
      const [from, to] = op.op === 'quantize' ? ['f32', 'int8'] : ['int8', 'f32'];
      if (input.dtype !== from || output.dtype !== to) throw fail('bad_graph', `${at} turns ${from} into ${to}, got ${input.dtype} -> ${output.dtype}`);
      expect(output, op.output, input.shape);
    }
    produced.add(op.output);
    used.add(op.input);
    used.add(op.output);
  });

  if (!produced.has(model.output) || model.output === model.input) throw fail('bad_graph', `the model output ${label(model.output)} is not written by any op`);
  tensors.forEach((_, i) => {
    if (!used.has(i)) throw fail('bad_graph', `${label(i)} is not used by any op`);
  });
}

function checkTensor(t: FormatTensor, label: string, constant: boolean, fail: (code: FormatErrorCode, what: string) => FormatError): void {
  if (!DTYPES.includes(t.dtype)) throw fail('unknown_code', `${label} has dtype '${String(t.dtype)}', not one of ${DTYPES.join(', ')}`);
  const s = t.shape;
  if (!Array.isArray(s) || s.length < 1 || s.length > MAX_RANK) throw fail('bad_tensor', `${label} has rank ${s?.length}, must be 1-${MAX_RANK}`);
  if (!s.every((d) => Number.isInteger(d) && d >= 1)) throw fail('bad_tensor', `${label} has shape [${s}]; every dim must be an integer >= 1`);
  if (elementCount(s) > MAX_ELEMENTS) throw fail('too_large', `${label} [${s}] has ${elementCount(s)} elements, more than the limit ${MAX_ELEMENTS}`);
  if (!constant && t.dtype === 'int32') throw fail('bad_tensor', `${label} is an int32 activation; only biases may be int32`);

  const q = t.quant;
  if (t.dtype !== 'int8') {
    if (q !== undefined) {
      throw fail('bad_quant', `${label} is ${t.dtype} and has quantization; only int8 tensors carry it (an int32 bias's scale is implied)`);
    }
    return;
  }
  if (q === undefined) throw fail('bad_quant', `${label} is int8 without scale and zero point`);
  if (!(q.scale instanceof Float32Array) || !(q.zeroPoint instanceof Int32Array)) throw fail('bad_quant', `${label}: scale must be a Float32Array, zeroPoint an Int32Array`);
  const count = q.axis === undefined ? 1 : s[q.axis];
  if (q.axis !== undefined && (!Number.isInteger(q.axis) || q.axis < 0 || q.axis >= s.length)) {
    throw fail('bad_quant', `${label} is quantized per channel on axis ${q.axis}, but has rank ${s.length}`);
  }
  if (!constant && q.axis !== undefined) throw fail('bad_quant', `${label} is an activation quantized per channel; activations are per tensor`);
  if (q.scale.length !== count || q.zeroPoint.length !== count) {
    throw fail('bad_quant', `${label} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points, needs ${count}`);
  }
  if (!q.scale.every((v) => Number.isFinite(v) && v > 0)) throw fail('bad_quant', `${label} has a scale that is not finite and > 0: [${Array.from(q.scale).slice(0, 8)}]`);
  if (!q.zeroPoint.every((z) => z >= -128 && z <= 127)) throw fail('bad_quant', `${label} has a zero point outside [-128, 127]`);
}

/** Checks constant values once decoded: int8 weights in [-127, 127] (TFLite), f32 values finite. */
export function validateData(model: FormatModel, check: Check): void {
  model.tensors.forEach((t, i) => {
    const d = t.data;
    if (d === undefined) return;
    const bad = d instanceof Int8Array ? d.indexOf(-128) : d instanceof Float32Array ? d.findIndex((v) => !Number.isFinite(v)) : -1;
    if (bad >= 0) {
      throw new FormatError('bad_data', `${check.name}: tensor ${i} has ${d[bad]} at element ${bad}; int8 weights must be in [-127, 127] and f32 values finite; ${check.fix}`);
    }
  });
}

/** Everything, for a model about to be written: structure, data present with the right type and length, values. */
export function validateModel(model: FormatModel, check: Check = WRITER): void {
  const constant = (i: number) => model.tensors[i]?.data !== undefined;
  validateStructure(model, check, constant);
  model.tensors.forEach((t, i) => {
    if (t.data === undefined) return;
    const type = t.dtype === 'f32' ? Float32Array : t.dtype === 'int8' ? Int8Array : Int32Array;
    if (!(t.data instanceof type) || t.data.length !== elementCount(t.shape)) {
      throw new FormatError('bad_data', `${check.name}: tensor ${i} data must be a ${type.name} of ${elementCount(t.shape)} elements; ${check.fix}`);
    }
  });
  validateData(model, check);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function sameQuant(a: Quantization | undefined, b: Quantization | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.axis === undefined && b.axis === undefined && a.scale[0] === b.scale[0] && a.zeroPoint[0] === b.zeroPoint[0];
}
