// The model format's public API. The runtime imports read.ts directly (it must not pull in fs).
export type {
  Activation, Conv2DOp, DenseOp, DequantizeOp, DType, FlattenOp, FormatModel, FormatOp, FormatTensor, MaxPool2DOp,
  OpName, Padding, Precision, QuantizeOp, Quantization, ReshapeOp, TensorData,
} from './model.js';
export { convOutputSize, elementCount, opPrecision, opWeights, samePadding } from './model.js';
export { FormatError, type FormatErrorCode } from './errors.js';
export { readModel, type ReadOptions } from './read.js';
export { writeModel, writeModelWithReport, type SizeReport, type TensorSize, type WriteOptions } from './write.js';
export { readModelFile, writeModelFile } from './model_file.js';
export { encodeData, encodeSmallest, type EncodedData, type EncodingName } from './encode.js';
export { validateModel } from './validate.js';
export * as spec from './spec.js';
