// Builds a FormatModel op by op. Every tensor gets a label (e.g. 'dense/kernel') for the size report;
// labels become the stored names only when the caller asks (a name costs its bytes in the file).
import type { DType, FormatModel, FormatOp, FormatTensor, Quantization, TensorData } from '../format/model.js';
import type { QuantParams } from '../quant/scheme.js';

export class GraphBuilder {
  readonly tensors: FormatTensor[] = [];
  readonly labels: string[] = [];
  readonly ops: FormatOp[] = [];

  /** An activation: written by one op, read by the next. */
  activation(label: string, dtype: DType, shape: readonly number[], quant?: Quantization): number {
    return this.add(label, { name: '', dtype, shape: [...shape], ...(quant && { quant }) });
  }

  /** A weight or bias: constant data. */
  constant(label: string, dtype: DType, shape: readonly number[], data: TensorData, quant?: Quantization): number {
    return this.add(label, { name: '', dtype, shape: [...shape], data, ...(quant && { quant }) });
  }

  op(op: FormatOp): number {
    this.ops.push(op);
    return op.output;
  }

  finish(input: number, output: number, names: boolean): FormatModel {
    const tensors = names ? this.tensors.map((t, i) => ({ ...t, name: this.labels[i] })) : this.tensors;
    return { tensors, ops: this.ops, input, output };
  }

  private add(label: string, t: FormatTensor): number {
    this.labels.push(label);
    return this.tensors.push(t) - 1;
  }
}

/** An activation's per-tensor parameters, as stored: a float32 scale and an int8 zero point. */
export function perTensor(p: QuantParams): Quantization {
  return { scale: Float32Array.of(p.scale), zeroPoint: Int32Array.of(p.zeroPoint) };
}

/** Symmetric weight scales (zero points 0): per channel on `axis`, or per tensor (axis undefined, one scale). */
export function weightQuant(scales: Float32Array, axis: number | undefined): Quantization {
  return { scale: scales.slice(), zeroPoint: new Int32Array(scales.length), ...(axis !== undefined && { axis }) };
}
