// The example page: loads topiary/runtime/int8 (bundled by build.mjs into ./runtime/; the model is
// int8, so the page needs neither the f32 kernels nor their packers) and a model file,
// then classifies the digit drawn on the pad or a test digit clicked below it; a pool of Web Workers
// classifies the test digits once as well. `window.demo` exposes the results to test/browser.
import { createPool } from './runtime/pool.js';
import { loadModel } from './runtime/int8.js';

const $ = (id) => document.getElementById(id);
const SIDE = 28, PIXELS = SIDE * SIDE;
const LATENCY_CALLS = 200; // browsers coarsen performance.now(), so time many calls and divide

const [bytes, samples] = await Promise.all([
  fetch('digits.tpy').then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b)),
  fetch('samples.json').then((r) => r.json()),
]);
const model = loadModel(bytes);
$('model-bytes').textContent = bytes.length.toLocaleString('en');
$('isa').textContent = model.isa === 'simd' ? 'SIMD' : 'scalar';

// samples.json: test digits as bytes (pixel x 255), base64; the model takes floats in [0, 1]
const raw = Uint8Array.from(atob(samples.pixels), (c) => c.charCodeAt(0));
const sampleImages = Float32Array.from(raw, (v) => v / 255);

/** Classifies one 28 x 28 image: the digit, its logits and the mean time of one call. */
function classify(pixels) {
  const logits = model.run(pixels, 1).slice();
  const t0 = performance.now();
  for (let i = 0; i < LATENCY_CALLS; i++) model.run(pixels, 1);
  const micros = ((performance.now() - t0) * 1000) / LATENCY_CALLS;
  const digit = logits.indexOf(Math.max(...logits));
  return { digit, logits: Array.from(logits), micros, pixels: Array.from(pixels) };
}

