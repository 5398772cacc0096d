// What prepare adds to the reader's fuzz (test/format/fuzz.test.ts): files the reader accepts must
// load and run, or give a typed error (TopiaryError: FormatError, RuntimeError, or a packer's
// ShapeError/ConfigError), never a crash, a trap or a hang. Two seeded sources of such files:
// byte faults with the header's CRC repaired (most die in the reader, the rest reach prepare), and
// value faults that keep the model's structure (extreme scales, zero points, weights, biases), which
// all reach prepare: requantization multipliers, packers and the sparse kernels' all-zero channels.
// Every file also goes through topiary/runtime/int8 and topiary/runtime/f32, which must each end as the
// full runtime did (the same logits when both ran) or refuse a model with RuntimeError 'wrong_entry'.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { TopiaryError } from '../../src/errors.js';
import { crc32 } from '../../src/format/bytes.js';
import type { FormatModel } from '../../src/format/model.js';
import { opPrecision } from '../../src/format/model.js';
import { readModel } from '../../src/format/read.js';
import { HEADER } from '../../src/format/spec.js';
import { writeModel } from '../../src/format/write.js';
import { loadModel, type LoadModel } from '../../src/runtime/index.js';
import { loadModel as loadF32 } from '../../src/runtime/f32.js';
import { loadModel as loadInt8 } from '../../src/runtime/int8.js';
import { smallModel } from '../format/models.js';

const MODELS: [string, () => FormatModel][] = [
  ['small int8 50%', () => smallModel('int8', 0.5, 1)],
  ['small f32 80%', () => smallModel('f32', 0.8, 2)],
  ['small dynamic 0%', () => smallModel('dynamic', 0, 3)],
  ['small int8 95%', () => smallModel('int8', 0.95, 4)],
];

function repaired(file: Uint8Array): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  view.setUint32(HEADER.bodyLength, file.length - HEADER.size, true);
  view.setUint32(HEADER.crc32, crc32(file, HEADER.size), true);
  return file;
}

/** Loads and runs `bytes` with `load`: 'ran' and the logits, or the typed error's code; anything else fails the test. */
function run(load: LoadModel, bytes: Uint8Array, what: string): [string, Float32Array?] {
  const start = performance.now();
  let outcome = 'ran', y: Float32Array | undefined;
  try {
    const interp = load(bytes, { warmup: 1, maxBatch: 4, sparse: (['auto', 'never', 'always'] as const)[bytes.length % 3] });
    const x = new Float32Array(3 * interp.inputSize).map((_, i) => ((i * 37) % 101) / 100);
    y = interp.run(x, 3).slice();
    if (y.length !== 3 * interp.outputSize) throw new Error(`output has ${y.length} values`);
    if (interp.predict(x, 3).some((c) => c < 0 || c >= interp.outputSize)) throw new Error('a class out of range');
  } catch (e) {
    if (!(e instanceof TopiaryError)) throw new Error(`${what}: ${String(e)}`, { cause: e });
    outcome = `${e.name}/${e.code}`;
  }
  const ms = performance.now() - start;
  if (ms > 2000) throw new Error(`${what}: took ${ms.toFixed(0)} ms`); // a hang detector, not a benchmark
  return [outcome, y];
}

/** The families (int8, f32: f32 and dynamic) of a model's ops; undefined when the reader refuses the bytes. */
function families(bytes: Uint8Array): Set<string> | undefined {
  try {
    const model = readModel(bytes);
    return new Set(model.ops.map((op) => (opPrecision(model, op) === 'int8' ? 'int8' : 'f32')));
  } catch {
    return undefined;
  }
}

/**
 * The full runtime's outcome for `bytes`, after checking topiary/runtime/int8 and /f32 against it: an
 * entry refuses (wrong_entry) exactly the models with an op of the other family, else ends the same way.
 */
function attempt(bytes: Uint8Array, what: string): string {
  const [outcome, y] = run(loadModel, bytes, what), has = families(bytes);
  for (const [entry, load] of [['int8', loadInt8], ['f32', loadF32]] as const) {
    const [mine, ym] = run(load, bytes, `${what} (${entry} entry)`);
    const foreign = has !== undefined && [...has].some((f) => f !== entry);
    const want = foreign && outcome === 'ran' ? 'RuntimeError/wrong_entry' : outcome;
    if (mine !== want && !(foreign && mine === 'RuntimeError/wrong_entry')) throw new Error(`${what}: ${outcome} with topiary/runtime, ${mine} with topiary/runtime/${entry}`);
    if (y && ym && !y.every((v, i) => Object.is(v, ym[i]))) throw new Error(`${what}: the logits of topiary/runtime/${entry} differ`);
  }
  return outcome;
}

