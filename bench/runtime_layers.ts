// Where a model's time goes, per step (kernel), at batch 1 and at batch 32: each step of a model file
// prepared as the interpreter prepares it (resolve, one buffer per tensor), then timed alone, its input
// the real activations of test digits, rounds interleaved over steps and files (medians of rounds, so a
// busy machine slows every row alike). Batch 1 loops over the first 256 test digits.
// Run: `npx tsc -p tsconfig.build.json && node dist/bench/runtime_layers.js [file.tpy ...] [--sparse never|always|auto]`
// (default: bench/results/models/baseline-lite.tpy and pruned-lite.tpy).
import { readFileSync } from 'node:fs';
import { loadMnist } from '../src/data/mnist.js';
import { tensorBytes, type FormatModel } from '../src/format/model.js';
import { readModel } from '../src/format/read.js';
import { Arena, align16 } from '../src/runtime/arena.js';
import { resolve, type KernelExports, type Step } from '../src/runtime/resolver.js';
import { F32_ROWS } from '../src/runtime/resolver_f32.js';
import { QS8_ROWS } from '../src/runtime/resolver_qs8.js';
import { FULL_BUILD } from '../src/runtime/wasm_full.js';
import { medianOf } from './measure.js';

const ROUNDS = 15;
const B1_SAMPLES = 256;

interface Timed {
  label: string;
  kernels: string[];
  /** Per step: runs it over `batch`-sample slices of the inputs `calls` times. */
  steps: ((batch: number, calls: number) => void)[];
}

/** Prepares `model` like the interpreter (fused pools, batch-minor links) on its own arena, every buffer its own, sized for 32 samples; fills the input with `images`. */
function prepare(label: string, model: FormatModel, images: Float32Array, sparse: string): Timed {
  const mod = FULL_BUILD.instantiate(true), arena = new Arena(mod.exports.memory, mod.exports.alloc(0));
  const { ops, tensors } = model, root = tensors.map((_, i) => i), minor: boolean[] = [];
  const planned: { step: Step; x: number; y: number; kernel: string }[] = [];
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    if (op.op === 'reshape' || op.op === 'flatten') { root[op.output] = root[op.input]; continue; }
    const r = resolve(model, k, sparse, { f32: F32_ROWS, int8: QS8_ROWS }, mod.exports as unknown as KernelExports, arena, minor[root[op.input]]);
    minor[root[ops[r.last].output]] = r.minor;
    planned.push({ step: r.step, x: root[op.input], y: root[ops[r.last].output], kernel: r.kernel });
    k = r.last;
  }
  // every buffer its own bytes, for B1_SAMPLES samples (the batch-1 loop walks them), so no step clobbers another's input
  const at = new Map<number, number>();
  const place = (bytes: number) => {
    const o = arena.top;
    arena.ensure((arena.top = align16(o + bytes)));
    return o;
  };
  for (const p of planned) for (const t of [p.x, p.y]) if (!at.has(t)) at.set(t, place(tensorBytes(tensors[t]) * B1_SAMPLES));
  const scratch = planned.map((p) => place(p.step.scratch?.(32) ?? 0));
  const inBytes = tensorBytes(tensors[model.input]);
  arena.f32.set(images.subarray(0, (B1_SAMPLES * inBytes) / 4), at.get(root[model.input])! >> 2);
  // real activations in every buffer: run the whole model over the samples once (batches of 32)
  for (let s = 0; s < B1_SAMPLES; s += 32) {
    planned.forEach((p, i) => p.step.call(at.get(p.x)! + s * tensorBytes(tensors[p.x]), at.get(p.y)! + s * tensorBytes(tensors[p.y]), scratch[i], 32));
  }
  return {
    label,
    kernels: planned.map((p) => p.kernel),
    steps: planned.map((p, i) => (batch, calls) => {
      const xb = tensorBytes(tensors[p.x]) * batch, yb = tensorBytes(tensors[p.y]) * batch, s = scratch[i], x = at.get(p.x)!, y = at.get(p.y)!;
      // a batch-minor buffer holds whole blocks of 32: batches of fewer read and write its first block only
      const xStep = minor[p.x] ? 0 : xb, yStep = minor[p.y] ? 0 : yb;
      for (let c = 0, j = 0; c < calls; c++, j = (j + batch) % B1_SAMPLES) p.step.call(x + (j / batch) * xStep, y + (j / batch) * yStep, s, batch);
    }),
  };
}

function main(): void {
  const args = process.argv.slice(2), si = args.indexOf('--sparse');
  const sparse = si >= 0 ? args.splice(si, 2)[1] : 'auto';
  const files = args.length ? args : ['bench/results/models/baseline-lite.tpy', 'bench/results/models/pruned-lite.tpy'];
  const { test } = loadMnist();
  const timed = files.map((f) => prepare(f.replace(/.*\//, ''), readModel(new Uint8Array(readFileSync(f))), test.images, sparse));
  const cases: { name: string; run: () => void; per: number }[] = [];
  for (const t of timed) {
    for (const [batch, calls] of [[1, 2 * B1_SAMPLES], [32, 16]]) {
      t.steps.forEach((step, i) => cases.push({ name: `${t.label} b${batch} ${i} ${t.kernels[i]}`, run: () => step(batch, calls), per: calls * batch }));
    }
  }
  for (const c of cases) for (let i = 0; i < 20; i++) c.run(); // past Liftoff
  const us = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cases) {
      const t0 = performance.now();
      c.run();
      us.get(c.name)!.push(((performance.now() - t0) * 1000) / c.per);
    }
  }
  console.log(`Per-step time, us per sample (median of ${ROUNDS} interleaved rounds; sparse '${sparse}'):`);
  for (const c of cases) console.log(`  ${c.name.padEnd(64)} ${medianOf(us.get(c.name)!).toFixed(3).padStart(8)}`);
}

main();
