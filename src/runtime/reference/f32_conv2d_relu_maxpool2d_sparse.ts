// Reference twin of the WASM kernel f32_conv2d_relu_maxpool2d_sparse: the sparse conv's reference with
// ReLU and NHWC output, then a 2x2 stride-2 max pool, then the layout the geometry asks for.
import { pool2dGeometry, type Conv2dGeometry } from '../packing/f32_params.js';
import { f32_conv2d_sparse } from './f32_conv2d_sparse.js';
import { f32_maxpool2d } from './f32_maxpool2d.js';

/** y = maxpool2x2(relu(conv(x))), [n][outH/2][outW/2][cout] or, with g.outLayout 'nchw', [n][cout][outH/2][outW/2]. */
export function f32_conv2d_relu_maxpool2d_sparse(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number>, y: Float32Array, g: Conv2dGeometry): void {
  const { n, cout, outH, outW } = g;
  const ph = outH >> 1, pw = outW >> 1;
  const conv = new Float32Array(n * outH * outW * cout);
  f32_conv2d_sparse(x, kernel, bias, conv, { ...g, relu: true, outLayout: 'nhwc' });
  const pooled = g.outLayout === 'nchw' ? new Float32Array(y.length) : y;
  f32_maxpool2d(conv, pooled, pool2dGeometry({ n, h: outH, w: outW, c: cout, poolH: 2, poolW: 2 }));
  if (g.outLayout !== 'nchw') return;
  for (let b = 0; b < n; b++) for (let p = 0; p < ph * pw; p++) for (let c = 0; c < cout; c++) y[(b * cout + c) * ph * pw + p] = pooled[(b * ph * pw + p) * cout + c];
}
