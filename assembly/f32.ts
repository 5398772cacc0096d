// f32 kernel family exports (see assembly/kernels/f32_*.ts).
export { f32_dense } from './kernels/f32_dense';
export { f32_dense_sparse } from './kernels/f32_dense_sparse';
export { f32_conv2d_nhwc, f32_conv2d_relu_maxpool2d } from './kernels/f32_conv2d_nhwc';
export { f32_conv2d_sparse, f32_conv2d_relu_maxpool2d_sparse } from './kernels/f32_conv2d_sparse';
export { f32_maxpool2d } from './kernels/f32_maxpool2d';
