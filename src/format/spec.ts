// The topiary model format (.tpy): the single source of truth for every code, layout and limit.
// docs/FORMAT.md explains it with a worked example; read.ts and write.ts follow this file.
//
// Evolution is append-only: a code, flag bit or field, once released, keeps its meaning forever.
// New ones are added at the end and bump VERSION; a reader reads every version <= its own and
// refuses newer files with an actionable message (upgrade topiary or re-export).
//
// Revision history
//   1  2026-11-28  First version: ops reshape, conv2d, maxpool2d, flatten, dense, quantize,
//                  dequantize; dtypes f32, int8, int32; encodings dense, bitmask, csr, entropy.
//
// Conventions
//   - Little-endian for fixed-size numbers (u32, i32, f32); no alignment (ALIGNMENT = 1): every
//     field is byte-aligned and read through DataView, because the reader copies constant data into
//     typed arrays anyway and padding would cost bytes in a format sized to the byte.
//   - varint = unsigned LEB128, at most 5 bytes, value < 2^32 (e.g. 300 = 0xAC 0x02).
//   - svarint = zigzag varint: 0, -1, 1, -2, ... are stored as 0, 1, 2, 3, ...
//   - Shapes are row-major, NHWC without the batch axis for activations (e.g. [28, 28, 1]),
//     Keras layouts for weights: Conv2D kernel [kh, kw, cin, cout], Dense kernel [in, out].
//   - Quantized value q means real = scale * (q - zeroPoint) (TFLite).

// ── Header: 14 bytes at offset 0 ────────────────────────────────────────────────────────────────
/** 'TPRY' (0x54 0x50 0x52 0x59): identifies a topiary model file. */
export const MAGIC = [0x54, 0x50, 0x52, 0x59] as const;
/** The newest version this code reads and the one it writes. */
export const VERSION = 1;
export const ALIGNMENT = 1;
// Byte offsets of the fields after the 4 bytes of MAGIC (as plain constants, which a bundler inlines):
export const HEADER_VERSION = 4; // u8, e.g. 1
export const HEADER_FLAGS = 5; // u8, reserved, must be 0
export const HEADER_BODY_LENGTH = 6; // u32, bytes after the header, e.g. 5,204 (file length = 14 + bodyLength)
export const HEADER_CRC32 = 10; // u32, CRC-32 (IEEE, as zlib's crc32) of the body bytes
export const HEADER_SIZE = 14; // the body starts here
/** The same offsets as one record, for tools. */
export const HEADER = { magic: 0, version: HEADER_VERSION, flags: HEADER_FLAGS, bodyLength: HEADER_BODY_LENGTH, crc32: HEADER_CRC32, size: HEADER_SIZE } as const;

// ── Body ────────────────────────────────────────────────────────────────────────────────────────
//   varint tensorCount, tensorCount × tensor record
//   varint opCount,     opCount × op record        (in execution order)
//   varint input, varint output                    (tensor indices of the model input and output)
//
// Tensor record
//   u8     dtype                 DTYPE code
//   u8     flags                 FLAG_* bits; the other bits must be 0
//   [NAMED]    varint length, UTF-8 bytes     e.g. 'dense/kernel'
//   u8     rank                  1..MAX_RANK
//   varint dims[rank]            each >= 1, e.g. 2028 10
//   [QUANT]    [PER_CHANNEL] u8 axis          e.g. 3 for a Conv2D kernel, 1 for a Dense kernel
//              f32 scale[count]               count = dims[axis] per channel, else 1; finite, > 0
//              [not ZERO_POINTS_ZERO] svarint zeroPoint[count]   in [-128, 127] for int8
//   [CONSTANT] u8 encoding, varint payloadLength, payload (see ENCODING)
//
// Op record
//   u8     op                    OP code
//   varint input, varint output  tensor indices
//   conv2d:    varint kernel, varint bias + 1 (0 = no bias), varint strideH, varint strideW,
//              u8 padding (PADDING), u8 activation (ACTIVATION)
//   maxpool2d: varint poolH, varint poolW, varint strideH, varint strideW, u8 padding
//   dense:     varint kernel, varint bias + 1 (0 = no bias), u8 activation
//   reshape, flatten, quantize, dequantize: nothing more

