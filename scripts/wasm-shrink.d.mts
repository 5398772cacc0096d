/** The module with every all-zero v128.const rewritten to i32x4.splat(i32.const 0), and how many it rewrote. */
export function shrinkWasm(bytes: Uint8Array): { bytes: Uint8Array<ArrayBuffer>; zeros: number };
