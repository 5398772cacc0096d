// The export list of the full kernel build (topiary/runtime; mirrors src/runtime/kernels.ts). Kernels
// take byte offsets into linear memory and integer dims (or a params block), never managed objects.
// runtime_int8.ts and runtime_f32.ts are the one-family builds of topiary/runtime/int8 and /f32.
export { alloc, reset } from './lib/memory';
export * from './f32';
export * from './qs8';
export { qs8_requantize } from './kernels/qs8_requantize';
