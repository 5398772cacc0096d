// The interpreter: prepare once, then invoke many times (TFLite Micro's Init/Prepare/Eval).
//   prepare  resolve every op to a kernel (resolver.ts), fusing a conv with the max pool that alone
//            reads it; pack weights and params into the arena; plan activation and scratch buffers
//            by lifetime (arena.ts) for a batch capacity; warm the kernels up past V8's baseline tier.
//   invoke   copy the input in, call each step with fixed offsets, copy the output out: no parsing,
//            and no allocation once a batch size has been seen (a bigger batch replans once).
// Batches larger than maxBatch run as chunks of maxBatch, which bounds the arena. Every sample is
// computed alone (no kernel mixes samples), so any split of a batch gives the same numbers: a worker
// pool can hand each worker a slice and an interpreter of its own, loaded from the same bytes.
import type { FormatModel, MaxPool2DOp } from '../format/model.js';
import { elementCount, opPrecision } from '../format/model.js';
import { Arena, align16, planOffsets, type Lifetime } from './arena.js';
import { RuntimeError } from './errors.js';
import { checkInput, checkOutput } from './io_checks.js';
import { RESOLVER, resolverKey, type KernelEntry, type KernelExports, type OpContext, type ResolvedOp, type Step } from './resolver.js';
import type { Isa, KernelModule } from './wasm.js';

export type SparseMode = 'auto' | 'never' | 'always';

export interface InterpreterOptions {
  /** Sparse kernels: 'auto' where the weights are sparse enough to pay off (the table's measured
   * minSparsity), 'never', or 'always' where a sparse kernel exists. Default 'auto'. */
  sparse?: SparseMode;
  /** Most samples run at once; a bigger batch runs in chunks of this size. Default 32. */
  maxBatch?: number;
  /** Runs of maxBatch zero samples at load, so V8 moves the kernels from its baseline compiler
   * (Liftoff, 2-3x slower) to its optimizing one before the first real call. Default 10; 0 skips. */
  warmup?: number;
}

/** One buffer of the plan: a tensor not aliased to another, its bytes per sample and its lifetime. */
interface Buffer {
  perSample: number;
  first: number;
  last: number;
}

const DTYPE_BYTES = { f32: 4, int8: 1, int32: 4 } as const;

export class Interpreter {
  /** 'simd' or 'scalar': the kernel build this interpreter runs. */
  readonly isa: Isa;
  /** Per-sample input and output shapes, e.g. [784] and [10]. */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  /** The WASM kernel of each step, in order, e.g. ['qs8_quantize', 'qs8_spconv2d_maxpool2d', 'qs8_spmm', 'qs8_dequantize']. */
  readonly kernels: readonly string[];
  readonly maxBatch: number;

  private readonly arena: Arena;
  private readonly steps: Step[] = [];
  private readonly stepBuffers: [input: number, output: number][] = [];
  private readonly buffers = new Map<number, Buffer>();
  private readonly inputBuffer: number;
  private readonly outputBuffer: number;
  // the plan for `capacity` samples: byte offsets per step, and views of the output per sample count
  private capacity = 0;
  private xs: number[] = [];
  private ys: number[] = [];
  private scratch: number[] = [];
  private inputAt = 0;
  private outputViews: Float32Array[] = [];
  // what run/predict return when not given an output
  private readonly logits = reused(Float32Array);
  private readonly classes = reused(Int32Array);

