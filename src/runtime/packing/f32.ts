// Packs Keras-layout f32 weights into the layouts the f32 WASM kernels read. The runtime's prepare
// step calls exactly these, once per layer; kernels never reorder anything at run time.
// Keras layouts: Conv2D kernel [kh][kw][cin][cout] (HWIO), Dense kernel [k][n], bias [cout].
import { ShapeError } from '../../errors.js';

/** Output channels per block of the dense conv engine (must match assembly/kernels/f32_conv_core.ts). */
export function blockWidth(left: number): number {
  return Math.min(16, (left + 3) & ~3);
}

function checkLength(what: string, a: ArrayLike<number>, want: number): void {
  if (a.length !== want) throw new ShapeError('weights_length', `${what} has ${a.length} values, expected ${want}; check the layer's shape`);
}

/**
 * f32_conv2d_nhwc / f32_conv2d_relu_maxpool2d weights:
 *   [bias: Cp][block 0: taps x W0][block 1: taps x W1]...   taps = kh*kw*cin in HWIO order,
 * blocks of W = blockWidth(channels left) output channels, padded lanes zero (Cp = sum of W).
 */
export function packConv2d(kernel: ArrayLike<number>, bias: ArrayLike<number>, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const taps = kh * kw * cin;
  checkLength('conv2d kernel', kernel, taps * cout);
  checkLength('conv2d bias', bias, cout);
  let cp = 0;
  while (cp < cout) cp += blockWidth(cout - cp);
  const out = new Float32Array(cp + taps * cp);
  for (let c = 0; c < cout; c++) out[c] = bias[c];
  let o = cp;
  for (let c0 = 0; c0 < cout; c0 += blockWidth(cout - c0)) {
    const width = blockWidth(cout - c0), valid = Math.min(width, cout - c0);
    for (let t = 0; t < taps; t++, o += width) {
      for (let l = 0; l < valid; l++) out[o + l] = kernel[t * cout + c0 + l];
    }
  }
  return out;
}

/** f32_dense weights: a Dense kernel [k][n] is a 1x1 conv with cin = k. */
export function packDense(kernel: ArrayLike<number>, bias: ArrayLike<number>, k: number, n: number): Float32Array {
  return packConv2d(kernel, bias, 1, 1, k, n);
}
