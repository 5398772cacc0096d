// The interpreter: prepare once, then invoke many times (TFLite Micro's Init/Prepare/Eval).
//   prepare  resolve every op to a kernel (resolver.ts), fusing a conv with the max pool that alone
//            reads it; pack weights and params into the arena; plan activation and scratch buffers
//            by lifetime (arena.ts) for a batch capacity; warm the kernels up past V8's baseline tier.
//   invoke   copy the input in, call each step with fixed offsets, copy the output out: no parsing,
//            and no allocation once a batch size has been seen (a bigger batch replans once).
// Batches larger than maxBatch run as chunks of maxBatch, which bounds the arena. Every sample is
// computed alone (no kernel mixes samples; a batch-minor buffer between an f32 sparse conv and sparse
// dense only interleaves them, one lane each), so any split of a batch gives the same numbers: a worker
// pool can hand each worker a slice and an interpreter of its own, loaded from the same bytes. (For
// finite activations: an f32 sparse dense under 80% zeros runs a last block of 16 rows or fewer on its
// dense packing, where an infinite or NaN input times a zero weight is NaN, a term the sparse kernel
// skips; such a sample's outputs then depend on where the batch puts it.)
// The prepared state lives in the constructor's closure, which run and predict share.
import type { FormatModel } from '../format/model.js';
import { elementCount, tensorBytes } from '../format/model.js';
import { Arena, align16, planOffsets } from './arena.js';
import { RuntimeError } from './errors.js';
import { checkInput, checkOutput } from './io_checks.js';
import { resolve, type KernelExports, type Step, type Table } from './resolver.js';
import type { Isa, KernelBuild } from './wasm.js';

export type SparseMode = 'auto' | 'never' | 'always';

export interface InterpreterOptions {
  /** true: the SIMD build or a RuntimeError; false: the scalar build (outside Node, after `await
   * loadScalar()`, since it is a chunk of its own); default: SIMD where the engine has it. */
  simd?: boolean;
  /** Sparse kernels: 'auto' where the weights are sparse enough to pay off (the table's measured
   * minSparsity), 'never', or 'always' where a sparse kernel exists. Default 'auto'. */
  sparse?: SparseMode;
  /** Most samples run at once; a bigger batch runs in chunks of this size. Default 32. */
  maxBatch?: number;
  /** Runs of maxBatch zero samples at load, so V8 moves the kernels from its baseline compiler
   * (Liftoff, 2-3x slower) to its optimizing one before the first real call. Default 10; 0 skips. */
  warmup?: number;
}

// Fields are `declare`d (set in the constructor), so the bundle carries no field declarations.
export class Interpreter {
  /** 'simd' or 'scalar': the kernel build this interpreter runs. */
  declare readonly isa: Isa;
  /** Per-sample input and output shapes, e.g. [784] and [10]. */
  declare readonly inputShape: readonly number[];
  declare readonly outputShape: readonly number[];
  declare readonly inputSize: number;
  declare readonly outputSize: number;
  /** The WASM kernel of each step, in order, e.g. ['qs8_quantize', 'qs8_spconv2d_maxpool2d', 'qs8_spmm', 'qs8_dequantize'].
   * An f32_dense_sparse step under 80% zeros runs f32_dense on a last block of 16 rows or fewer (resolver_f32.ts),
   * and a qs8_spmm step under 92% zeros (FEW_ROWS_SPARSITY) runs qs8_gemm on 4 rows or fewer (resolver_qs8.ts). */
  declare readonly kernels: readonly string[];
  declare readonly maxBatch: number;
  /**
   * Logits for `batchSize` samples of `input` (batchSize x inputSize floats, NHWC per sample).
   * Returns `output` when given (its first batchSize x outputSize values), else a view of a buffer
   * this interpreter reuses: valid until the next run or predict; copy it (`.slice()`) to keep it.
   */
  declare readonly run: (input: Float32Array, batchSize?: number, output?: Float32Array) => Float32Array;
  /** The class of each sample (the index of its largest output; the first on ties), as run() would rank them. */
  declare readonly predict: (input: Float32Array, batchSize?: number, output?: Int32Array) => Int32Array;

