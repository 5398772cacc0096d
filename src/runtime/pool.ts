// A worker pool: each worker holds its own interpreter loaded from the same model bytes, and each call
// splits its batch over the threads, which run it in runs of maxBatch. Every sample is computed alone,
// so the results are the one-thread results, bit for bit, however the batch is split (for finite activations: interpreter.ts).
//
//   const pool = await createPool(bytes, { threads: 2 });   // default: every hardware thread
//   const logits = await pool.run(pixels, 2004);            // a new Float32Array, 2004 x 10
//   const digits = await pool.predict(pixels);              // a new Int32Array
//   await pool.close();
//
// With {caller: true} the calling thread is one of the `threads`: it loads an interpreter of its own
// and computes a share of each call itself (blocking for that long), which saves a worker, its wake-up
// and its reply, and reads its share straight from the input.
// Memory and the split: where SharedArrayBuffer exists (Node; browser pages that are cross-origin
// isolated) the workers read the input and write the output in shared memory, and the split is
// dynamic: the call's runs are claimed one at a time, by the workers from the front and by the caller
// from the back, until the ends meet (pool_messages.ts, claimFront), so a thread held up mid-call
// (preempted, woken late, slowed by its shared-memory reads) does fewer runs instead of holding the
// call. An input that already lives in a SharedArrayBuffer is not copied at all; any other is copied
// into a staging buffer a run at a time from the front, by the caller a couple of runs per worker
// ahead of the workers' cursor between its own runs (else all at once, right after the hand-out), and
// a worker waits (Atomics.wait) for a run not copied yet; whatever the caller does not claim is always
// copied, also when it throws (it then claims the rest, so the workers stop). Elsewhere the split is
// static, sized by each thread's measured speed (samples per ms over recent calls), each chunk posted
// (copied) to its worker and its output transferred back. On a busy machine the dynamic split was
// 10-29% faster than the static one with a copied input, level with a shared one (bench/pool.ts).
// Back-to-back calls (shared memory and Atomics.waitAsync): a worker done with a job waits a while
// (LINGER_MS) on a shared bell rather than going back to its event loop, and a next job on the same
// buffers is handed over in shared memory, with no message either way (pool_messages.ts, Slot): one
// notify starts every worker, and the last to finish wakes the pool once (the caller, when it
// computes, waits for it on the spot, bounded by its own share's time). Once the caller has claimed
// every run left, a worker that has not taken its job yet (not woken) has nothing to do: the pool
// takes the job back (revoke) rather than wait for it.
// Failure: a worker that crashes, exits or cannot start rejects the pending call with RuntimeError
// 'worker_failed' and closes the pool, so no call ever waits on a dead worker. (A worker that dies
// while lingering, before it picks up a job that the caller then takes back whole, fails the next
// call instead: that call's runs were all done.)
import { readModel } from '../format/read.js';
import { RuntimeError } from './errors.js';
import type { Interpreter } from './index.js';
import { checkInput, checkOutput } from './io_checks.js';
import { claimBack, CONTROL_BYTES, fromWire, runtimeEntry, Slot, State, Sync, type FromWorker, type Kind, type ToWorker, type WorkerLoadOptions } from './pool_messages.js';
import { availableThreads, startThread, type Thread } from './threads.js';
import type { Isa } from './wasm.js';

export interface PoolOptions extends WorkerLoadOptions {
  /** Threads that compute, the caller's included when `caller`; default: the hardware threads
   * (os.availableParallelism, navigator.hardwareConcurrency). */
  threads?: number;
  /** true: the calling thread computes a share of each call too (threads - 1 workers start); its event
   * loop is blocked while it does, so leave it false in a page that must stay responsive. Default false. */
  caller?: boolean;
  /** Where the worker module is, when a bundler moved it (a string is resolved against this module's
   * URL); default: worker.js next to this module. */
  worker?: URL | string;
}

/**
 * Starts the workers and loads the model in each (loadModel with these options: simd, sparse,
 * maxBatch, warmup; from the entry point `runtime` names), and on this thread too with `caller`. Rejects with the FormatError or
 * RuntimeError loadModel would throw, or with RuntimeError 'worker_failed' when a worker cannot
 * start; no worker is left running then.
 */
