// qs8 (int8) kernel family exports (see assembly/kernels/qs8_*.ts).
export { qs8_requantize } from './kernels/qs8_requantize';
export { qs8_quantize, qs8_dequantize } from './kernels/qs8_quantize';
export { qs8_maxpool2d } from './kernels/qs8_maxpool2d';
export { qs8_gemm } from './kernels/qs8_gemm';
export { qs8_spmm } from './kernels/qs8_spmm';
export { qs8_conv2d_nhwc, qs8_spconv2d_nhwc } from './kernels/qs8_conv2d_nhwc';
export { qs8_conv2d_nhwc as qs8_conv2d_maxpool2d, qs8_spconv2d_nhwc as qs8_spconv2d_maxpool2d } from './kernels/qs8_conv2d_nhwc';
