// Reference twin of assembly/kernels/qs8_spmm.ts. Skipping zero weights changes nothing in exact
// integer arithmetic, so the sparse kernel's reference is the dense one: qs8_gemm.
export { qs8_gemm as qs8_spmm } from './qs8_gemm.js';