export async function createPool(bytes: Uint8Array | ArrayBuffer, options: PoolOptions = {}): Promise<Pool> {
  const { threads: asked, worker, caller = false, ...load } = options;
  const threads = asked ?? (await availableThreads());
  if (!Number.isInteger(threads) || threads < 1) throw new RuntimeError('bad_option', `threads is ${threads}; use a positive integer such as 2, or leave it unset for every hardware thread`);
  if (![undefined, 'int8', 'f32'].includes(load.runtime)) throw new RuntimeError('bad_option', `runtime is ${String(load.runtime)}; use 'int8', 'f32', or leave it unset for topiary/runtime`);
  readModel(bytes, { name: load.name ?? 'model' }); // a corrupt file fails here, before any worker starts
  let local: Interpreter | undefined;
  if (caller) {
    const { loadModel, loadScalar } = await runtimeEntry(load.runtime);
    if (load.simd === false) await loadScalar(); // outside Node the scalar build is a chunk of its own
    local = loadModel(bytes, load);
  }
  const url = worker === undefined ? new URL('./worker.js', import.meta.url) : new URL(worker, import.meta.url);
  const pool = new Pool(threads, local);
  try {
    await pool.start(url, bytes, load);
  } catch (e) {
    await pool.close();
    throw e;
  }
  return pool;
}

interface Pending {
  resolve(reply: Done | undefined): void;
  reject(error: Error): void;
}

type Loaded = Extract<FromWorker, { type: 'loaded' }>;
type Done = Extract<FromWorker, { type: 'done' }>;

interface Member {
  thread?: Thread;
  /** The load or job this worker is busy with: one at a time, as calls are queued. */
  pending?: Pending;
  /** Its fast-path slots (pool_messages.ts, Slot), and the buffers of its last message job, which fast jobs use. */
  control?: Int32Array;
  sent?: { input: ArrayBufferLike; output: ArrayBufferLike; claims: ArrayBufferLike; ready: boolean };
  seq: number;
  /** Resolves its fast job's promise if it is done. */
  poll?: () => void;
}

// A chunk's speed counts once it has this many samples (tiny calls time mostly their overhead); a
// thread's speed is the median of its last RECENT chunks, so a one-off stall (another process taking
// the core for a moment) does not move the next split; and no thread is taken to be more than SPREAD
// times faster or slower than the average, so it cannot starve a thread either.
const MIN_TIMED = 64;
const RECENT = 5;
const SPREAD = 2;

export class Pool {
  private readonly members: Member[];
  private model: Loaded = { type: 'loaded', isa: 'scalar', inputShape: [], outputShape: [] };
  private inSize = 0;
  private outSize = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closedBy?: RuntimeError;
  private terminated?: Promise<unknown>;
  private bytes?: Uint8Array | ArrayBuffer;
  private loadOptions: WorkerLoadOptions = {};
  private nextId = 0;
  /** Samples per ms of each thread's last chunks (the caller last), for the static split of the message path. */
  private readonly recent: number[][];
  // staging buffers in shared memory (grown as needed), when the engine has SharedArrayBuffer
  private readonly shared = typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
  private stageIn: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private stageOut: SharedArrayBuffer | undefined;
  /** The dynamic split's claims (pool_messages.ts, claimFront), grown as needed. */
  private claims: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** How many samples of the call are in stageIn (the run-by-run copy of an ordinary input). */
  private readonly ready?: Int32Array;
  /** Samples per run of the dynamic split (and per piece of that copy): maxBatch. */
  private runSize = 32;
  /** Whether this thread may Atomics.wait (not a browser's main thread). */
  private blocking = true;
  /** Whether jobs may go through shared memory instead of messages (the pool waits with Atomics.waitAsync). */
  private readonly fast = this.shared && typeof (Atomics as { waitAsync?: unknown }).waitAsync === 'function';
  /** The pool-wide fast-path slots (Sync): the bell all lingering workers wait on, the jobs still running. */
  private readonly sync = this.fast ? new Int32Array(new SharedArrayBuffer(8)) : undefined;

