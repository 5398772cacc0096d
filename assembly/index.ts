// The export list of the WASM kernels: one line per kernel family (mirrors src/runtime/kernels.ts).
// Kernels take byte offsets into linear memory and integer dims, never managed objects.
export { alloc, reset } from './lib/memory';
