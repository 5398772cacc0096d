// The f32 kernel family's rows of the kernel table.
import type { KernelInfo } from './kernel_info.js';

export const F32_KERNELS: KernelInfo[] = [];