  /** Use createPool. `local`: the caller's own interpreter, when it computes a share. */
  constructor(readonly threads: number, private readonly local?: Interpreter) {
    this.members = Array.from({ length: local ? threads - 1 : threads }, () => ({ seq: 0 }));
    this.recent = Array.from({ length: threads }, () => []);
    if (this.shared) this.ready = new Int32Array(new SharedArrayBuffer(4));
    if (local) {
      this.model = { type: 'loaded', isa: local.isa, inputShape: [...local.inputShape], outputShape: [...local.outputShape] };
      [this.inSize, this.outSize] = [local.inputSize, local.outputSize];
    }
  }

  /** 'simd' or 'scalar': the kernel build the threads run. */
  get isa(): Isa {
    return this.model.isa;
  }

  /** Per-sample input shape, e.g. [784], as the interpreters report it. */
  get inputShape(): readonly number[] {
    return this.model.inputShape;
  }

  /** Per-sample output shape, e.g. [10]. */
  get outputShape(): readonly number[] {
    return this.model.outputShape;
  }

  /** Floats per sample in, e.g. 784. */
  get inputSize(): number {
    return this.inSize;
  }

  /** Floats per sample out, e.g. 10. */
  get outputSize(): number {
    return this.outSize;
  }

  /** Whether the calling thread computes a share of each call. */
  get caller(): boolean {
    return this.local !== undefined;
  }

  /** @internal createPool's second half: start every worker and wait until each has loaded the model. */
  async start(url: URL, bytes: Uint8Array | ArrayBuffer, options: WorkerLoadOptions): Promise<void> {
    this.bytes = bytes;
    this.loadOptions = options;
    const loads = this.members.map((member, i) => new Promise<void>((resolve, reject) => {
      member.pending = { resolve: () => resolve(), reject };
      startThread(url, { message: (m) => this.onMessage(i, m as FromWorker), fail: (why) => this.onFail(i, why) })
        .then((thread) => {
          if (this.closedBy) void thread.terminate();
          else member.thread = thread;
        }, reject);
    }));
    // the first failure settles this; close() in createPool then rejects the other loads
    await Promise.all(loads);
    this.bytes = undefined;
    this.runSize = options.maxBatch ?? this.runSize;
    for (const m of this.members) m.thread!.hold(false); // an idle pool does not keep Node running
  }

  /**
   * Logits for `batchSize` samples of `input` (batchSize x inputSize floats, NHWC per sample), split
   * over the threads. Resolves to `output` when given (its first batchSize x outputSize values), else
   * to a new array. Leave `input` unchanged until the promise settles. Calls run one after another.
   */
  run(input: Float32Array, batchSize?: number, output?: Float32Array): Promise<Float32Array> {
    return this.call('run', input, batchSize, output) as Promise<Float32Array>;
  }

  /** The class of each sample (the index of its largest output; the first on ties), as run() would rank them. */
  predict(input: Float32Array, batchSize?: number, output?: Int32Array): Promise<Int32Array> {
    return this.call('predict', input, batchSize, output) as Promise<Int32Array>;
  }

  /** Stops every worker. Pending and later calls reject with RuntimeError 'pool_closed'. */
  async close(): Promise<void> {
    this.shutdown(new RuntimeError('pool_closed', 'this pool is closed; create a new one with createPool'));
    await this.terminated;
  }

  private call(kind: Kind, input: Float32Array, batchSize: number | undefined, output: Float32Array | Int32Array | undefined): Promise<Float32Array | Int32Array> {
    let result: Float32Array | Int32Array, n: number;
    try {
      if (this.closedBy) throw this.closedBy;
      n = checkInput(input, batchSize, this.inputSize, this.inputShape);
      result = kind === 'run' ? outputOrNew(output, Float32Array, n * this.outputSize) : outputOrNew(output, Int32Array, n);
    } catch (e) {
      return Promise.reject(e);
    }
    const done = this.queue.then(() => this.dispatch(kind, input, n, result)).then(() => result);
    this.queue = done.catch(() => {});
    return done;
  }

