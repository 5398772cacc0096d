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
    // Into the shared output when the pool gave one; else into the interpreter's buffer, then a copy
    // whose memory moves to the pool (transferred, not cloned).
    const t = performance.now();
    const out = m.kind === 'run'
      ? model.run(m.input, m.count, m.output as Float32Array | undefined)
      : model.predict(m.input, m.count, m.output as Int32Array | undefined);
    const ms = performance.now() - t;
    if (m.output) reply({ type: 'done', id: m.id, ms });
    else {
      const copy = out.slice();
      reply({ type: 'done', id: m.id, ms, output: copy }, [copy.buffer]);
    }
  } catch (e) {
    reply({ type: 'failed', id: m.id, error: toWire(e) });
  }
});
reply({ type: 'started' });
