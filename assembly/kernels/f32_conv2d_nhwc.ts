// f32_conv2d_nhwc: y[n][oh][ow][cout] = conv(x[n][h][w][cin], w) + bias, optionally ReLU; any kernel,
// stride and padding (pads given as top/left + output dims; a padded copy of each image goes to scratch).
// f32_conv2d_relu_maxpool2d: the same conv, then ReLU and 2x2/2 max pooling, without writing the conv.
// Params: f32_conv_params.ts. Weights: packConv2d. Engine: f32_conv_core.ts.
// Reference twins: src/runtime/reference/f32_conv2d_nhwc.ts, f32_conv2d_relu_maxpool2d.ts.
import { convNhwc } from './f32_conv_core';
import { CONV_RELU, param } from './f32_conv_params';

function run(p: usize, x: usize, w: usize, y: usize, scratch: usize, pool: bool): void {
  convNhwc(x, w, y, scratch, param(p, 0), param(p, 1), param(p, 2), param(p, 3), param(p, 4), param(p, 5), param(p, 6),
    param(p, 7), param(p, 8), param(p, 9), param(p, 10), param(p, 11), param(p, 12), (param(p, 13) & CONV_RELU) != 0, pool);
}

export function f32_conv2d_nhwc(params: usize, x: usize, w: usize, y: usize, scratch: usize): void {
  run(params, x, w, y, scratch, false);
}

export function f32_conv2d_relu_maxpool2d(params: usize, x: usize, w: usize, y: usize, scratch: usize): void {
  run(params, x, w, y, scratch, true);
}
