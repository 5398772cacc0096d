// The export list of the WASM kernels (mirrors src/runtime/kernels.ts). Kernels take byte offsets
// into linear memory and integer dims (or a params block), never managed objects.
export { alloc, reset } from './lib/memory';
export * from './f32';
export * from './qs8';
