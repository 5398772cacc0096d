// topiary predict: run a model file in the WASM runtime on the test split or on IDX files.
import { sampleSize } from '../../data/dataset.js';
import { ConfigError, DataError, ShapeError } from '../../errors.js';
import { loadModel } from '../../runtime/index.js';
import { defineCommand } from '../command.js';
import { dataFlag, modelArg } from '../common_flags.js';
import { count, loadTestData, percent } from '../data.js';
import { readModelBytes } from '../inspect_model.js';

export const predict = defineCommand({
  name: 'predict',
  summary: 'classify the test split (or IDX files) with a model file and report accuracy',
  flags: {
    model: { ...modelArg, description: 'the model file to run, from topiary convert' },
    data: { ...dataFlag, description: 'classify the t10k-* test files in DIR instead of the mnist package test split' },
    images: { type: 'string', placeholder: 'FILE', description: 'classify this idx3-ubyte[.gz] image file instead (with --labels)' },
    labels: { type: 'string', placeholder: 'FILE', description: 'the idx1-ubyte[.gz] labels of --images, for the accuracy' },
    batchSize: { type: 'number', integer: true, min: 1, default: 32, placeholder: 'N', description: 'samples per runtime call' },
    scalar: { type: 'boolean', description: 'use the scalar WASM build instead of SIMD (to compare them)' },
    json: { type: 'boolean', description: 'print the accuracy, the per-class counts and every prediction as JSON' },
  },
  details: ['Example: topiary predict model.tpy --data /usr/share/datasets/fashion-mnist'],
  check(flags) {
    if (flags.data !== undefined && flags.images !== undefined) {
      throw new ConfigError('FLAG_CONFLICT', 'topiary predict: give either --data DIR or --images FILE, not both');
    }
    if ((flags.images === undefined) !== (flags.labels === undefined)) {
      const missing = flags.images === undefined ? '--images' : '--labels';
      throw new ConfigError('FLAG_CONFLICT', `topiary predict: --images and --labels go together; add ${missing} FILE`);
    }
  },
  run(flags, io) {
    const bytes = readModelBytes(flags.model);
    const model = loadModel(bytes, { name: flags.model, simd: flags.scalar ? false : undefined, maxBatch: flags.batchSize });
    const { data, source } = loadTestData(flags);
    if (data.count === 0) throw new DataError('NO_SAMPLES', `${source} holds no samples; pass IDX files with at least one image`);
    if (sampleSize(data) !== model.inputSize) {
      throw new ShapeError('INPUT_SIZE', `${flags.model} takes ${model.inputSize} values per sample ([${model.inputShape.join(', ')}]), the images of ${source} have ${sampleSize(data)} (${data.height}x${data.width}); use images of the size the model was trained on`);
    }
    const classes = model.outputSize;
    const t0 = performance.now();
    const predictions = model.predict(data.images, data.count);
    const ms = performance.now() - t0;
    const perClass = Array.from({ length: classes }, (_, c) => ({ class: c, samples: 0, correct: 0 }));
    let correct = 0;
    for (let i = 0; i < data.count; i++) {
      const label = data.labels[i];
      const row = perClass[label];
      if (!row) throw new ShapeError('LABEL_RANGE', `${source}: label ${label} at sample ${i} is not one of the model's ${classes} classes`);
      row.samples++;
      if (predictions[i] === label) {
        row.correct++;
        correct++;
      }
    }
    const accuracy = correct / data.count;
    if (flags.json) {
      io.stdout(`${JSON.stringify({ model: flags.model, source, samples: data.count, correct, accuracy, isa: model.isa, ms, perClass, predictions: Array.from(predictions) })}\n`);
      return;
    }
    io.stdout(`${flags.model} on ${count(data.count)} samples of ${source} (${model.isa} kernels: ${model.kernels.join(', ')})\n`);
    io.stdout(`${'class'.padStart(5)}  ${'samples'.padStart(7)}  ${'correct'.padStart(7)}  ${'accuracy'.padStart(8)}\n`);
    for (const r of perClass) {
      io.stdout(`${String(r.class).padStart(5)}  ${count(r.samples).padStart(7)}  ${count(r.correct).padStart(7)}  ${(r.samples ? percent(r.correct / r.samples) : '-').padStart(8)}\n`);
    }
    io.stdout(`accuracy ${percent(accuracy)} (${count(correct)} of ${count(data.count)}) in ${ms.toFixed(1)} ms, one thread\n`);
  },
});