  /** Prepares `model` (read and validated) on a fresh instance of `build` with the families of `table`. */
  constructor(model: FormatModel, build: KernelBuild, table: Table, options: InterpreterOptions = {}) {
    const { simd, sparse = 'auto', maxBatch = 32, warmup = 10 } = options;
    const bad = (what: string, value: unknown, use: string) => new RuntimeError('bad_option', `${what} is ${String(value)}; use ${use}`);
    if (!['auto', 'never', 'always'].includes(sparse)) throw bad('sparse', sparse, "'auto', 'never' or 'always'");
    if (!(Number.isInteger(maxBatch) && maxBatch > 0)) throw bad('maxBatch', maxBatch, 'an integer >= 1');
    if (!(Number.isInteger(warmup) && warmup >= 0)) throw bad('warmup', warmup, 'an integer >= 0');
    if (simd !== undefined && typeof simd !== 'boolean') throw bad('simd', simd, 'true, false, or leave it out (SIMD where the engine has it)');
    const { tensors, ops } = model, input = tensors[model.input], output = tensors[model.output];
    if (input.dtype !== 'f32' || output.dtype !== 'f32') {
      throw new RuntimeError('unsupported', `the model's input is ${input.dtype} and its output ${output.dtype}; the runtime takes and gives f32`);
    }
    const inSize = elementCount(input.shape), outSize = elementCount(output.shape);
    const mod = build.instantiate(simd), arena = new Arena(mod.exports.memory, mod.exports.alloc(0));
    this.isa = mod.isa;
    this.kernels = [];
    this.maxBatch = maxBatch;
    this.inputShape = input.shape.slice();
    this.outputShape = output.shape.slice();
    this.inputSize = inSize;
    this.outputSize = outSize;

    // Buffers: one per tensor that an op writes (reshape and flatten write nothing: their output is
    // their input's buffer), with its bytes per sample and the first and last step that use it.
    const root = tensors.map((_, i) => i);
    const lifetimes: number[][] = [];
    const use = (t: number, step: number) => {
      const b = root[t];
      lifetimes[b] ??= [tensorBytes(tensors[t]), step];
      lifetimes[b][2] = step;
      return b;
    };
    const inputBuffer = use(model.input, -1); // written by run() before the first step
    const steps: Step[] = [], io: number[][] = [];
    // buffers a sparse conv writes batch-minor for the sparse dense after it: whole blocks of 32 samples
    const minor: boolean[] = [];
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k];
      if (op.op === 'reshape' || op.op === 'flatten') root[op.output] = root[op.input];
      else {
        const { kernel, step, last, minor: m } = resolve(model, k, sparse, table, mod.exports as unknown as KernelExports, arena, minor[root[op.input]]); // last: k + 1 with a fused pool
        (this.kernels as string[]).push(kernel);
        io.push([use(op.input, steps.length), use(ops[last].output, steps.length)]);
        minor[root[ops[last].output]] = m;
        steps.push(step);
        k = last;
      }
    }
    const outputBuffer = use(model.output, steps.length); // read by run() after the last step

    // The plan for `capacity` samples: byte offsets per step, and views of the output per sample count.
    let capacity = 0, xs: number[], ys: number[], scratch: number[], inputAt: number, outputViews: Float32Array[];
    const plan = (batch: number) => {
      const ids = lifetimes.flatMap((l, id) => (l ? [id] : []));
      const buffers = ids.map((id) => [align16(lifetimes[id][0] * (minor[id] ? (batch + 31) & ~31 : batch)), lifetimes[id][1], lifetimes[id][2]]);
      steps.forEach((s, i) => buffers.push([align16(s.scratch?.(batch) ?? 0), i, i]));
      const [offsets, total] = planOffsets(buffers);
      arena.ensure(arena.top + total);
      const at = (id: number) => arena.top + offsets[ids.indexOf(id)];
      xs = io.map(([b]) => at(b));
      ys = io.map(([, b]) => at(b));
      scratch = steps.map((_, i) => arena.top + offsets[ids.length + i]);
      inputAt = at(inputBuffer) >> 2;
      outputViews = [];
      for (let b = 0, o = at(outputBuffer) >> 2; b <= batch; b++) outputViews.push(arena.f32.subarray(o, o + b * outSize));
      capacity = batch;
    };
    // what run and predict write to: the caller's output, or a buffer they reuse
    const logits = outputs(Float32Array), classes = outputs(Int32Array);

    this.run = (x, batchSize, out) => {
      const n = checkInput(x, batchSize, inSize, this.inputShape);
      out = logits(n * outSize, out);
      for (let start = 0; start < n; start += maxBatch) {
        const b = Math.min(maxBatch, n - start);
        if (b > capacity) plan(b);
        arena.f32.set(b === n ? x : x.subarray(start * inSize, (start + b) * inSize), inputAt);
        for (let i = 0; i < steps.length; i++) steps[i].call(xs[i], ys[i], scratch[i], b);
        out.set(outputViews[b], start * outSize);
      }
      return out;
    };
    this.predict = (x, batchSize, out) => {
      const n = checkInput(x, batchSize, inSize, this.inputShape);
      out = classes(n, out);
      const scores = this.run(x, n);
      for (let s = 0, o = 0; s < n; s++, o += outSize) {
        let best = 0;
        for (let j = 1; j < outSize; j++) if (scores[o + j] > scores[o + best]) best = j;
        out[s] = best;
      }
      return out;
    };

    // NOTE: tier-up follows the work done, not the call count: in fresh processes batch-1 calls took
    // 100-300 calls to reach their steady time; after 10 runs at batch 32 the first calls mostly were
    // (cold-start rows of bench/runtime.ts).
    plan(warmup > 0 ? maxBatch : 1);
    if (warmup > 0) {
      const zeros = new Float32Array(maxBatch * inSize);
      for (let i = 0; i < warmup; i++) this.run(zeros, maxBatch);
      this.run(zeros.subarray(0, inSize), 1);
    }
  }
}

/**
 * Where `n` values go: `out` if given (checked), else an array reused across calls (grown when too
 * short, with one cached view per length).
 */
function outputs<T extends Float32Array | Int32Array>(type: { new (n: number): T; name: string }): (n: number, out?: unknown) => T {
  let array = new type(0), views: T[] = [];
  return (n, out) => {
    if (out !== undefined) return checkOutput(out, type, n, 'a reused buffer');
    if (array.length < n) [array, views] = [new type(n), []];
    return (views[n] ??= array.subarray(0, n) as T);
  };
}