/** Element types: code -> name. Sizes in bytes are DTYPE_BYTES. */
export const DTYPES = ['f32', 'int8', 'int32'] as const;
export const DTYPE_BYTES = [4, 1, 4] as const;

/** Op codes: code -> name. */
export const OPS = ['reshape', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'quantize', 'dequantize'] as const;

/** Constant-data encodings: code -> name. The writer stores each tensor in the smallest. */
export const ENCODINGS = ['dense', 'bitmask', 'csr', 'entropy'] as const;
//   dense    every element, row-major, little-endian (n × size bytes)
//   bitmask  ceil(n/8) bytes of mask (bit i%8 of byte i/8 set = element i nonzero; unused high bits of
//            the last byte 0), then the nonzero elements in order (popcount × size bytes)
//   csr      the tensor as one CSR row: varint nnz, nnz × varint gap (index - previous index - 1,
//            previous = -1 at the start), then the nnz nonzero elements
//   entropy  one range-coded stream (range_decoder.ts), see ENTROPY below
// "Nonzero" means a nonzero bit pattern (so an f32 -0 is stored). Sparse encodings never store a zero.

// Tensor record flag bits.
export const FLAG_CONSTANT = 1; // has data (a weight or bias); activations do not
export const FLAG_QUANT = 2; // has scales and zero points
export const FLAG_PER_CHANNEL = 4; // one scale per index of `axis` (needs QUANT)
export const FLAG_NAMED = 8; // has a name
export const FLAG_ZERO_POINTS_ZERO = 16; // every zero point is 0 and none are stored (symmetric weights)
export const TENSOR_FLAGS_KNOWN = 31;

export const PADDINGS = ['valid', 'same'] as const;
export const ACTIVATIONS = ['none', 'relu'] as const;

// ── Entropy encoding ────────────────────────────────────────────────────────────────────────────
// Elements in row-major order. For element i:
//   1. a nonzero flag, context FLAG + (element i-1 nonzero) + 2 × (element i-row nonzero),
//      where row = the last dim (the same output channel, one input earlier, for Keras kernels);
//   2. if nonzero: a sign bit (context SIGN), then m as an Exp-Golomb code whose every bit has its
//      own context: k = floor(log2(m + 1)) in unary (k ones, context UNARY + j for the j-th; then a
//      zero, context UNARY + k, omitted when k = 31), then the k bits of m + 1 below its top bit,
//      most significant first, the j-th in context SUFFIX + 32k + j.
//      m = |v| - 1 for int8 and int32 values v; m = the low 31 bits for f32 (sign = bit 31).
// Every context starts with no counts; the stream ends exactly where its last bit needs it to.
// Chosen by measurement (docs/FORMAT.md, test/format/entropy_choice.test.ts): an 80%-pruned int8
// [2028, 10] kernel takes 5,185 B, 0.8% above its order-0 entropy and 3% below Golomb-Rice zero
// runs + Huffman-coded values; no table is stored; the decoder is about 60 lines.
// Context numbers (FLAG, SIGN, UNARY, SUFFIX above are ENTROPY_FLAG, ...):
export const ENTROPY_FLAG = 0; // 4 contexts
export const ENTROPY_SIGN = 4;
export const ENTROPY_UNARY = 5; // 32 contexts
export const ENTROPY_SUFFIX = 37; // 32 × 32 contexts (k, j)
export const ENTROPY_CONTEXTS = 37 + 32 * 32;
export const ENTROPY_MAX_K = 31;

// ── Limits (checked by the reader before it allocates) ─────────────────────────────────────────
export const MAX_RANK = 6;
/** Elements in any one tensor (per sample for activations): 2^24, 64 MiB of f32. */
export const MAX_ELEMENTS = 1 << 24;
/** Decoded constant data may total at most DECODE_SLACK_BYTES + DECODE_BYTES_PER_FILE_BYTE × file
 * length: a sparse tensor may be much larger than its encoding, but not without bound. */
export const DECODE_SLACK_BYTES = 1 << 20;
export const DECODE_BYTES_PER_FILE_BYTE = 256;
