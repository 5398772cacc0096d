// Every rule a model must satisfy, on the in-memory model: the reader checks them before it decodes
// any constant data (validateStructure) and on the decoded values (validateData); the writer checks
// them all before writing (validateModel), so no file the reader would refuse is ever made.
// Each rule throws a FormatError saying what is wrong; the caller names the file and what to do.
import { explain, fail, type FormatErrorCode } from './errors.js';
import { ACTIVATIONS, DTYPES, MAX_ELEMENTS, MAX_RANK, OPS, PADDINGS } from './spec.js';
import { convOutputSize, elementCount } from './model.js';
import type { FormatModel, FormatTensor, Padding, Quantization } from './model.js';

/**
 * Tensors, quantization and the op chain, for a model whose fields have the right types (the
 * reader builds them so; validateModel checks them first). `isConstant(i)`: tensor i holds data.
 */
export function validateStructure(model: FormatModel, isConstant: (i: number) => boolean): void {
  const { tensors, ops, input: x, output: y } = model;
  const need = (ok: unknown, what: string, code: FormatErrorCode = 'bad_graph') => {
    if (!ok) throw fail(code, what);
  };
  const label = (i: number) => `tensor ${i}${tensors[i]?.name ? ` '${tensors[i].name}'` : ''}`;
  const ref = (i: number, what: string) => {
    need(i < tensors.length, `${what} is tensor ${i}, but there are ${tensors.length}`);
    return tensors[i];
  };

  tensors.forEach((t, i) => explain(() => checkTensor(t, isConstant(i)), label(i)));
  need(!isConstant(x), `the model input ${label(x)} holds constant data`);

  // by tensor index: written by an op (or the model input), and read or written by one
  const written: boolean[] = [], used: boolean[] = [];
  written[x] = used[x] = true;
  ops.forEach((op, k) => explain(() => {
    const input = ref(op.input, 'its input'), output = ref(op.output, 'its output'), s = input.shape, n = elementCount(s);
    need(written[op.input], `it reads ${label(op.input)} before any op writes it`);
    need(!written[op.output] && !isConstant(op.output), `it writes ${label(op.output)}: the model input, a constant or written before`);
    need(!/conv|pool/.test(op.op) || s.length === 3, `${label(op.input)} [${s}] is not [height, width, channels]`);
    const mustBe = (i: number, shape: number[]) => need(tensors[i].shape.join() === shape.join(), `${label(i)} has shape [${tensors[i].shape}], must be [${shape}]`);
    // output [height, width, c] of a window sliding over the input [h, w, ...]
    const slide = (kh: number, kw: number, strides: number[], padding: Padding, c: number) => {
      const hw = [convOutputSize(s[0], kh, strides[0], padding), convOutputSize(s[1], kw, strides[1], padding)];
      need([kh, kw, ...strides, ...hw].every((v) => v >= 1), `a ${kh}x${kw} window with strides [${strides}] does not fit [${s}] with '${padding}' padding`);
      return [...hw, c];
    };
    const constant = (i: number, what: string) => {
      const t = ref(i, `its ${what}`);
      need(isConstant(i), `its ${what} ${label(i)} has no data`);
      used[i] = true;
      return t;
    };

    if (op.op === 'conv2d' || op.op === 'dense') {
      // the kernel [kh, kw, cin, cout] or [cin, cout] and bias [cout], in one of the three precisions
      const conv = op.op === 'conv2d', axis = conv ? 3 : 1, kernel = constant(op.kernel, 'kernel'), ks = kernel.shape, cin = s.at(-1), cout = ks[axis];
      need(ks.length === axis + 1 && ks[axis - 1] === cin, `the kernel ${label(op.kernel)} has shape [${ks}], must be [${conv ? 'kh, kw, ' : ''}${cin}, out]`);
      const bias = op.bias === undefined ? 'none' : constant(op.bias, 'bias').dtype;
      if (op.bias !== undefined) mustBe(op.bias, [cout]);
      const types = `${input.dtype} ${kernel.dtype} ${bias} ${output.dtype}`;
      need(/^(int8 int8 (int32|none) int8|f32 (f32|int8) (f32|none) f32)$/.test(types), `input, kernel, bias, output are ${types}: not f32, int8 or dynamic range`);
      const q = kernel.quant;
      need(!q || (q.zeroPoint.every((z) => !z) && (q.axis ?? axis) === axis), `kernel zero points must be 0, per tensor or per channel on axis ${axis}`, 'bad_quant');
      mustBe(op.output, conv ? slide(ks[0], ks[1], op.strides, op.padding, cout) : [...s.slice(0, -1), cout]);
    } else if (op.op === 'quantize' || op.op === 'dequantize') {
      const turn = op.op === 'quantize' ? 'f32 -> int8' : 'int8 -> f32';
      need(`${input.dtype} -> ${output.dtype}` === turn, `it turns ${turn}, got ${input.dtype} -> ${output.dtype}`);
      mustBe(op.output, s);
    } else {
      need(output.dtype === input.dtype && sameQuant(input.quant, output.quant), `${label(op.output)} must keep the dtype and quantization of ${label(op.input)}`);
      if (op.op === 'reshape') need(elementCount(output.shape) === n, `${label(op.output)} [${output.shape}] does not hold the ${n} elements of [${s}]`);
      else mustBe(op.output, op.op === 'flatten' ? [n] : slide(...op.pool, op.strides, op.padding, s[2]));
    }
    written[op.output] = used[op.output] = true;
  }, `op ${k} (${op.op})`));

  need(written[y] && y !== x, `the model output ${label(y)} is not written by any op`);
  tensors.forEach((_, i) => need(used[i], `${label(i)} is not used by any op`));
}

function checkTensor({ shape: s, dtype, quant: q }: FormatTensor, constant: boolean): void {
  const count = q?.axis === undefined ? 1 : s[q.axis];
  if (!(s.length >= 1 && s.length <= MAX_RANK && s.every((d) => d >= 1))) throw fail('bad_tensor', `its shape [${s}] needs 1-${MAX_RANK} dims, each >= 1`);
  if (elementCount(s) > MAX_ELEMENTS) throw fail('too_large', `${elementCount(s)} elements, over the limit ${MAX_ELEMENTS}`);
  if (dtype === 'int32' && !constant) throw fail('bad_tensor', 'an int32 activation (only biases are int32)');
  if (!q !== (dtype !== 'int8')) throw fail('bad_quant', `${dtype} ${q ? 'with' : 'without'} quantization (only int8 tensors have it)`);
  if (q && !(q.scale.length === count && q.zeroPoint.length === count && (q.axis === undefined || (constant && q.axis < s.length)))) {
    throw fail('bad_quant', `${q.scale.length} scales, ${q.zeroPoint.length} zero points, axis ${q.axis}: need one per tensor, or per index of a weight's axis`);
  }
  if (q && !(q.scale.every((v) => v > 0 && v < Infinity) && q.zeroPoint.every((z) => z >= -128 && z <= 127))) throw fail('bad_quant', 'a scale is not finite and > 0 or a zero point not in [-128, 127]');
}

/** Constant values once decoded: int8 weights in [-127, 127] (TFLite), f32 values finite. */
export function validateData({ tensors }: FormatModel): void {
  tensors.forEach(({ data: d }, i) => {
    const bad = d instanceof Int8Array ? d.indexOf(-128) : d instanceof Float32Array ? d.findIndex((v) => !isFinite(v)) : -1;
    if (bad >= 0) throw fail('bad_data', `tensor ${i} has ${d![bad]} at element ${bad} (int8 weights are in [-127, 127], f32 finite)`);
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
