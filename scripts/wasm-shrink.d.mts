/** The module with every v128.const of four equal lanes rewritten to i32x4.splat(i32.const lane), and how many it rewrote. */
export function shrinkWasm(bytes: Uint8Array): { bytes: Uint8Array<ArrayBuffer>; splats: number };
