// The qs8 kernel family's rows of the kernel table.
import type { KernelInfo } from './kernel_info.js';

export const QS8_KERNELS: KernelInfo[] = [];
