// The training module's export list: kernels for src/engine/wasm_backend.ts, built apart from the
// inference kernels (assembly/index.ts) so the runtime's .wasm carries none of them. Memory is
// imported: the host sizes it once and never grows it (growing would detach its Float32Array views).
export { conv2d_forward } from './conv2d_forward';
export { conv2d_backward_filter } from './conv2d_filter';
export { conv2d_backward_input, transpose_taps } from './conv2d_input';
export { pad_nhwc, unpad_nhwc } from './pad';
export { maxpool2d_forward, maxpool2d_backward } from './maxpool2d';
export { relu_forward, relu_backward } from './relu';
export { adam_update } from './adam';
export { fake_quant_forward, fake_quant_backward, min_max } from './fake_quant';

/** First byte the host may use (after the module's static data). */
export function heap_base(): usize {
  return __heap_base;
}
