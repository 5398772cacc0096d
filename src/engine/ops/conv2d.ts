// conv2d, NHWC, Keras kernel layout [kh, kw, cin, cout], 'valid' or 'same' padding (TF's rule: the
// extra padding row/column goes to the bottom/right), any stride. Forward and backward side by side.
//   y[n,oy,ox,co] = b[co] + sum_{ky,kx,ci} x[n, oy*sh+ky-pt, ox*sw+kx-pl, ci] * w[ky,kx,ci,co]
// Out-of-image taps read 0. These loops are the reference the WASM training kernels are tested against.
import { ShapeError } from '../../errors.js';

export type Padding = 'valid' | 'same';

export interface Conv2dGeometry {
  inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kh: number; kw: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
}

/** Output size and padding of one spatial dim, as TensorFlow computes them. */
export function convOutput(inSize: number, k: number, stride: number, padding: Padding): { out: number; padBefore: number } {
  if (padding === 'valid') return { out: Math.floor((inSize - k) / stride) + 1, padBefore: 0 };
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

export function conv2dGeometry(
  inShape: readonly number[], kernel: [number, number], filters: number, strides: [number, number], padding: Padding,
): Conv2dGeometry {
  if (inShape.length !== 3) throw new ShapeError('BAD_RANK', `conv2d expects [h, w, c] inputs, got [${inShape.join(', ')}]; add a reshape first`);
  const [inH, inW, inC] = inShape;
  const [kh, kw] = kernel;
  const [strideH, strideW] = strides;
  const h = convOutput(inH, kh, strideH, padding);
  const w = convOutput(inW, kw, strideW, padding);
  if (h.out < 1 || w.out < 1) {
    throw new ShapeError('CONV_TOO_SMALL', `conv2d kernel ${kh}x${kw} does not fit a ${inH}x${inW} input with '${padding}' padding; use 'same' padding or a smaller kernel`);
  }
  return { inH, inW, inC, outH: h.out, outW: w.out, outC: filters, kh, kw, strideH, strideW, padTop: h.padBefore, padLeft: w.padBefore };
}

export function conv2dForward(x: Float32Array, w: Float32Array, b: Float32Array, y: Float32Array, batch: number, g: Conv2dGeometry): void {
  const { inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, padTop, padLeft } = g;
  for (let n = 0; n < batch; n++) {
    const xBase = n * inH * inW * inC;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((n * outH + oy) * outW + ox) * outC;
        for (let co = 0; co < outC; co++) y[yo + co] = b[co];
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * strideH + ky - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * strideW + kx - padLeft;
            if (ix < 0 || ix >= inW) continue;
            const xo = xBase + (iy * inW + ix) * inC;
            const wo = (ky * kw + kx) * inC * outC;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[xo + ci];
              if (xv === 0) continue;
              const wr = wo + ci * outC;
              for (let co = 0; co < outC; co++) y[yo + co] += xv * w[wr + co];
            }
          }
        }
      }
    }
  }
}

/** Adds dL/dw and dL/db into dw, db; writes dL/dx into dx unless it is null (first layer). */
export function conv2dBackward(
  x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array | null, dw: Float32Array, db: Float32Array,
  batch: number, g: Conv2dGeometry,
): void {
  const { inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, padTop, padLeft } = g;
  if (dx) dx.fill(0, 0, batch * inH * inW * inC);
  for (let n = 0; n < batch; n++) {
    const xBase = n * inH * inW * inC;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((n * outH + oy) * outW + ox) * outC;
        for (let co = 0; co < outC; co++) db[co] += dy[yo + co];
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * strideH + ky - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * strideW + kx - padLeft;
            if (ix < 0 || ix >= inW) continue;
            const xo = xBase + (iy * inW + ix) * inC;
            const wo = (ky * kw + kx) * inC * outC;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[xo + ci];
              const wr = wo + ci * outC;
              let s = 0;
              for (let co = 0; co < outC; co++) {
                const d = dy[yo + co];
                dw[wr + co] += xv * d;
                s += w[wr + co] * d;
              }
              if (dx) dx[xo + ci] += s;
            }
          }
        }
      }
    }
  }
}
