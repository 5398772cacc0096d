// Trained models -> the in-memory FormatModel -> bytes. Three inputs:
//   a float Sequential         quantize 'none' (f32), 'dynamic' (int8 kernels, f32 activations) or
//                              'int8' (calibrated on representativeData: global min/max, quantizeInt8)
//   a QAT model (quantizeModel) int8, from the ranges it trained with (toQuantizedModel)
//   a QuantizedModel           int8, every integer as it is
// ReLU layers fuse into the Conv2D/Dense before them (plan.ts). The result is validated as the writer
// validates, so a returned model always writes. No fs here: convert_file.ts writes files.
import { validateModel } from '../format/validate.js';
import { writeModelWithReport, type SizeReport, type TensorSize } from '../format/write.js';
import type { FormatModel } from '../format/model.js';
import { Sequential } from '../model/sequential.js';
import { isPruningWrapped, stripPruning } from '../prune/wrap.js';
import { QatModel, toQuantizedModel } from '../quant/qat.js';
import { quantizeInt8 } from '../quant/ptq_model.js';
import type { QuantizedModel } from '../quant/quantized_model.js';
import { ConvertError } from './errors.js';
import { checkFinite, fromFloat, type Graph } from './from_float.js';
import { fromQuantized } from './from_quantized.js';
import { resolveOptions, type ConvertOptions, type InputKind, type QuantizeMode, type SparseMode } from './options.js';
import { fusedModel, planLayers } from './plan.js';

export type ConvertInput = Sequential | QuantizedModel;

/** One tensor's bytes in the file, with its label even when names are not stored. */
export interface TensorReport extends TensorSize {
  /** e.g. 'dense/kernel', 'conv2d' (an activation is labelled by the layer that writes it). */
  label: string;
}

export interface ConvertReport extends Omit<SizeReport, 'tensors'> {
  tensors: TensorReport[];
  quantize: QuantizeMode;
  sparse: SparseMode;
  /** What the converter decided: ReLUs fused, kernels kept f32 by the dynamic-range rule, weights stripped of pruning wrappers. */
  notes: string[];
}

/** The model in the format's terms (write it with writeModel, or use convertToBytes). */
export function convert(model: ConvertInput, options: ConvertOptions = {}): FormatModel {
  return build(model, options).model;
}

/** The model file's bytes and where they went: bytes per tensor, encoding chosen, every candidate's size. */
export function convertToBytes(model: ConvertInput, options: ConvertOptions = {}): { bytes: Uint8Array; report: ConvertReport; model: FormatModel } {
  const c = build(model, options);
  const { bytes, report } = writeModelWithReport(c.model, { encodings: c.sparse === 'never' ? ['dense'] : undefined });
  const tensors = report.tensors.map((t) => ({ ...t, label: c.labels[t.index] }));
  return { bytes, model: c.model, report: { ...report, tensors, quantize: c.quantize, sparse: c.sparse, notes: c.notes } };
}

interface Built {
  model: FormatModel;
  labels: string[];
  notes: string[];
  quantize: QuantizeMode;
  sparse: SparseMode;
}

function build(input: ConvertInput, options: ConvertOptions): Built {
  const kind = kindOf(input);
  const o = resolveOptions(options, kind);
  let graph: Graph;
  if (kind === 'quantized') {
    graph = fromQuantized(input as QuantizedModel);
  } else if (kind === 'qat') {
    const qat = input as QatModel;
    graph = fromQuantized(toQuantizedModel(qat), qat.layers.filter((l) => l.config.type !== 'fake_quant' && l.config.type !== 'relu').map((l) => l.name));
  } else {
    const notes: string[] = [];
    let model = input as Sequential;
    if (isPruningWrapped(model)) {
      model = stripPruning(model);
      notes.push('pruning wrapper stripped: the masks are applied to the kernels');
    }
    const plan = planLayers(model.layers);
    notes.push(...plan.notes);
    checkFinite(model);
    if (o.quantize === 'int8') {
      const q = quantizeInt8(fusedModel(model, plan), o.representativeData!, { denseWeights: o.denseWeights, batchSize: o.calibrationBatchSize });
      graph = fromQuantized(q, plan.steps.map((s) => s.layer.name));
      notes.push(`activation ranges: global min/max over ${sampleCount(o.representativeData!, model.inputSize)} representative samples`);
    } else {
      graph = fromFloat(model, plan, o.quantize === 'dynamic' ? { minElements: o.minElements, denseWeights: o.denseWeights } : undefined);
    }
    graph.notes.unshift(...notes);
  }
  const model = graph.graph.finish(graph.input, graph.output, o.names);
  validateModel(model); // a converter bug, never bad input: the checks above come first
  return { model, labels: graph.graph.labels, notes: graph.notes, quantize: o.quantize, sparse: o.sparse };
}

function kindOf(model: unknown): InputKind {
  if (model instanceof QatModel) return 'qat';
  if (model instanceof Sequential) return 'float';
  if ((model as QuantizedModel)?.format === 'topiary-int8') return 'quantized';
  throw new ConvertError('bad_model', 'convert: the model must be a Sequential (float, pruned, or the QAT model quantizeModel() returned) or a QuantizedModel (toQuantizedModel, quantizeInt8)');
}

function sampleCount(data: { images: Float32Array } | Float32Array, inputSize: number): number {
  return (data instanceof Float32Array ? data.length : data.images.length) / inputSize;
}
