// THE kernel table: every WASM kernel with its reference twin. Tests iterate it with describe.each,
// bench/kernels.ts iterates it for the rates. Adding a kernel = its code + one row in a family file.
import type { KernelInfo } from './kernel_info.js';
import { F32_KERNELS } from './kernels_f32.js';
import { QS8_KERNELS } from './kernels_qs8.js';

export const KERNELS: KernelInfo[] = [...F32_KERNELS, ...QS8_KERNELS];
