// The engine backend over the WASM training kernels (assembly/train/): the EngineBackend signatures of
// the TypeScript reference (./backend.ts), with every buffer in the backend's own linear memory.
//
// Memory is reserved once, at creation, and never grown: memory.grow detaches every Float32Array view
// handed out so far, and a detached view reads undefined and drops writes without a word. The
// reservation is virtual until touched (256 MiB by default costs nothing up front); alloc() bump-
// allocates from it and throws a ConfigError naming the fix when it runs out. Ops check that their
// arrays are views into this memory and long enough for the geometry, then pass byte offsets.
//
// Every geometry is accelerated: 'same' padding is copied into a zero-padded scratch image (and the
// input gradient copied back out) so the conv kernels only see 'valid'; dense is a 1x1 conv over a
// 1 x batch image; input gradients run as forward convs (stride 1: dy padded, kernel rotated; dense:
// dy through w transposed) or, for strided convs, as a scatter kernel. Tests:
// test/engine/wasm_backend.test.ts.
import { ConfigError, ShapeError } from '../errors.js';
import type { EngineBackend } from './backend.js';
import type { Conv2dGeometry } from './ops/conv2d.js';
import type { DenseGeometry } from './ops/dense.js';
import type { MaxPool2dGeometry } from './ops/maxpool2d.js';
import { TRAIN_SCALAR_WASM_BASE64, TRAIN_SIMD_WASM_BASE64 } from './train_wasm.gen.js';

export type Isa = 'simd' | 'scalar';

export interface WasmBackendOptions {
  /** true: the SIMD build (throws if unsupported); false: the scalar build; default: SIMD when it validates. */
  simd?: boolean;
  /** Linear memory reserved up front, in MiB (default 256; virtual until used). The seed model needs about 4. */
  memoryMiB?: number;
}

export interface WasmEngineBackend extends EngineBackend {
  readonly isa: Isa;
  /** Bytes handed out so far (params, activations, scratch) and reserved in all. */
  memoryUsage(): { used: number; reserved: number };
}

/** The kernels of assembly/train/index.ts: byte offsets and int dims in, nothing managed. */
interface TrainKernels {
  heap_base(): number;
  /** b = 0: no bias. */
  conv2d_forward(x: number, w: number, b: number, y: number, params: number): void;
  conv2d_backward_filter(x: number, dy: number, dw: number, db: number, params: number): void;
  conv2d_backward_input(wT: number, dy: number, dx: number, params: number): void;
  transpose_taps(src: number, dst: number, taps: number, rows: number, cols: number, flip: boolean): void;
  pad_nhwc(x: number, xp: number, params: number): void;
  unpad_nhwc(dxp: number, dx: number, params: number): void;
  maxpool2d_forward(x: number, y: number, params: number): void;
  maxpool2d_backward(x: number, dy: number, dx: number, params: number): void;
  relu_forward(x: number, y: number, n: number): void;
  relu_backward(y: number, dy: number, dx: number, n: number): void;
  adam_update(w: number, g: number, m: number, v: number, n: number, alpha: number, beta1: number, beta2: number, eps: number): void;
  fake_quant_forward(x: number, y: number, n: number, min: number, max: number, scale: number): void;
  fake_quant_backward(dy: number, x: number, dx: number, n: number, min: number, max: number): void;
  min_max(x: number, n: number, out: number): void;
}

const PAGE = 65536;
const DEFAULT_MIB = 256;
/** Kept free at the top: partial SIMD chunks read (never write) up to 12 bytes past a buffer. */
const SLACK = 64;
/** i32 fields of the geometry block (assembly/train/params.ts). */
const PARAM_FIELDS = 13;

let simdSupported: boolean | undefined;
let scalarSupported: boolean | undefined;
const compiled = new Map<Isa, WebAssembly.Module>();