  private dispatch(kind: Kind, input: Float32Array, n: number, result: Float32Array | Int32Array): Promise<void> | void {
    if (this.closedBy) throw this.closedBy;
    return this.shared ? this.dispatchShared(kind, input, n, result) : this.dispatchMessages(kind, input, n, result);
  }

  /**
   * The dynamic split in shared memory: the call's runs go to whichever thread claims them (the
   * workers from the front, the caller from the back), each run's output to its place. An ordinary
   * input is copied into shared memory a run at a time from the front, by the caller just ahead of
   * the workers while it computes its own runs (read straight from `input`), else all at once once the
   * workers are started. Waits for every worker, also when one fails (they share staging buffers).
   */
  private async dispatchShared(kind: Kind, input: Float32Array, n: number, result: Float32Array | Int32Array): Promise<void> {
    const t0 = performance.now();
    const inSize = this.inputSize, per = kind === 'run' ? this.outputSize : 1, run = this.runSize, runs = Math.ceil(n / run);
    // a single run is the caller's alone, when it computes (the workers' wake-up would cost more)
    const busy = this.members.slice(0, Math.min(this.members.length, this.local ? runs - 1 : runs));
    if (busy.length === 0) return this.runMine(kind, input, [0, n], result, t0);
    const claims = this.claimsFor(runs);
    let src = input, filler: Filler | undefined;
    if (!(input.buffer instanceof SharedArrayBuffer)) {
      src = this.stagedInput(n * inSize);
      filler = new Filler(input, src, n, inSize, run, this.ready!);
    }
    const dst = result.buffer instanceof SharedArrayBuffer ? result : this.stagedOutput(kind, n * per);
    const x = src.subarray(0, n * inSize), y = dst.subarray(0, n * per);
    for (const m of busy) m.thread!.hold(true);
    let low = runs; // the caller's runs are [low, runs)
    try {
      let handed = false; // some worker took its job in shared memory (handOver), not by message
      const replies = Promise.allSettled(busy.map((_, w) => {
        const sent = this.handOver(w, kind, x, y, n, filler !== undefined);
        if (sent) handed = true;
        return sent ?? this.send(w, { type: 'job', id: this.nextId++, kind, count: n, input: x, output: y, claims, run, ready: filler?.ready }, []);
      }));
      if (handed) {
        this.ring(); // one wake-up for every worker handed a job
        if (!this.local) this.watch();
      }
      let failedHere: unknown;
      if (this.local) {
        const local = this.local, lead = 2 * busy.length;
        try {
          for (let r = runs - 1; claimBack(claims, r); r--) {
            low = r;
            // the workers' runs copied a couple of runs each past their cursor, never into the caller's
            filler?.copyTo(Math.min(r, Atomics.load(claims, 0) + lead) * run);
            const s = r * run, b = Math.min(run, n - s), xs = input.subarray(s * inSize, (s + b) * inSize);
            if (kind === 'run') local.run(xs, b, (result as Float32Array).subarray(s * per, (s + b) * per));
            else local.predict(xs, b, (result as Int32Array).subarray(s, s + b));
          }
        } catch (e) {
          failedHere = e;
          while (claimBack(claims, low - 1)) low--; // the rest stays unrun: the workers stop
        }
      }
      filler?.copyTo(low * run); // every run a worker holds or can still claim: none may wait forever
      if (this.local && handed) {
        this.revoke(busy.length); // every run is claimed: a worker that has not woken yet has nothing to do
        this.awaitWorkers(performance.now() - t0);
      }
      const failed = (await replies).find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (failedHere) throw failedHere;
    } finally {
      filler?.copyTo(low * run); // also when something above threw: a worker waiting on `ready` would never return
      for (const m of busy) m.thread?.hold(false);
    }
    if (dst !== result) result.set(dst.subarray(0, Math.min(n, low * run) * per)); // the workers' runs
  }