  constructor(model: FormatModel, mod: KernelModule, options: InterpreterOptions = {}) {
    const { sparse = 'auto', maxBatch = 32, warmup = 10 } = options;
    const bad = (what: string, use: string) => new RuntimeError('bad_option', `${what}; use ${use}`);
    if (!['auto', 'never', 'always'].includes(sparse)) throw bad(`sparse is ${String(sparse)}`, "'auto', 'never' or 'always'");
    if (!(Number.isInteger(maxBatch) && maxBatch > 0)) throw bad(`maxBatch is ${maxBatch}`, 'a positive integer such as 32');
    if (!(Number.isInteger(warmup) && warmup >= 0)) throw bad(`warmup is ${warmup}`, 'an integer >= 0 (0 skips it)');
    const input = model.tensors[model.input], output = model.tensors[model.output];
    if (input.dtype !== 'f32' || output.dtype !== 'f32') {
      throw new RuntimeError('unsupported', `the model's input is ${input.dtype} and its output ${output.dtype}; this runtime takes and gives f32, so end an int8 model with quantize/dequantize ops (the converter does)`);
    }
    this.isa = mod.isa;
    this.maxBatch = maxBatch;
    this.inputShape = input.shape.slice();
    this.outputShape = output.shape.slice();
    this.inputSize = elementCount(input.shape);
    this.outputSize = elementCount(output.shape);
    this.arena = new Arena(mod.exports.memory, mod.exports.alloc(0));

    // Reshape and flatten write nothing: their output is their input's buffer.
    const root = model.tensors.map((_, i) => i);
    for (const op of model.ops) if (op.op === 'reshape' || op.op === 'flatten') root[op.output] = root[op.input];
    this.inputBuffer = root[model.input];
    this.outputBuffer = root[model.output];

    const kernels = mod.exports as unknown as KernelExports;
    const use = (t: number, step: number) => {
      const b = this.buffers.get(root[t]);
      if (b) b.last = Math.max(b.last, step);
      else this.buffers.set(root[t], { perSample: elementCount(model.tensors[t].shape) * DTYPE_BYTES[model.tensors[t].dtype], first: step, last: step });
      return root[t];
    };
    use(model.input, -1); // written by run() before the first step
    const names: string[] = [];
    for (let k = 0; k < model.ops.length; k++) {
      const op = model.ops[k];
      if (op.op === 'reshape' || op.op === 'flatten') continue;
      const pool = fusablePool(model, k);
      const { entry, ctx } = resolve(model, k, pool, sparse, { model, op, kernels, arena: this.arena });
      const last = ctx.pool ?? op;
      if (ctx.pool) k++;
      const i = this.steps.length;
      names.push(entry.kernel);
      this.steps.push(entry.prepare(ctx));
      this.stepBuffers.push([use(op.input, i), use(last.output, i)]);
    }
    use(model.output, this.steps.length); // read by run() after the last step
    this.kernels = names;

    // NOTE: tier-up follows the work done, not the call count: in fresh processes batch-1 calls took
    // 100-300 calls to reach their steady time; after 10 runs at batch 32 the first calls mostly were
    // (cold-start rows of bench/runtime.ts).
    this.plan(warmup > 0 ? maxBatch : 1);
    if (warmup > 0) {
      const zeros = new Float32Array(maxBatch * this.inputSize);
      for (let i = 0; i < warmup; i++) this.run(zeros, maxBatch);
      this.run(zeros.subarray(0, this.inputSize), 1);
    }
  }

  /** Size of this interpreter's WebAssembly memory: static data, packed weights and the current plan. */
  get memoryBytes(): number {
    return this.arena.memory.buffer.byteLength;
  }

  /**
   * Logits for `batchSize` samples of `input` (batchSize x inputSize floats, NHWC per sample).
   * Returns `output` when given (its first batchSize x outputSize values), else a view of a buffer
   * this interpreter reuses: valid until the next run or predict; copy it (`.slice()`) to keep it.
   */
  run(input: Float32Array, batchSize?: number, output?: Float32Array): Float32Array {
    const n = checkInput(input, batchSize, this.inputSize, this.inputShape);
    const out = output === undefined ? this.logits(n * this.outputSize) : checkOutput(output, Float32Array, n * this.outputSize, 'a reused buffer');
    const inSize = this.inputSize, outSize = this.outputSize;
    for (let start = 0; start < n; start += this.maxBatch) {
      const b = Math.min(this.maxBatch, n - start);
      if (b > this.capacity) this.plan(b);
      this.arena.f32.set(b === n ? input : input.subarray(start * inSize, (start + b) * inSize), this.inputAt >> 2);
      this.invoke(b);
      out.set(this.outputViews[b], start * outSize);
    }
    return out;
  }

