// Reference twin of the fused WASM kernel f32_conv2d_relu_maxpool2d: literally the conv with ReLU,
// then a 2x2 stride-2 max pool, through the two unfused references.
import { pool2dGeometry, type Conv2dGeometry } from '../packing/f32_params.js';
import { f32_conv2d_nhwc } from './f32_conv2d_nhwc.js';
import { f32_maxpool2d } from './f32_maxpool2d.js';

/** y[n][outH/2][outW/2][cout] = maxpool2x2(relu(conv(x))). */
export function f32_conv2d_relu_maxpool2d(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number>, y: Float32Array, g: Conv2dGeometry): void {
  const conv = new Float32Array(g.n * g.outH * g.outW * g.cout);
  f32_conv2d_nhwc(x, kernel, bias, conv, { ...g, relu: true });
  f32_maxpool2d(conv, y, pool2dGeometry({ n: g.n, h: g.outH, w: g.outW, c: g.cout, poolH: 2, poolW: 2 }));
}