  /**
   * The static split by message (no shared memory): each worker is posted a copy of its chunk, sized
   * by the threads' measured speeds, and its output comes back transferred; the caller runs the last.
   */
  private async dispatchMessages(kind: Kind, input: Float32Array, n: number, result: Float32Array | Int32Array): Promise<void> {
    const t0 = performance.now();
    const inSize = this.inputSize, per = kind === 'run' ? this.outputSize : 1;
    const chunks = split(n, this.recent.map(median));
    const mine = this.local ? chunks.pop()! : undefined;
    const busy = this.members.slice(0, chunks.length);
    for (const m of busy) m.thread!.hold(true);
    try {
      const replies = Promise.allSettled(chunks.map(([start, count], w) => {
        if (count === 0) return Promise.resolve();
        const x = input.slice(start * inSize, (start + count) * inSize);
        return this.send(w, { type: 'job', id: this.nextId++, kind, count, input: x }, [x.buffer]).then((reply) => {
          result.set(reply!.output!, start * per);
          this.timed(w, count, reply!.ms);
        });
      }));
      let failedHere: unknown;
      try {
        if (mine && mine[1] > 0) this.runMine(kind, input, mine, result, t0);
      } catch (e) {
        failedHere = e;
      }
      const failed = (await replies).find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (failedHere) throw failedHere;
    } finally {
      for (const m of busy) m.thread?.hold(false);
    }
  }

  /** The caller's chunk on its own interpreter; its speed counts the whole call since `t0` (the hand-out is its work too). */
  private runMine(kind: Kind, input: Float32Array, [start, count]: [number, number], result: Float32Array | Int32Array, t0: number): void {
    const local = this.local!, inSize = this.inputSize, per = kind === 'run' ? this.outputSize : 1;
    const x = input.subarray(start * inSize, (start + count) * inSize);
    if (kind === 'run') local.run(x, count, (result as Float32Array).subarray(start * per, (start + count) * per));
    else local.predict(x, count, (result as Int32Array).subarray(start, start + count));
    this.timed(this.threads - 1, count, performance.now() - t0);
  }

  /** Notes thread `t`'s speed on a chunk of `count` samples that took it `ms`. */
  private timed(t: number, count: number, ms: number): void {
    if (count < MIN_TIMED || !(ms > 0)) return;
    const r = this.recent[t];
    r.push(count / ms);
    if (r.length > RECENT) r.shift();
  }

  /**
   * Takes back the fast jobs of the first `count` workers that have not taken theirs yet (still
   * CLAIMED: the worker takes a job with a compareExchange to IDLE, so exactly one side wins); they
   * resolve at once, and the worker, when it wakes, finds itself WAITING again.
   */
  private revoke(count: number): void {
    for (let w = 0; w < count; w++) {
      const member = this.members[w], c = member.control, pending = member.pending;
      if (!c || !member.poll || !pending || Atomics.compareExchange(c, Slot.STATE, State.CLAIMED, State.WAITING) !== State.CLAIMED) continue;
      Atomics.sub(this.sync!, Sync.LEFT, 1);
      member.pending = member.poll = undefined;
      pending.resolve(undefined);
    }
  }

  /** Wakes every lingering worker: each then looks at its own state. */
  private ring(): void {
    Atomics.add(this.sync!, Sync.BELL, 1);
    Atomics.notify(this.sync!, Sync.BELL);
  }

  /**
   * The caller, done with its chunk: waits here (Atomics.wait, where this thread may block) for the
   * workers' fast jobs, for at most as long as its chunk took, rather than through the event loop.
   * Jobs not done by then (a slow or a dead worker) are left to the asynchronous wait.
   */
  private awaitWorkers(ms: number): void {
    const sync = this.sync!, until = performance.now() + Math.max(1, ms);
    for (let left = Atomics.load(sync, Sync.LEFT), time = until - performance.now(); left > 0 && time > 0 && this.blocking; left = Atomics.load(sync, Sync.LEFT), time = until - performance.now()) {
      try {
        Atomics.wait(sync, Sync.LEFT, left, time);
      } catch {
        this.blocking = false; // a browser's main thread may not block
      }
    }
    this.watch();
  }