  /** The class of each sample (the index of its largest output; the first on ties), as run() would rank them. */
  predict(input: Float32Array, batchSize?: number, output?: Int32Array): Int32Array {
    const n = checkInput(input, batchSize, this.inputSize, this.inputShape);
    const out = output === undefined ? this.classes(n) : checkOutput(output, Int32Array, n, 'a reused buffer');
    const logits = this.run(input, n, this.logits(n * this.outputSize));
    const size = this.outputSize;
    for (let s = 0, o = 0; s < n; s++, o += size) {
      let best = 0;
      for (let j = 1; j < size; j++) if (logits[o + j] > logits[o + best]) best = j;
      out[s] = best;
    }
    return out;
  }

  private invoke(batch: number): void {
    const steps = this.steps, xs = this.xs, ys = this.ys, scratch = this.scratch;
    for (let i = 0; i < steps.length; i++) steps[i].call(xs[i], ys[i], scratch[i], batch);
  }

  /** Places every buffer and scratch area for `batch` samples; the state changes only if it fits. */
  private plan(batch: number): void {
    const ids = [...this.buffers.keys()];
    const lifetimes: Lifetime[] = ids.map((id) => {
      const b = this.buffers.get(id)!;
      return { bytes: align16(b.perSample * batch), first: b.first, last: b.last };
    });
    this.steps.forEach((s, i) => lifetimes.push({ bytes: align16(s.scratch?.(batch) ?? 0), first: i, last: i }));
    const { offsets, total } = planOffsets(lifetimes);
    const base = this.arena.planBase;
    this.arena.ensure(base + total);
    const at = new Map(ids.map((id, j) => [id, base + offsets[j]]));
    this.xs = this.stepBuffers.map(([x]) => at.get(x)!);
    this.ys = this.stepBuffers.map(([, y]) => at.get(y)!);
    this.scratch = this.steps.map((_, i) => base + offsets[ids.length + i]);
    this.inputAt = at.get(this.inputBuffer)!;
    const outputAt = at.get(this.outputBuffer)! >> 2;
    this.outputViews = [];
    for (let b = 0; b <= batch; b++) this.outputViews.push(this.arena.f32.subarray(outputAt, outputAt + b * this.outputSize));
    this.capacity = batch;
  }

}

/** The max pool right after conv op k that alone reads the conv's output, if any. */
function fusablePool(model: FormatModel, k: number): MaxPool2DOp | undefined {
  const op = model.ops[k], next = model.ops[k + 1];
  if (op.op !== 'conv2d' || next?.op !== 'maxpool2d' || next.input !== op.output || model.output === op.output) return undefined;
  return model.ops.filter((o) => o.input === op.output).length === 1 ? next : undefined;
}

/**
 * The first row that takes op k: sparse before dense (a sparse row only when the weights are sparse
 * enough, or always/never as asked), fused with `pool` before unfused.
 */
function resolve(model: FormatModel, k: number, pool: MaxPool2DOp | undefined, mode: SparseMode, base: OpContext): { entry: KernelEntry; ctx: OpContext } {
  const op = base.op, precision = opPrecision(model, op);
  const zeros = op.op === 'conv2d' || op.op === 'dense' ? zeroShare(model.tensors[op.kernel].data!) : 0;
  for (const sparse of [true, false]) {
    for (const name of pool ? ['conv2d_maxpool2d', 'conv2d'] as const : [op.op as ResolvedOp]) {
      const entry = RESOLVER[resolverKey(name, precision, sparse)];
      if (!entry || (sparse && (mode === 'never' || (mode === 'auto' && zeros < (entry.minSparsity ?? 0))))) continue;
      const ctx = name === 'conv2d_maxpool2d' ? { ...base, pool } : base;
      if (!entry.fits || entry.fits(ctx)) return { entry, ctx };
    }
  }
  throw new RuntimeError('unsupported', `op ${k} (${op.op}, ${precision}) has no kernel in this runtime; see the table in src/runtime/resolver.ts`);
}

function zeroShare(data: ArrayLike<number>): number {
  let zeros = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 0) zeros++;
  return zeros / data.length;
}

/** `n` values of an array reused across calls: grown when too short, with one cached view per length. */
function reused<T extends Float32Array | Int32Array>(type: new (n: number) => T): (n: number) => T {
  let array = new type(0), views = new Map<number, T>();
  return (n) => {
    if (array.length < n) [array, views] = [new type(n), new Map()];
    let v = views.get(n);
    if (!v) views.set(n, (v = array.subarray(0, n) as T));
    return v;
  };
}