function show(result) {
  $('prediction').textContent = String(result.digit);
  $('latency').textContent = `${result.micros.toFixed(1)} µs per digit on this thread (mean of ${LATENCY_CALLS} calls)`;
  const probs = softmax(result.logits);
  $('bars').replaceChildren(...probs.flatMap((p, d) => {
    const label = document.createElement('span');
    label.textContent = String(d);
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${Math.max(1, p * 100)}%`;
    return [label, bar];
  }));
  demo.last = result;
}

function softmax(logits) {
  const top = Math.max(...logits), e = logits.map((v) => Math.exp(v - top)), sum = e.reduce((a, b) => a + b);
  return e.map((v) => v / sum);
}

// --- test digits ---------------------------------------------------------------------------------
const thumbs = samples.labels.map((label, i) => {
  const c = document.createElement('canvas');
  c.width = c.height = SIDE;
  c.title = `test digit ${i}: a ${label}`;
  c.dataset.index = String(i);
  const img = c.getContext('2d').createImageData(SIDE, SIDE);
  for (let p = 0; p < PIXELS; p++) {
    const v = raw[i * PIXELS + p];
    img.data.set([v, v, v, 255], p * 4);
  }
  c.getContext('2d').putImageData(img, 0, 0);
  c.addEventListener('click', () => {
    thumbs.forEach((t) => t.classList.toggle('on', t === c));
    show(classify(sampleImages.subarray(i * PIXELS, (i + 1) * PIXELS)));
  });
  return c;
});
$('samples').replaceChildren(...thumbs);

// --- drawing pad ---------------------------------------------------------------------------------
const pad = $('pad'), ink = pad.getContext('2d', { willReadFrequently: true });
function clearPad() {
  ink.fillStyle = '#000';
  ink.fillRect(0, 0, pad.width, pad.height);
}
clearPad();
ink.strokeStyle = '#fff';
ink.lineWidth = 22;
ink.lineCap = ink.lineJoin = 'round';
let drawing = false;
const at = (e) => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
};
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  pad.setPointerCapture(e.pointerId);
  ink.beginPath();
  ink.moveTo(...at(e));
  ink.lineTo(...at(e));
  ink.stroke();
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  ink.lineTo(...at(e));
  ink.stroke();
});
pad.addEventListener('pointerup', () => {
  drawing = false;
  thumbs.forEach((t) => t.classList.remove('on'));
  const pixels = padPixels();
  if (pixels) show(classify(pixels));
});
$('clear').addEventListener('click', () => {
  clearPad();
  $('prediction').textContent = '–';
});

/**
 * The pad as MNIST draws its digits: the ink's bounding box scaled to fit 20 x 20, placed in 28 x 28
 * with its center of mass in the middle. Undefined when nothing is drawn.
 */
function padPixels() {
  const { data } = ink.getImageData(0, 0, pad.width, pad.height);
  let x0 = pad.width, y0 = pad.height, x1 = -1, y1 = -1;
  for (let y = 0; y < pad.height; y++) {
    for (let x = 0; x < pad.width; x++) {
      if (data[(y * pad.width + x) * 4] > 0) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return undefined;
  const w = x1 - x0 + 1, h = y1 - y0 + 1, s = 20 / Math.max(w, h);
  const small = document.createElement('canvas');
  small.width = small.height = SIDE;
  const g = small.getContext('2d', { willReadFrequently: true });
  const place = (dx, dy) => {
    g.fillStyle = '#000';
    g.fillRect(0, 0, SIDE, SIDE);
    g.drawImage(pad, x0, y0, w, h, (SIDE - w * s) / 2 + dx, (SIDE - h * s) / 2 + dy, w * s, h * s);
    const rgba = g.getImageData(0, 0, SIDE, SIDE).data;
    return Float32Array.from({ length: PIXELS }, (_, p) => rgba[p * 4] / 255);
  };
  const first = place(0, 0);
  let mass = 0, mx = 0, my = 0;
  first.forEach((v, p) => { mass += v; mx += v * (p % SIDE); my += v * Math.floor(p / SIDE); });
  return place(Math.round(SIDE / 2 - 0.5 - mx / mass), Math.round(SIDE / 2 - 0.5 - my / mass));
}

// --- the pool: the test digits on every hardware thread --------------------------------------------
async function poolRun(threads) {
  const pool = await createPool(bytes, { threads, runtime: 'int8' });
  try {
    const logits = await pool.run(sampleImages, samples.labels.length);
    const reps = 100, many = new Float32Array(reps * sampleImages.length);
    for (let r = 0; r < reps; r++) many.set(sampleImages, r * sampleImages.length);
    const times = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await pool.predict(many);
      times.push(performance.now() - t0);
    }
    const ms = times.sort((a, b) => a - b)[2]; // the median of 5
    return { threads: pool.threads, logits: Array.from(logits), ms, count: reps * samples.labels.length, shared: typeof SharedArrayBuffer === 'function' && crossOriginIsolated };
  } finally {
    await pool.close();
  }
}

const demo = {
  labels: samples.labels,
  isa: model.isa,
  classify: (pixels) => classify(Float32Array.from(pixels)),
  /** Logits of every test digit on this thread. */
  sampleLogits: () => Array.from(model.run(sampleImages, samples.labels.length)),
  poolRun,
  last: undefined,
  bytes,
  createPool,
};
window.demo = demo;

thumbs[0].click();
const pooled = await poolRun(navigator.hardwareConcurrency || 2);
const single = demo.sampleLogits();
const agree = pooled.logits.every((v, i) => Object.is(v, single[i]));
$('pool').textContent = `${pooled.threads} Web Workers: ${pooled.count.toLocaleString('en')} digits in ${pooled.ms.toFixed(1)} ms (median of 5)` +
  ` (${pooled.shared ? 'shared memory' : 'copied chunks'}); their logits ${agree ? 'equal' : 'DIFFER from'} this thread's.`;
document.body.dataset.ready = 'true';