function trainWasmBytes(isa: Isa): Uint8Array<ArrayBuffer> {
  const bin = atob(isa === 'simd' ? TRAIN_SIMD_WASM_BASE64 : TRAIN_SCALAR_WASM_BASE64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** True when this JavaScript engine validates the SIMD training build (checked once). */
export function wasmSimdSupported(): boolean {
  if (simdSupported === undefined) simdSupported = typeof WebAssembly === 'object' && WebAssembly.validate(trainWasmBytes('simd'));
  return simdSupported;
}

/** True when WebAssembly is there and validates the scalar training build. */
export function wasmSupported(): boolean {
  if (scalarSupported === undefined) scalarSupported = typeof WebAssembly === 'object' && WebAssembly.validate(trainWasmBytes('scalar'));
  return scalarSupported;
}

function trainModule(isa: Isa): WebAssembly.Module {
  let m = compiled.get(isa);
  if (!m) {
    m = new WebAssembly.Module(trainWasmBytes(isa));
    compiled.set(isa, m);
  }
  return m;
}

export function createWasmBackend(opts: WasmBackendOptions = {}): WasmEngineBackend {
  const isa: Isa = opts.simd === false || !wasmSimdSupported() ? 'scalar' : 'simd';
  if (opts.simd === true && isa !== 'simd') {
    throw new ConfigError('NO_WASM_SIMD', 'this JavaScript engine does not support WebAssembly SIMD; create the backend with {simd: false} for the scalar build');
  }
  const mib = opts.memoryMiB ?? DEFAULT_MIB;
  if (!Number.isInteger(mib) || mib < 1 || mib > 4095) {
    throw new ConfigError('BAD_MEMORY_SIZE', `memoryMiB must be an integer from 1 to 4095, got ${mib}`);
  }
  const pages = mib * (1024 * 1024 / PAGE);
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  } catch (e) {
    throw new ConfigError('WASM_MEMORY_RESERVE', `could not reserve ${mib} MiB of WebAssembly memory (${(e as Error).message}); pass a smaller memoryMiB (the seed model trains in 4)`);
  }
  const k = new WebAssembly.Instance(trainModule(isa), { env: { memory, abort } }).exports as unknown as TrainKernels;
  const name = `wasm-${isa}`;
  const buffer = memory.buffer;
  const end = buffer.byteLength - SLACK;
  let top = align16(k.heap_base());

  function reserve(bytes: number, what: string): number {
    const at = top;
    if (at + bytes > end) {
      throw new ConfigError('WASM_MEMORY_FULL', `the ${name} engine backend is out of memory: ${what} needs ${bytes} bytes, ${Math.max(end - at, 0)} of its ${mib} MiB are left; create it with createWasmBackend({memoryMiB: ${Math.min(4095, mib * 2)}}) (its memory cannot grow under live Float32Array views)`);
    }
    top = align16(at + bytes);
    return at;
  }

  const paramsAt = reserve(4 * PARAM_FIELDS, 'the geometry block');
  const params = new Int32Array(buffer, paramsAt, PARAM_FIELDS);
  /** min_max's two results. */
  const minMaxOut = new Float32Array(buffer, reserve(8, 'the min/max result'), 2);

  // Grow-only scratch regions (padded images, transposed kernels); never handed out as views.
  const scratch = new Map<string, { at: number; bytes: number }>();
  function scratchAt(key: string, bytes: number): number {
    const s = scratch.get(key);
    if (s && s.bytes >= bytes) return s.at;
    const at = reserve(bytes, `scratch '${key}'`);
    scratch.set(key, { at, bytes });
    return at;
  }

  /** Byte offset of `a`, after checking it lives in this memory and holds at least `need` floats. */
  function ptr(a: Float32Array, need: number, op: string, arg: string): number {
    if (a.buffer !== buffer) {
      throw new ConfigError('FOREIGN_ARRAY', `${name} ${op}: '${arg}' is not a view into this backend's memory; allocate it with backend.alloc() (or use the reference backend)`);
    }
    if (a.length < need) throw new ShapeError('ARRAY_TOO_SHORT', `${name} ${op}: '${arg}' has ${a.length} floats, the geometry needs ${need}`);
    return a.byteOffset;
  }

  function count(n: number, op: string, what: string): number {
    if (!Number.isInteger(n) || n < 0) throw new ShapeError('BAD_COUNT', `${name} ${op}: ${what} must be a non-negative integer, got ${n}`);
    return n;
  }

  function writeConv(batch: number, inH: number, inW: number, g: { inC: number; outH: number; outW: number; outC: number; kh: number; kw: number; strideH: number; strideW: number }): number {
    params[0] = batch; params[1] = inH; params[2] = inW; params[3] = g.inC;
    params[4] = g.outH; params[5] = g.outW; params[6] = g.outC;
    params[7] = g.kh; params[8] = g.kw; params[9] = g.strideH; params[10] = g.strideW;
    return paramsAt;
  }

  /** Rows and columns a conv reads: the padded image it sees, from the top-left padding on. */
  function paddedSize(g: Conv2dGeometry): { h: number; w: number; padded: boolean } {
    const h = (g.outH - 1) * g.strideH + g.kh;
    const w = (g.outW - 1) * g.strideW + g.kw;
    return { h, w, padded: g.padTop > 0 || g.padLeft > 0 || h > g.inH || w > g.inW };
  }

  function writePad(batch: number, g: Conv2dGeometry, h: number, w: number): number {
    params[0] = batch; params[1] = g.inH; params[2] = g.inW; params[3] = g.inC;
    params[4] = h; params[5] = w; params[11] = g.padTop; params[12] = g.padLeft;
    return paramsAt;
  }

  /** The conv's input as a 'valid' image: x itself, or x copied into zero-padded scratch. */
  function validInput(x: number, batch: number, g: Conv2dGeometry): { at: number; h: number; w: number } {
    const p = paddedSize(g);
    if (!p.padded) return { at: x, h: g.inH, w: g.inW };
    const at = scratchAt('padded x', 4 * batch * p.h * p.w * g.inC);
    k.pad_nhwc(x, at, writePad(batch, g, p.h, p.w));
    return { at, h: p.h, w: p.w };
  }

  /** w [taps, rows, cols] transposed to [taps, cols, rows] in scratch; `flip` also reverses the taps. */
  function transposed(w: number, taps: number, rows: number, cols: number, flip = false): number {
    const at = scratchAt('transposed w', 4 * taps * rows * cols);
    k.transpose_taps(w, at, taps, rows, cols, flip);
    return at;
  }

  /**
   * dx of a stride-1 'valid' conv over an inH x inW image (inH = outH + kh - 1) as a forward conv:
   * dx = conv(dy zero-padded by kh-1 / kw-1 on every side, w rotated 180 degrees, in/out swapped),
   * so it runs on the 4-pixel x 12-channel forward tiles instead of scattering.
   */
  function inputGradStride1(w: number, dy: number, dx: number, batch: number, inH: number, inW: number, g: Conv2dGeometry): void {
    const ph = g.outH + 2 * (g.kh - 1), pw = g.outW + 2 * (g.kw - 1);
    const dyp = scratchAt('padded dy', 4 * batch * ph * pw * g.outC);
    params[0] = batch; params[1] = g.outH; params[2] = g.outW; params[3] = g.outC;
    params[4] = ph; params[5] = pw; params[11] = g.kh - 1; params[12] = g.kw - 1;
    k.pad_nhwc(dy, dyp, paramsAt);
    const wf = transposed(w, g.kh * g.kw, g.inC, g.outC, true);
    k.conv2d_forward(dyp, wf, 0, dx, writeConv(batch, ph, pw, { inC: g.outC, outH: inH, outW: inW, outC: g.inC, kh: g.kh, kw: g.kw, strideH: 1, strideW: 1 }));
  }

  function denseAsConv(batch: number, g: DenseGeometry): number {
    return writeConv(1, 1, batch, { inC: g.inF, outH: 1, outW: batch, outC: g.outF, kh: 1, kw: 1, strideH: 1, strideW: 1 });
  }

  function writePool(batch: number, g: MaxPool2dGeometry): number {
    params[0] = batch; params[1] = g.inH; params[2] = g.inW; params[3] = g.c;
    params[4] = g.outH; params[5] = g.outW; params[6] = g.c;
    params[7] = g.ph; params[8] = g.pw; params[9] = g.strideH; params[10] = g.strideW;
    params[11] = g.padTop; params[12] = g.padLeft;
    return paramsAt;
  }

  return {
    name,
    isa,

    alloc(length: number): Float32Array {
      count(length, 'alloc', 'the length');
      return new Float32Array(buffer, reserve(4 * length, `alloc(${length})`), length);
    },

    memoryUsage() {
      return { used: top, reserved: buffer.byteLength };
    },

    conv2dForward(x, w, b, y, batch, g) {
      const op = 'conv2dForward';
      count(batch, op, 'batch');
      const xa = ptr(x, batch * g.inH * g.inW * g.inC, op, 'x');
      const wa = ptr(w, g.kh * g.kw * g.inC * g.outC, op, 'w');
      const ba = ptr(b, g.outC, op, 'b');
      const ya = ptr(y, batch * g.outH * g.outW * g.outC, op, 'y');
      const src = validInput(xa, batch, g);
      k.conv2d_forward(src.at, wa, ba, ya, writeConv(batch, src.h, src.w, g));
    },

    conv2dBackward(x, w, dy, dx, dw, db, batch, g) {
      const op = 'conv2dBackward';
      count(batch, op, 'batch');
      const inSize = batch * g.inH * g.inW * g.inC;
      const wSize = g.kh * g.kw * g.inC * g.outC;
      const xa = ptr(x, inSize, op, 'x');
      const wa = ptr(w, wSize, op, 'w');
      const dya = ptr(dy, batch * g.outH * g.outW * g.outC, op, 'dy');
      const dxa = dx ? ptr(dx, inSize, op, 'dx') : 0;
      const dwa = ptr(dw, wSize, op, 'dw');
      const dba = ptr(db, g.outC, op, 'db');
      const src = validInput(xa, batch, g);
      k.conv2d_backward_filter(src.at, dya, dwa, dba, writeConv(batch, src.h, src.w, g));
      if (!dx) return;
      // dx of the conv over src (the padded image when padded), cropped back to x's size after
      const dxv = src.at === xa ? dxa : scratchAt('padded dx', 4 * batch * src.h * src.w * g.inC);
      if (g.strideH === 1 && g.strideW === 1 && src.h === g.outH + g.kh - 1 && src.w === g.outW + g.kw - 1) {
        inputGradStride1(wa, dya, dxv, batch, src.h, src.w, g);
      } else {
        k.conv2d_backward_input(transposed(wa, g.kh * g.kw, g.inC, g.outC), dya, dxv, writeConv(batch, src.h, src.w, g));
      }
      if (dxv !== dxa) k.unpad_nhwc(dxv, dxa, writePad(batch, g, src.h, src.w));
    },

    denseForward(x, w, b, y, batch, g) {
      const op = 'denseForward';
      count(batch, op, 'batch');
      const xa = ptr(x, batch * g.inF, op, 'x');
      const wa = ptr(w, g.inF * g.outF, op, 'w');
      const ba = ptr(b, g.outF, op, 'b');
      const ya = ptr(y, batch * g.outF, op, 'y');
      k.conv2d_forward(xa, wa, ba, ya, denseAsConv(batch, g));
    },

    denseBackward(x, w, dy, dx, dw, db, batch, g) {
      const op = 'denseBackward';
      count(batch, op, 'batch');
      const xa = ptr(x, batch * g.inF, op, 'x');
      const wa = ptr(w, g.inF * g.outF, op, 'w');
      const dya = ptr(dy, batch * g.outF, op, 'dy');
      const dxa = dx ? ptr(dx, batch * g.inF, op, 'dx') : 0;
      const dwa = ptr(dw, g.inF * g.outF, op, 'dw');
      const dba = ptr(db, g.outF, op, 'db');
      k.conv2d_backward_filter(xa, dya, dwa, dba, denseAsConv(batch, g));
      // dx = dy w^T is a forward pass of dy through w^T (no bias): the 4-sample x 12-feature tiles
      if (dx) k.conv2d_forward(dya, transposed(wa, 1, g.inF, g.outF), 0, dxa, denseAsConv(batch, { inF: g.outF, outF: g.inF }));
    },

    maxPool2dForward(x, y, batch, g) {
      const op = 'maxPool2dForward';
      count(batch, op, 'batch');
      const xa = ptr(x, batch * g.inH * g.inW * g.c, op, 'x');
      const ya = ptr(y, batch * g.outH * g.outW * g.c, op, 'y');
      k.maxpool2d_forward(xa, ya, writePool(batch, g));
    },

    maxPool2dBackward(x, dy, dx, batch, g) {
      const op = 'maxPool2dBackward';
      count(batch, op, 'batch');
      const xa = ptr(x, batch * g.inH * g.inW * g.c, op, 'x');
      const dya = ptr(dy, batch * g.outH * g.outW * g.c, op, 'dy');
      const dxa = ptr(dx, batch * g.inH * g.inW * g.c, op, 'dx');
      k.maxpool2d_backward(xa, dya, dxa, writePool(batch, g));
    },

    reluForward(x, y, n) {
      count(n, 'reluForward', 'n');
      k.relu_forward(ptr(x, n, 'reluForward', 'x'), ptr(y, n, 'reluForward', 'y'), n);
    },

    reluBackward(y, dy, dx, n) {
      count(n, 'reluBackward', 'n');
      k.relu_backward(ptr(y, n, 'reluBackward', 'y'), ptr(dy, n, 'reluBackward', 'dy'), ptr(dx, n, 'reluBackward', 'dx'), n);
    },

    adamUpdate(w, g, m, v, alpha, beta1, beta2, eps) {
      const n = w.length;
      k.adam_update(ptr(w, n, 'adamUpdate', 'w'), ptr(g, n, 'adamUpdate', 'g'), ptr(m, n, 'adamUpdate', 'm'), ptr(v, n, 'adamUpdate', 'v'), n, alpha, beta1, beta2, eps);
    },

    fakeQuantForward(x, y, n, min, max, scale) {
      count(n, 'fakeQuantForward', 'n');
      k.fake_quant_forward(ptr(x, n, 'fakeQuantForward', 'x'), ptr(y, n, 'fakeQuantForward', 'y'), n, min, max, scale);
    },

    fakeQuantBackward(dy, x, dx, n, min, max) {
      count(n, 'fakeQuantBackward', 'n');
      k.fake_quant_backward(ptr(dy, n, 'fakeQuantBackward', 'dy'), ptr(x, n, 'fakeQuantBackward', 'x'), ptr(dx, n, 'fakeQuantBackward', 'dx'), n, min, max);
    },

    minMaxOf(x, n) {
      count(n, 'minMaxOf', 'n');
      k.min_max(ptr(x, n, 'minMaxOf', 'x'), n, minMaxOut.byteOffset);
      return { min: minMaxOut[0], max: minMaxOut[1] };
    },
  };
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16; // arithmetic, not bit ops: offsets may pass 2^31
}

/** AssemblyScript's abort import (the release builds have no asserts, so only a bug reaches it). */
function abort(_msg: number, _file: number, line: number, column: number): never {
  throw new Error(`topiary training kernel aborted at line ${line}:${column}`);
}
