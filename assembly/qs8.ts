// qs8 (int8) kernel family exports the runtime calls (see assembly/kernels/qs8_*.ts); qs8_requantize,
// which no resolver row calls, is exported by the full build only (index.ts) for the kernel table.
export { qs8_quantize, qs8_dequantize } from './kernels/qs8_quantize';
export { qs8_maxpool2d } from './kernels/qs8_maxpool2d';
export { qs8_gemm } from './kernels/qs8_gemm';
export { qs8_spmm } from './kernels/qs8_spmm';
export { qs8_conv2d_nhwc, qs8_spconv2d_nhwc } from './kernels/qs8_conv2d_nhwc';
export { qs8_conv2d_nhwc as qs8_conv2d_maxpool2d, qs8_spconv2d_nhwc as qs8_spconv2d_maxpool2d } from './kernels/qs8_conv2d_nhwc';
export { qs8_requant_one } from './lib/requant';