  /**
   * Settles the fast jobs once none is running (the last worker to finish notifies LEFT), waiting
   * with Atomics.waitAsync; its timeout only bounds how long a wait outlives a closed pool.
   */
  private watch(): void {
    const sync = this.sync!, left = Atomics.load(sync, Sync.LEFT);
    if (left === 0 || this.closedBy) {
      for (const m of this.members) m.poll?.();
      return;
    }
    const wait = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<unknown> | string } }).waitAsync(sync, Sync.LEFT, left, 1000);
    if (wait.async) void (wait.value as Promise<unknown>).then(() => this.watch());
    else this.watch();
  }

  /**
   * Hands a job to worker w through its control block when it is lingering there with these buffers
   * (it starts when the bell rings; resolving when watch sees it done); undefined when the job must
   * go as a message (the worker is released from lingering first, so it reads it).
   */
  private handOver(w: number, kind: Kind, input: Float32Array, output: Float32Array | Int32Array, count: number, ready: boolean): Promise<Done | undefined> | undefined {
    const member = this.members[w], c = member.control;
    if (!c || this.closedBy) return undefined;
    const same = member.sent?.input === input.buffer && member.sent.output === output.buffer && member.sent.claims === this.claims.buffer && (member.sent.ready || !ready);
    if (!same) {
      member.sent = { input: input.buffer, output: output.buffer, claims: this.claims.buffer, ready };
      if (Atomics.compareExchange(c, Slot.STATE, State.WAITING, State.RELEASED) === State.WAITING) this.ring(); // it waits on the bell
      return undefined;
    }
    const seq = ++member.seq;
    Atomics.store(c, Slot.SEQ, seq);
    Atomics.store(c, Slot.KIND, kind === 'run' ? 0 : 1);
    Atomics.store(c, Slot.IN, input.byteOffset / 4);
    Atomics.store(c, Slot.COUNT, count);
    Atomics.store(c, Slot.OUT, output.byteOffset / 4);
    Atomics.store(c, Slot.READY, ready ? 1 : 0);
    Atomics.add(this.sync!, Sync.LEFT, 1);
    if (Atomics.compareExchange(c, Slot.STATE, State.WAITING, State.CLAIMED) !== State.WAITING) {
      Atomics.sub(this.sync!, Sync.LEFT, 1);
      member.seq--; // it went back to its event loop: a message then
      return undefined;
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject };
      member.pending = pending;
      member.poll = () => {
        if (member.pending !== pending) return (member.poll = undefined); // failed or closed meanwhile: already rejected
        if (Atomics.load(c, Slot.DONE) !== seq) return; // it threw: its message rejects the call
        member.pending = member.poll = undefined;
        resolve(undefined);
      };
    });
  }

  private send(w: number, job: ToWorker, transfer: Transferable[]): Promise<Done | undefined> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    const member = this.members[w];
    return new Promise((resolve, reject) => {
      member.pending = { resolve, reject };
      member.thread!.post(job, transfer);
    });
  }

  private onMessage(w: number, m: FromWorker): void {
    const member = this.members[w];
    if (m.type === 'started') {
      // member.thread is set: startThread returned before any event of its worker could be dispatched
      if (this.fast) member.control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
      const load: ToWorker = { type: 'load', bytes: this.bytes!, options: this.loadOptions, control: member.control, sync: this.sync };
      member.thread!.post(load);
      return;
    }
    const pending = member.pending;
    member.pending = undefined;
    if (!pending) return;
    if (m.type === 'loaded') {
      this.model = m;
      this.inSize = m.inputShape.reduce((a, b) => a * b, 1);
      this.outSize = m.outputShape.reduce((a, b) => a * b, 1);
      pending.resolve(undefined);
    } else if (m.type === 'done') pending.resolve(m);
    else pending.reject(fromWire(m.error, `worker ${w + 1} of ${this.members.length}`));
  }

  private onFail(w: number, why: string): void {
    if (this.closedBy) return; // exits after close() or after a first failure are expected
    this.shutdown(new RuntimeError('worker_failed', `worker ${w + 1} of ${this.members.length} ${why}; the pool is closed: create a new one with createPool`));
  }

  /** Rejects whatever is pending with `reason` and terminates every worker; later calls reject with it too. */
  private shutdown(reason: RuntimeError): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    for (const m of this.members) {
      m.pending?.reject(reason);
      m.pending = undefined;
    }
    this.terminated = Promise.allSettled(this.members.map((m) => m.thread?.terminate()));
  }

  // The same buffers call after call keep the workers on the fast path (new buffers go by message):
  // grown only for a larger call, and then by half again at least, so steadily growing calls rarely regrow them.
  private stagedInput(length: number): Float32Array {
    if (this.stageIn.length < length) this.stageIn = new Float32Array(new SharedArrayBuffer(grown(this.stageIn.length, length) * 4));
    return this.stageIn.subarray(0, length);
  }

  private stagedOutput(kind: Kind, length: number): Float32Array | Int32Array {
    if ((this.stageOut?.byteLength ?? 0) < length * 4) this.stageOut = new SharedArrayBuffer(grown((this.stageOut?.byteLength ?? 0) / 4, length) * 4);
    return kind === 'run' ? new Float32Array(this.stageOut!, 0, length) : new Int32Array(this.stageOut!, 0, length);
  }

  /** The claims for a call of `runs` runs, all unclaimed. */
  private claimsFor(runs: number): Int32Array {
    if (this.claims.length < 1 + runs) this.claims = new Int32Array(new SharedArrayBuffer(4 * grown(this.claims.length, 1 + runs)));
    this.claims.fill(0, 0, 1 + runs); // before the jobs are handed out, which orders it before the workers' claims
    return this.claims;
  }
}

