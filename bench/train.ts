// Training throughput of the seed model (Conv2D 12 3x3 ReLU -> MaxPool 2x2 -> Dense 10, Adam, batch 32)
// on the MNIST training split, one thread, in samples/s: the TypeScript reference, the scalar WASM
// build and the WASM SIMD build side by side in one run. Each backend trains its own model through
// fit() for a warm-up epoch (V8 tiers the kernels up), then the timed epochs run round-robin (epoch 1
// of every backend, then epoch 2, ...) so contention on a shared machine hits all of them alike.
// Besides wall-clock samples/s it prints samples per CPU-second of this process: on a busy machine the
// gap between the two shows how much of the wall time went to waiting for a core.
//
//   node dist/bench/train.js [--epochs 3] [--backends ts-reference,wasm-scalar,wasm-simd]
import { cpus, loadavg } from 'node:os';
import { loadMnist } from '../src/data/mnist.js';
import { referenceBackend, type EngineBackend } from '../src/engine/backend.js';
import { createWasmBackend, wasmSimdSupported } from '../src/engine/wasm_backend.js';
import { ConfigError } from '../src/errors.js';
import { mnistCnn } from '../src/model/mnist_cnn.js';
import type { Sequential } from '../src/model/sequential.js';
import { fit } from '../src/model/train.js';
import { medianOf } from './measure.js';

/** tfjs 4.22's cpu backend on this machine class (DESIGN.md); its wasm backend cannot train the model. */
const TFJS_CPU_SAMPLES_PER_S = 36;
const TARGET_SAMPLES_PER_S = 10_000;

interface Contender {
  label: string;
  make: () => EngineBackend;
}

const CONTENDERS: Contender[] = [
  { label: 'ts-reference', make: () => referenceBackend },
  { label: 'wasm-scalar', make: () => createWasmBackend({ simd: false }) },
  { label: 'wasm-simd', make: () => createWasmBackend({ simd: true }) },
];

function parseArgs(argv: string[]): { epochs: number; backends: string[] } {
  const out = { epochs: 3, backends: CONTENDERS.map((c) => c.label) };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--epochs' && value !== undefined) {
      out.epochs = Number(value);
      if (!Number.isInteger(out.epochs) || out.epochs < 1) throw new ConfigError('BAD_EPOCHS', `--epochs must be a positive integer, got ${value}`);
      i++;
    } else if (flag === '--backends' && value !== undefined) {
      out.backends = value.split(',');
      const unknown = out.backends.filter((b) => !CONTENDERS.some((c) => c.label === b));
      if (unknown.length) throw new ConfigError('BAD_BACKEND', `unknown backend ${unknown.join(', ')}; pick from ${CONTENDERS.map((c) => c.label).join(', ')}`);
      i++;
    } else {
      throw new ConfigError('BAD_FLAG', `unknown flag ${flag}; usage: node dist/bench/train.js [--epochs N] [--backends ${CONTENDERS.map((c) => c.label).join(',')}]`);
    }
  }
  return out;
}


function main(): void {
  const { epochs, backends } = parseArgs(process.argv.slice(2));
  const { train, test } = loadMnist();
  const chosen = CONTENDERS.filter((c) => backends.includes(c.label) && (c.label !== 'wasm-simd' || wasmSimdSupported()));
  if (backends.includes('wasm-simd') && !wasmSimdSupported()) console.log('wasm-simd skipped: this engine does not validate WebAssembly SIMD');

  console.log(`Training throughput, seed CNN, ${train.count} MNIST training digits, batch 32, one thread`);
  console.log(`${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (at start)`);
  console.log(`1 warm-up epoch per backend, then ${epochs} timed epoch(s) each, round-robin\n`);

  const runs = chosen.map((c) => ({ ...c, model: mnistCnn({ seed: 0, backend: c.make() }) as Sequential, rates: [] as number[], cpuRates: [] as number[] }));
  for (const r of runs) fit(r.model, train, { epochs: 1, batchSize: 32, seed: 0 });
  for (let e = 1; e <= epochs; e++) {
    for (const r of runs) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      fit(r.model, train, { epochs: 1, batchSize: 32, seed: e });
      const wallS = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      r.rates.push(train.count / wallS);
      r.cpuRates.push(train.count / ((cpu.user + cpu.system) / 1e6));
    }
  }

  const ref = runs.find((r) => r.label === 'ts-reference');
  const refRate = ref ? medianOf(ref.rates) : undefined;
  const header = ['backend', 'samples/s (median)', 'best', 'ms/epoch', 'per CPU-s', 'vs ts-reference', 'vs tfjs cpu', `test acc after ${epochs + 1} ep`];
  const rows = runs.map((r) => {
    const rate = medianOf(r.rates);
    const acc = r.model.evaluate(test).accuracy;
    return [
      r.label,
      Math.round(rate).toLocaleString('en-US'),
      Math.round(Math.max(...r.rates)).toLocaleString('en-US'),
      ((train.count / rate) * 1000).toFixed(0),
      Math.round(medianOf(r.cpuRates)).toLocaleString('en-US'),
      refRate ? `${(rate / refRate).toFixed(1)}x` : '-',
      `${Math.round(rate / TFJS_CPU_SAMPLES_PER_S)}x`,
      `${(acc * 100).toFixed(2)}%`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (at end); target ${TARGET_SAMPLES_PER_S.toLocaleString('en-US')} samples/s; tfjs cpu ${TFJS_CPU_SAMPLES_PER_S} samples/s (DESIGN.md)`);
}

main();
