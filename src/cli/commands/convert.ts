// topiary convert: a checkpoint -> the compact binary model the runtime loads.
import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../../atomic_write.js';
import { slice, type Dataset } from '../../data/dataset.js';
import { ConfigError } from '../../errors.js';
import { ConvertError, convertToBytes, formatConvertReport } from '../../convert/index.js';
import { loadCheckpointFile } from '../checkpoints.js';
import { defineCommand } from '../command.js';
import { dataFlag, modelArg } from '../common_flags.js';
import { count, loadSplit } from '../data.js';
import { checkOutPath, writing } from '../output.js';

/** Training images that calibrate --quantize int8 of a float checkpoint (TFLite's guide: a few hundred). */
export const CALIBRATION_SAMPLES = 500;

export const convert = defineCommand({
  name: 'convert',
  summary: 'convert a checkpoint into a compact model file for the WASM runtime',
  flags: {
    model: { ...modelArg, description: 'the checkpoint to convert: float or pruned (topiary train, prune) or QAT (topiary quantize)' },
    out: { type: 'string', required: true, placeholder: 'FILE', description: 'where to write the model file (.tpy)' },
    quantize: {
      type: 'choice',
      choices: ['none', 'dynamic', 'int8'],
      defaultText: 'int8 for a QAT checkpoint, none otherwise',
      description: 'none: f32; dynamic: int8 kernels of 1,024+ weights, f32 activations; int8: int8 weights and activations, ranges from QAT or calibration',
    },
    sparse: {
      type: 'choice',
      choices: ['auto', 'never'],
      default: 'auto',
      description: 'auto: store each weight tensor in its smallest encoding (bitmask, CSR, entropy-coded); never: always dense',
    },
    names: { type: 'boolean', description: "store tensor names (conv2d/kernel, ...) in the file, for topiary inspect; costs their bytes" },
    data: { ...dataFlag, defaultText: 'the mnist package', description: 'IDX folder whose training images calibrate --quantize int8 of a float checkpoint' },
    calibrationSamples: {
      type: 'number',
      integer: true,
      min: 1,
      placeholder: 'N',
      defaultText: String(CALIBRATION_SAMPLES),
      description: 'first training images whose activation ranges (global min/max) set the int8 scales of a float checkpoint',
    },
  },
  details: [
    'Example: topiary convert pruned-qat.ckpt --out model.tpy',
    'Example: topiary convert baseline.ckpt --quantize int8 --out ptq.tpy',
  ],
  check(flags) {
    if (flags.quantize !== undefined && flags.quantize !== 'int8' && (flags.data !== undefined || flags.calibrationSamples !== undefined)) {
      throw new ConfigError('FLAG_CONFLICT', `topiary convert: --data and --calibration-samples calibrate --quantize int8; with --quantize ${flags.quantize} leave them out`);
    }
  },
  run(flags, io) {
    checkOutPath(flags.out);
    const loaded = loadCheckpointFile(flags.model);
    if (loaded.kind === 'qat' && flags.quantize !== undefined && flags.quantize !== 'int8') {
      throw new ConfigError('FLAG_CONFLICT', `topiary convert: ${flags.model} is a QAT checkpoint, int8 already; for --quantize ${flags.quantize} convert the float checkpoint it was quantized from`);
    }
    const quantize = flags.quantize ?? (loaded.kind === 'qat' ? 'int8' : 'none');
    const calibrate = loaded.kind === 'float' && quantize === 'int8';
    if (!calibrate && (flags.data !== undefined || flags.calibrationSamples !== undefined)) {
      throw new ConfigError('FLAG_CONFLICT', `topiary convert: ${flags.model} is a QAT checkpoint with its own ranges; --data and --calibration-samples only calibrate a float checkpoint`);
    }
    let representativeData: Dataset | undefined;
    if (calibrate) {
      const train = loadSplit('train', flags.data);
      const n = Math.min(flags.calibrationSamples ?? CALIBRATION_SAMPLES, train.count);
      representativeData = slice(train, 0, n);
      io.stdout(`calibrating int8 ranges on the first ${count(n)} training images\n`);
    }
    const { bytes, report } = converted(() => convertToBytes(loaded.model, { quantize, sparse: flags.sparse, names: flags.names, representativeData }));
    writing(flags.out, () => writeFileAtomic(flags.out, bytes));
    io.stdout(`${formatConvertReport(report)}\n`);
    io.stdout(`wrote ${flags.out}: ${count(bytes.length)} bytes, ${count(gzipSync(bytes, { level: 9 }).length)} gzipped\n`);
  },
});

/** The converter's errors start with 'convert:'; the CLI already names the command. */
function converted<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof ConvertError && e.message.startsWith('convert: ')) throw new ConvertError(e.code, e.message.slice('convert: '.length));
    throw e;
  }
}
