// A pool worker (pool.ts starts it; not imported by anything): one interpreter of its own, loaded
// from the bytes the pool sends. In shared memory it claims runs of each call until none is left
// (pool_messages.ts, claimFront) and lingers after each job for the next one (Slot); by message it
// runs the contiguous slice it is sent.
import type { Interpreter } from './index.js';
import { claimFront, LINGER_MS, runtimeEntry, Slot, State, Sync, toWire, type FromWorker, type SharedJob, type ToWorker } from './pool_messages.js';
import { parentPort } from './threads.js';

type Job = Extract<ToWorker, { type: 'job' }>;
type Shared = Job & SharedJob;

const port = await parentPort();
const reply = (m: FromWorker, transfer?: Transferable[]) => port.post(m, transfer);
let model: Interpreter | undefined;
let control: Int32Array | undefined;
let sync: Int32Array | undefined;

port.listen(async (data) => {
  const m = data as ToWorker;
  if (m.type === 'load') {
    try {
      const { loadModel, loadScalar } = await runtimeEntry(m.options.runtime);
      if (m.options.simd === false) await loadScalar(); // outside Node the scalar build is a chunk of its own
      model = loadModel(m.bytes, m.options);
      [control, sync] = [m.control, m.sync];
      reply({ type: 'loaded', isa: model.isa, inputShape: [...model.inputShape], outputShape: [...model.outputShape] });
    } catch (e) {
      reply({ type: 'failed', error: toWire(e) });
    }
    return;
  }
  try {
    if (!model) throw new Error('a job came before the model was loaded');
    const interp = model;
    if (m.output) {
      // the runs it claims, into the pool's shared output, as the samples arrive when the pool is still copying them
      const ms = runShared(interp, m);
      if (control) Atomics.store(control, Slot.STATE, State.WAITING); // before the pool can hear of it: see linger
      reply({ type: 'done', id: m.id, ms });
      if (control) linger(interp, control, sync!, m); // later jobs on these buffers may come the fast way
    } else {
      // into the interpreter's buffer, then a copy whose memory moves to the pool (transferred, not cloned)
      let output: Float32Array | Int32Array = new Float32Array(0);
      const ms = timed(() => (output = (m.kind === 'run' ? interp.run(m.input, m.count) : interp.predict(m.input, m.count)).slice()));
      reply({ type: 'done', id: m.id, ms, output }, [output.buffer]);
    }
  } catch (e) {
    reply({ type: 'failed', id: m.id, error: toWire(e) });
  }
});
reply({ type: 'started' });

/**
 * Waits (up to LINGER_MS each time) for jobs handed over in `c` and runs them, until a wait times
 * out or the pool releases it to send a message; then returns to the event loop. The state is
 * WAITING before the pool hears that the last job is done, so the pool's next call never finds
 * it IDLE while it is about to wait (a message then would sit unread for LINGER_MS).
 */
function linger(interp: Interpreter, c: Int32Array, sync: Int32Array, job: Shared): void {
  // IN and OUT are element offsets from the start of the buffers
  const inSize = interp.inputSize;
  for (let until = performance.now() + LINGER_MS; ;) {
    // the bell is read before the state: a job handed over after this read rings it after
    const bell = Atomics.load(sync, Sync.BELL), time = until - performance.now(), state = Atomics.load(c, Slot.STATE);
    if (state === State.WAITING) {
      if (time > 0) Atomics.wait(sync, Sync.BELL, bell, time); // the bell may ring for other workers' jobs
      else if (Atomics.compareExchange(c, Slot.STATE, State.WAITING, State.IDLE) === State.WAITING) return; // timed out
      continue;
    }
    if (state !== State.CLAIMED) return Atomics.store(c, Slot.STATE, State.IDLE), undefined; // released
    // taken with a compareExchange: until then the pool may take the job back (Pool.revoke), and the slots are read after
    if (Atomics.compareExchange(c, Slot.STATE, State.CLAIMED, State.IDLE) !== State.CLAIMED) continue;
    const kind = Atomics.load(c, Slot.KIND) === 0 ? 'run' : 'predict';
    const at = Atomics.load(c, Slot.IN), count = Atomics.load(c, Slot.COUNT), out = Atomics.load(c, Slot.OUT);
    const input = new Float32Array(job.input.buffer, at * 4, count * inSize);
    const output = kind === 'run' ? new Float32Array(job.output.buffer, out * 4, count * interp.outputSize) : new Int32Array(job.output.buffer, out * 4, count);
    const m: Shared = { type: 'job', id: -1, kind, count, input, output, claims: job.claims, run: job.run, ready: Atomics.load(c, Slot.READY) ? job.ready : undefined };
    try {
      runShared(interp, m);
      Atomics.store(c, Slot.STATE, State.WAITING);
      Atomics.store(c, Slot.DONE, Atomics.load(c, Slot.SEQ));
    } finally {
      if (Atomics.sub(sync, Sync.LEFT, 1) === 1) Atomics.notify(sync, Sync.LEFT); // the last one out
    }
    until = performance.now() + LINGER_MS;
  }
}

/** Claims runs of the call (from the front) and runs each, once the pool has copied its samples; returns the ms spent running (not waiting). */
function runShared(model: Interpreter, m: Shared): number {
  const run = m.run, runs = Math.ceil(m.count / run), ready = m.ready;
  let ms = 0;
  for (let r = claimFront(m.claims, runs); r >= 0; r = claimFront(m.claims, runs)) {
    const s = r * run, e = Math.min(m.count, s + run);
    if (ready) for (let have = Atomics.load(ready, 0); have < e; have = Atomics.load(ready, 0)) Atomics.wait(ready, 0, have);
    const t = performance.now();
    runInto(model, m, s, e);
    ms += performance.now() - t;
  }
  return ms;
}

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Samples [from, to) of the job into its output. */
function runInto(model: Interpreter, m: Shared, from: number, to: number): void {
  const x = m.input.subarray(from * model.inputSize, to * model.inputSize);
  if (m.kind === 'run') model.run(x, to - from, (m.output as Float32Array).subarray(from * model.outputSize, to * model.outputSize));
  else model.predict(x, to - from, (m.output as Int32Array).subarray(from, to));
}
