// A pool worker (pool.ts starts it; not imported by anything): one interpreter of its own, loaded
// from the bytes the pool sends, running the contiguous slice of each call the pool hands it.
import { loadModel, loadScalar, type Interpreter } from './index.js';
import { toWire, type FromWorker, type ToWorker } from './pool_messages.js';
import { parentPort } from './threads.js';

const port = await parentPort();
const reply = (m: FromWorker, transfer?: Transferable[]) => port.post(m, transfer);
let model: Interpreter | undefined;

port.listen(async (data) => {
  const m = data as ToWorker;
  if (m.type === 'load') {
    try {
      if (m.options.simd === false) await loadScalar(); // outside Node the scalar build is a chunk of its own
      model = loadModel(m.bytes, m.options);
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
      // into the pool's shared output, as the samples arrive when the pool is still copying them
      const ms = m.ready ? runAsCopied(interp, m, m.ready) : timed(() => runInto(interp, m, 0, m.count));
      reply({ type: 'done', id: m.id, ms });
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

type Job = Extract<ToWorker, { type: 'job' }>;

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Samples [from, to) of the job into its output. */
function runInto(model: Interpreter, m: Job, from: number, to: number): void {
  const x = m.input.subarray(from * model.inputSize, to * model.inputSize);
  if (m.kind === 'run') model.run(x, to - from, (m.output as Float32Array).subarray(from * model.outputSize, to * model.outputSize));
  else model.predict(x, to - from, (m.output as Int32Array).subarray(from, to));
}

/** The job a run of maxBatch at a time, each once the pool has copied its samples; returns the ms spent running (not waiting). */
function runAsCopied(model: Interpreter, m: Job, ready: Int32Array): number {
  let ms = 0;
  for (let s = 0; s < m.count; s += model.maxBatch) {
    const e = Math.min(m.count, s + model.maxBatch);
    for (let have = Atomics.load(ready, 0); have < e; have = Atomics.load(ready, 0)) Atomics.wait(ready, 0, have);
    ms += timed(() => runInto(model, m, s, e));
  }
  return ms;
}
