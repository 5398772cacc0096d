// The int8-only kernel build (topiary/runtime/int8): the allocator and the qs8 kernels the resolver calls.
export { alloc } from './lib/memory';
export * from './qs8';
