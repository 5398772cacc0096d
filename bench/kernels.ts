// Kernel bench: every row of the kernel table over its benchShapes (the seed model's layers at batch
// 32), timing the SIMD build, the scalar build and the TypeScript reference in the same run, rounds
// interleaved so a busy machine slows all columns alike. Sparse rows also time their dense twin
// (same op, dtype and dims) in the rotation and print the speedup over it.
// Rates: f32 in GFLOP/s (2 per multiply-add), qs8 in GMAC/s, pools in G compares/s, all counting skipped
// zeros as done work (the dense-equivalent rate); sparse rows add the rate of work actually done. Run: `npm run build && node dist/bench/kernels.js [name-filter]`.
import { KERNELS } from '../src/runtime/kernels.js';
import type { KernelCase, KernelInfo, KernelShape } from '../src/runtime/kernel_info.js';
import type { KernelModule, ResetExports } from '../src/runtime/wasm.js';
import { FULL_BUILD } from '../src/runtime/wasm_full.js';
import { medianOf } from './measure.js';

const ROUNDS = 9;
const SAMPLE_MS = 25;

interface Variant {
  label: string;
  run: () => void;
  macs: number;
  nonzeroMacs: number;
  times: number[];
}

function warmAndCalibrate(run: () => void): number {
  // NOTE: V8 runs wasm in Liftoff first and tiers up after a few calls; warm up past that.
  let calls = 0;
  const t0 = performance.now();
  while (calls < 8 || performance.now() - t0 < 30) { run(); calls++; }
  const per = (performance.now() - t0) / calls;
  return Math.max(1, Math.round(SAMPLE_MS / per));
}

function measure(variants: Variant[]): void {
  const reps = variants.map((v) => warmAndCalibrate(v.run));
  for (let r = 0; r < ROUNDS; r++) {
    variants.forEach((v, i) => {
      const t0 = performance.now();
      for (let k = 0; k < reps[i]; k++) v.run();
      v.times.push((performance.now() - t0) / reps[i]);
    });
  }
}


function unit(k: KernelInfo): { name: string; perMac: number } {
  if (k.op === 'maxpool2d') return { name: 'Gcmp/s', perMac: 1 };
  return k.dtype === 'f32' ? { name: 'GFLOP/s', perMac: 2 } : { name: 'GMAC/s', perMac: 1 };
}

/** Same dims, ignoring the sparse kernels' layout switches (a batch-minor sparse kernel still has the NHWC kernel as twin). */
function sameDims(a: KernelShape, b: KernelShape): boolean {
  const keys = (s: KernelShape) => Object.keys(s.dims).filter((k) => !k.endsWith('_minor'));
  const ka = keys(a), kb = keys(b);
  return ka.length === kb.length && ka.every((k) => a.dims[k] === b.dims[k]);
}

function denseTwin(k: KernelInfo, shape: KernelShape): { row: KernelInfo; shape: KernelShape } | undefined {
  for (const row of KERNELS) {
    if (row.sparse || row.op !== k.op || row.dtype !== k.dtype) continue;
    const twin = row.benchShapes.find((s) => sameDims(s, shape));
    if (twin) return { row, shape: twin };
  }
  return undefined;
}

/** Prints rows as left-aligned columns two spaces apart. */
function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 2))).join(''));
}

function main(): void {
  const filter = process.argv[2] ?? '';
  const mods: Record<'simd' | 'scalar' | 'twin', KernelModule<ResetExports>> = {
    simd: FULL_BUILD.instantiate(true),
    scalar: FULL_BUILD.instantiate(false),
    twin: FULL_BUILD.instantiate(true),
  };
  console.log(`kernel bench, node ${process.version}, one thread; rates are medians of ${ROUNDS} interleaved rounds (simd | scalar | TS reference)`);
  const table = [['kernel', 'shape', 'simd', 'scalar', 'reference', 'simd µs/call', 'unit; sparse: speed vs the dense twin, same run']];
  for (const k of KERNELS) {
    if (!k.name.includes(filter)) continue;
    const u = unit(k);
    for (const shape of k.benchShapes) {
      for (const m of Object.values(mods)) m.exports.reset();
      const seed = 1;
      const cases: Record<string, KernelCase> = { simd: k.prepare(mods.simd, shape, seed), scalar: k.prepare(mods.scalar, shape, seed) };
      const variants: Variant[] = [
        { label: 'simd', run: cases.simd.run, macs: cases.simd.macs, nonzeroMacs: cases.simd.nonzeroMacs, times: [] },
        { label: 'scalar', run: cases.scalar.run, macs: cases.scalar.macs, nonzeroMacs: cases.scalar.nonzeroMacs, times: [] },
        { label: 'reference', run: cases.simd.runReference, macs: cases.simd.macs, nonzeroMacs: cases.simd.nonzeroMacs, times: [] },
      ];
      const twin = k.sparse ? denseTwin(k, shape) : undefined;
      if (twin) {
        const c = twin.row.prepare(mods.twin, twin.shape, seed);
        variants.push({ label: twin.row.name, run: c.run, macs: c.macs, nonzeroMacs: c.nonzeroMacs, times: [] });
      }
      measure(variants);
      const rate = (v: Variant, macs: number): number => (macs * u.perMac) / (medianOf(v.times) * 1e6);
      const [simd, scalar, ref] = variants;
      const sparse = k.sparse || simd.nonzeroMacs !== simd.macs;
      const simdCol = sparse ? `${rate(simd, simd.macs).toFixed(1)} (${rate(simd, simd.nonzeroMacs).toFixed(1)} actual)` : rate(simd, simd.macs).toFixed(1);
      let note = u.name;
      if (twin) {
        const d = variants[3];
        // Ratio per round (the two ran back to back), then the median: steadier than a ratio of medians on a busy machine.
        const ratio = medianOf(d.times.map((t, r) => t / simd.times[r]));
        note += `; ${ratio.toFixed(2)}x the speed of ${d.label} (${(medianOf(d.times) * 1000).toFixed(1)} µs)`;
      }
      const label = shape.sparsity === undefined ? shape.label : `${shape.label} @${Math.round(shape.sparsity * 100)}%`;
      table.push([k.name, label, simdCol, rate(scalar, scalar.macs).toFixed(2), rate(ref, ref.macs).toFixed(3), (medianOf(simd.times) * 1000).toFixed(1), note]);
      console.error(`  measured ${k.name} / ${label}`);
    }
  }
  printTable(table);
}

main();