function tally(outcomes: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const o of outcomes) t[o] = (t[o] ?? 0) + 1;
  return t;
}

/** One value fault that keeps every shape: the reader accepts the model, prepare must cope. */
function valueFault(rng: Rng, model: FormatModel): string {
  const quantized = model.tensors.filter((t) => t.quant), constants = model.tensors.filter((t) => t.data);
  const pick = <T>(a: T[]): T => a[rng.int(a.length)];
  switch (rng.int(quantized.length ? 5 : 2)) {
    case 0: { // weights: zero a channel, zero everything, or extremes
      const t = pick(constants), d = t.data!, cout = t.shape[t.shape.length - 1], c = rng.int(cout), mode = rng.int(3);
      const extreme = t.dtype === 'int8' ? [127, -127, 0] : t.dtype === 'int32' ? [2 ** 31 - 1, -(2 ** 31 - 1), 0] : [3e38, -3e38, 1e-45, 0];
      for (let i = 0; i < d.length; i++) {
        if (mode === 0 && i % cout === c) d[i] = 0;
        else if (mode === 1) d[i] = 0;
        else if (mode === 2 && rng.next() < 0.3) d[i] = pick(extreme);
      }
      return `data of '${t.name}' (mode ${mode})`;
    }
    case 1: { // f32 weights: huge values overflow to infinities in the forward, which must still run
      const t = pick(constants);
      if (t.dtype !== 'f32') return 'nothing';
      t.data![rng.int(t.data!.length)] = rng.next() < 0.5 ? 1e38 : -1e38;
      return `one huge f32 in '${t.name}'`;
    }
    default: { // scales from tiny to huge, zero points anywhere in int8
      const t = pick(quantized), q = t.quant!, c = rng.int(q.scale.length);
      if (rng.next() < 0.7) q.scale[c] = Math.fround(2 ** (rng.next() * 240 - 120));
      else if (!q.axis && t.data === undefined) q.zeroPoint[c] = rng.int(256) - 128;
      return `quant of '${t.name}'`;
    }
  }
}

describe('loadModel on faulty files: typed errors or models that run', () => {
  it('byte faults with a repaired CRC', () => {
    const rng = new Rng(20261201);
    const outcomes: string[] = [];
    for (const [label, build] of MODELS) {
      const file = writeModel(build());
      for (let i = 0; i < 450; i++) {
        const b = file.slice();
        for (let f = 1 + rng.int(2); f > 0; f--) b[HEADER.size + rng.int(b.length - HEADER.size)] ^= 1 + rng.int(255);
        outcomes.push(attempt(repaired(b), `${label} fault ${i}`));
      }
      for (let n = 0; n < file.length; n += 1 + rng.int(40)) outcomes.push(attempt(file.subarray(0, n), `${label} cut at ${n}`));
    }
    const t = tally(outcomes);
    console.log('byte faults:', JSON.stringify(t));
    expect(t.ran).toBeGreaterThan(20); // some faults stay valid (a weight's value, a name) and reach prepare
  });

  it('value faults that keep the structure', () => {
    const rng = new Rng(7);
    const outcomes: string[] = [];
    for (const [label, build] of MODELS) {
      for (let i = 0; i < 200; i++) {
        const model = build();
        const what = [valueFault(rng, model), valueFault(rng, model)].join(', ');
        let bytes: Uint8Array;
        try {
          bytes = writeModel(model);
        } catch (e) {
          if (!(e instanceof TopiaryError)) throw e;
          outcomes.push('not written');
          continue;
        }
        outcomes.push(attempt(bytes, `${label}: ${what}`));
      }
    }
    const t = tally(outcomes);
    console.log('value faults:', JSON.stringify(t));
    expect(t.ran).toBeGreaterThan(400);
    // multipliers >= 2^30 (a huge input scale over a tiny output scale) are refused in prepare
    expect(t['RuntimeError/bad_quant']).toBeGreaterThan(10);
  });
});
