// The f32-only kernel build (topiary/runtime/f32, f32 and dynamic-range models): the allocator and the f32 kernels.
export { alloc } from './lib/memory';
export * from './f32';
