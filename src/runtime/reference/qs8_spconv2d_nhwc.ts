// Reference twins of the sparse conv kernels (assembly/kernels/qs8_conv2d_nhwc.ts): skipping zero
// weights changes nothing in exact integer arithmetic, so they are the dense references.
export { qs8_conv2d_nhwc as qs8_spconv2d_nhwc, qs8_conv2d_maxpool2d as qs8_spconv2d_maxpool2d } from './qs8_conv2d_nhwc.js';
