// Byte offsets of the i32 fields in the geometry block the host writes before each call
// (src/engine/wasm_backend.ts: writeConv / writePool / writePad). One block, so kernels take a pointer
// instead of a dozen positional ints.

// conv2d (valid; the host pads 'same' inputs first). Dense is a 1x1 conv over a 1 x batch image.
export const BATCH: u32 = 0;
export const IN_H: u32 = 4;
export const IN_W: u32 = 8;
export const IN_C: u32 = 12;
export const OUT_H: u32 = 16;
export const OUT_W: u32 = 20;
export const OUT_C: u32 = 24;
export const K_H: u32 = 28;
export const K_W: u32 = 32;
export const STRIDE_H: u32 = 36;
export const STRIDE_W: u32 = 40;
// maxpool2d adds its padding (windows are clipped, never padded with values).
export const PAD_T: u32 = 44;
export const PAD_L: u32 = 48;