/**
 * Copies an ordinary input into shared memory a run at a time from the front, and after each run
 * publishes how many samples are there in `ready` (Atomics.store, then notify: a worker that got
 * ahead waits on it with Atomics.wait).
 */
class Filler {
  private copied = 0;

  constructor(private readonly from: Float32Array, private readonly to: Float32Array, private readonly n: number, private readonly inSize: number, private readonly run: number, readonly ready: Int32Array) {
    Atomics.store(ready, 0, 0);
  }

  /** Copies until the first `samples` samples are there (no more than the call has). */
  copyTo(samples: number): void {
    const until = Math.min(samples, this.n);
    while (this.copied < until) {
      const end = Math.min(until, this.copied + this.run);
      this.to.set(this.from.subarray(this.copied * this.inSize, end * this.inSize), this.copied * this.inSize);
      this.copied = end;
      Atomics.store(this.ready, 0, end);
      Atomics.notify(this.ready, 0);
    }
  }
}

/**
 * `n` samples as one contiguous [start, count] chunk per thread, sized to the threads' speeds
 * (samples per ms; 0: not measured yet, taken as the average of the others, or all equal), each
 * within SPREAD times of the average. Counts sum to n; some are 0 when n is below the thread count.
 */
export function split(n: number, speeds: readonly number[]): [start: number, count: number][] {
  const known = speeds.filter((s) => s > 0);
  const mean = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  const v = speeds.map((s) => Math.min(Math.max(s > 0 ? s : mean, mean / SPREAD), mean * SPREAD));
  const total = v.reduce((a, b) => a + b, 0);
  const ideal = v.map((s) => (n * s) / total);
  const counts = ideal.map(Math.floor);
  // the samples left by rounding down go to the largest remainders (the first thread on ties)
  const order = ideal.map((x, t) => [x - counts[t], t]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let left = n - counts.reduce((a, b) => a + b, 0), i = 0; left > 0; left--, i++) counts[order[i % counts.length][1]]++;
  const chunks: [number, number][] = [];
  for (let t = 0, start = 0; t < counts.length; start += counts[t], t++) chunks.push([start, counts[t]]);
  return chunks;
}

/** A buffer's new length for `need` elements when it holds `had`: need, or half again as many as it had if that is more. */
function grown(had: number, need: number): number {
  return Math.max(need, Math.ceil(had * 1.5));
}

/** The median of `values`; 0 for none. */
function median(values: readonly number[]): number {
  return values.length > 0 ? [...values].sort((a, b) => a - b)[values.length >> 1] : 0;
}

function outputOrNew<T extends Float32Array | Int32Array>(output: unknown, type: { new (n: number): T; name: string }, n: number): T {
  return output === undefined ? new type(n) : checkOutput(output, type, n, 'a new array');
}
