// Reference twin of the WASM kernel f32_conv2d_relu_maxpool2d_sparse: the sparse conv's reference with
// ReLU, then a 2x2 stride-2 max pool.
import { pool2dGeometry, type Conv2dGeometry } from '../packing/f32_params.js';
import { f32_conv2d_sparse } from './f32_conv2d_sparse.js';
import { f32_maxpool2d } from './f32_maxpool2d.js';

/** y = maxpool2x2(relu(conv(x))), [n][outH/2][outW/2][cout] (for outLayout 'minor' too: the kernel table reads the kernel's back). */
export function f32_conv2d_relu_maxpool2d_sparse(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number>, y: Float32Array, g: Conv2dGeometry): void {
  const { n, cout, outH, outW } = g;
  const conv = new Float32Array(n * outH * outW * cout);
  f32_conv2d_sparse(x, kernel, bias, conv, { ...g, relu: true, outLayout: 'nhwc' });
  f32_maxpool2d(conv, y, pool2dGeometry({ n, h: outH, w: outW, c: cout, poolH: 2, poolW: 2 }));
}
