// topiary's public API, in pipeline order: data -> engine/model -> prune / quant -> convert -> format
// -> runtime. The runtime alone (zero dependencies, Node and browsers) is also `topiary/runtime`.

// data
export { loadMnist, type MnistSplit } from './data/mnist.js';
export { loadIdxDataset, loadIdxDir, loadIdxSplit } from './data/idx.js';
export { slice, splitValidation, take, type Dataset } from './data/dataset.js';
export { randomShift, type Augment } from './data/augment.js';
export { Rng } from './data/rng.js';
export { ConfigError, DataError, ShapeError, TopiaryError } from './errors.js';

// engine and model
export { Adam, ADAM_DEFAULTS, type AdamConfig } from './engine/adam.js';
export { referenceBackend, type EngineBackend } from './engine/backend.js';
export { defaultEngineBackend } from './engine/backend_default.js';
export { createWasmBackend } from './engine/wasm_backend.js';
export { conv2d, dense, flatten, maxPool2d, relu, reshape, Layer, type LayerConfig } from './model/layers.js';
export { cloneModel, Sequential, sequential, type SequentialOptions } from './model/sequential.js';
export { fit, TRAIN_DEFAULTS, type History, type TrainConfig } from './model/train.js';
export type { Callback, EpochLogs, BatchLogs, TrainContext } from './model/callbacks.js';
export { loadCheckpoint, saveCheckpoint, CheckpointError } from './model/checkpoint.js';
export { mnistCnn } from './model/mnist_cnn.js';

// pruning
export {
  constantSparsity, polynomialDecay, pruneLowMagnitude, updatePruningStep, stripPruning, pruningSummary,
  sparsityReport, formatSparsityReport, type PruningSchedule, type PruneLowMagnitudeOptions,
} from './prune/index.js';

// quantization
export { quantizeModel, toQuantizedModel, qatState, restoreQatState, QatModel, type QuantizeModelOptions } from './quant/qat.js';
export { quantizeDynamic, quantizeInt8 } from './quant/ptq_model.js';
export { integerForward, type QuantizedModel } from './quant/quantized_model.js';

// recipes (the seed run)
export { PLAIN_BASELINE, SEED_BASELINE, trainBaseline, type BaselineRecipe } from './recipes/baseline.js';
export { SEED_PRUNING, pruningRecipe, trainPruned, type PruneRecipe } from './recipes/pruned.js';
export { SEED_QAT, trainQat, type QatRecipe } from './recipes/qat.js';

// conversion, format, runtime
export { convert, convertToBytes, formatConvertReport, ConvertError, type ConvertOptions } from './convert/index.js';
export { convertToFile } from './convert/convert_file.js';
export { readModel, readModelFile, writeModel, writeModelFile, FormatError } from './format/index.js';
export { loadModel, loadScalar, Interpreter, RuntimeError, hasSimd } from './runtime/index.js';
export { createPool, Pool, type PoolOptions } from './runtime/pool.js';
