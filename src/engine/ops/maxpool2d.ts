// maxpool2d, NHWC, 'valid' or 'same' padding (padded cells never win). The gradient goes to the
// first maximum of each window in row-major order, as TensorFlow's MaxPoolGrad does.
import { ShapeError } from '../../errors.js';
import { convOutput, type Padding } from './conv2d.js';

export interface MaxPool2dGeometry {
  inH: number; inW: number; c: number;
  outH: number; outW: number;
  ph: number; pw: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
}

export function maxPool2dGeometry(inShape: readonly number[], pool: [number, number], strides: [number, number], padding: Padding): MaxPool2dGeometry {
  if (inShape.length !== 3) throw new ShapeError('BAD_RANK', `maxpool2d expects [h, w, c] inputs, got [${inShape.join(', ')}]`);
  const [inH, inW, c] = inShape;
  const h = convOutput(inH, pool[0], strides[0], padding);
  const w = convOutput(inW, pool[1], strides[1], padding);
  if (h.out < 1 || w.out < 1) throw new ShapeError('POOL_TOO_SMALL', `maxpool2d window ${pool[0]}x${pool[1]} does not fit a ${inH}x${inW} input; use 'same' padding or a smaller pool`);
  return { inH, inW, c, outH: h.out, outW: w.out, ph: pool[0], pw: pool[1], strideH: strides[0], strideW: strides[1], padTop: h.padBefore, padLeft: w.padBefore };
}

/** Calls visit(outIndex, inIndexOfFirstMax) for every output cell. */
function eachWindowMax(x: Float32Array, batch: number, g: MaxPool2dGeometry, visit: (yi: number, xi: number, v: number) => void): void {
  const { inH, inW, c, outH, outW, ph, pw, strideH, strideW, padTop, padLeft } = g;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let bestAt = -1;
          for (let ky = 0; ky < ph; ky++) {
            const iy = oy * strideH + ky - padTop;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < pw; kx++) {
              const ix = ox * strideW + kx - padLeft;
              if (ix < 0 || ix >= inW) continue;
              const xi = ((n * inH + iy) * inW + ix) * c + ch;
              if (x[xi] > best || bestAt < 0) { best = x[xi]; bestAt = xi; }
            }
          }
          visit(((n * outH + oy) * outW + ox) * c + ch, bestAt, best);
        }
      }
    }
  }
}

export function maxPool2dForward(x: Float32Array, y: Float32Array, batch: number, g: MaxPool2dGeometry): void {
  eachWindowMax(x, batch, g, (yi, _xi, v) => { y[yi] = v; });
}

/** Writes dL/dx into dx. */
export function maxPool2dBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, batch: number, g: MaxPool2dGeometry): void {
  dx.fill(0, 0, batch * g.inH * g.inW * g.c);
  eachWindowMax(x, batch, g, (yi, xi) => { dx[xi] += dy[yi]; });
}
