// Bad files: each named fault gives a FormatError with the right code and a message that says what
// to do. Random faults are in fuzz.test.ts.
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/format/bytes.js';
import { FormatError, type FormatErrorCode } from '../../src/format/errors.js';
import type { FormatModel } from '../../src/format/model.js';
import { readModel } from '../../src/format/read.js';
import { HEADER, MAGIC, VERSION } from '../../src/format/spec.js';
import { writeModel, writeUnchecked } from '../../src/format/write.js';
import { smallModel } from './models.js';

function refused(bytes: Uint8Array, code: FormatErrorCode, message?: RegExp): FormatError {
  try {
    readModel(bytes, { name: 'model.tpy' });
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).code, (e as Error).message).toBe(code);
    expect((e as Error).message).toMatch(/^model\.tpy: /);
    if (message) expect((e as Error).message).toMatch(message);
    return e as FormatError;
  }
  throw new Error(`expected ${code}, but the model was read`);
}

/** A whole file around `body`, with a correct length and checksum. */
function frame(body: ArrayLike<number>, version = VERSION): Uint8Array {
  const file = new Uint8Array(HEADER.size + body.length);
  file.set(MAGIC);
  file[HEADER.version] = version;
  file.set(body, HEADER.size);
  const view = new DataView(file.buffer);
  view.setUint32(HEADER.bodyLength, body.length, true);
  view.setUint32(HEADER.crc32, crc32(file, HEADER.size), true);
  return file;
}

// A hand-laid tiny model, f32 [4] -> dense (kernel [4, 2]) -> f32 [2], to place faults byte by byte.
const ONE = [0, 0, 0x80, 0x3f]; // 1.0f, little-endian
const input = [0, 0, 1, 4]; // dtype f32, flags 0, rank 1, dims [4]
const output = [0, 0, 1, 2];
/** A constant f32 kernel record; `dims` are the varint bytes of a rank-2 shape. */
const kernel = (encoding: number, payload: number[], dims = [4, 2]) => [0, 1, 2, ...dims, encoding, payload.length, ...payload];
const csrOne = [1, 5, ...ONE]; // csr: one nonzero, at index 5, = 1
const dense = [4, 0, 2, 1, 0, 0]; // op dense, input 0, output 2, kernel 1, no bias, activation none
const body = (tensors: number[][], ops: number[][] = [dense], io = [0, 2]) => [tensors.length, ...tensors.flat(), ops.length, ...ops.flat(), ...io];
const tiny = () => body([input, kernel(2, csrOne), output]);

/** Writes `model` after `mutate` without the writer's validation, so the reader has to catch it. */
function mutated(mutate: (m: FormatModel) => void, precision: 'f32' | 'int8' = 'int8'): Uint8Array {
  const m = smallModel(precision, 0.5, 3);
  mutate(m);
  return writeUnchecked(m).bytes;
}

describe('header faults', () => {
  it('reads the hand-laid tiny model (the faults below are made from it)', () => {
    const m = readModel(frame(tiny()));
    expect(Array.from(m.tensors[1].data!)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('not a model', () => {
    refused(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]), 'bad_magic', /not a topiary model \(starts with 50 4b 03 04, a model starts with 'TPRY'\); pass a file written by topiary$/);
    refused(new TextEncoder().encode('{"format": "layers-model"}'), 'bad_magic');
    expect(() => readModel('TPRY' as unknown as Uint8Array)).toThrow(FormatError);
    expect(() => readModel('TPRY' as unknown as Uint8Array)).toThrow(/^model: not a topiary model \(a string, not bytes, a model starts with 'TPRY'\); pass a file written by topiary$/);
  });

  it('empty or shorter than the header', () => {
    refused(new Uint8Array(0), 'truncated', /the file is 0 bytes but its header says 14; it was truncated, copy or export it again$/);
    refused(Uint8Array.from(MAGIC), 'truncated');
  });

  it('a newer version says to upgrade or re-export', () => {
    refused(frame(tiny(), 3), 'newer_version', /^model\.tpy: version 3 is newer than this reader's 1; upgrade topiary or re-export the model$/);
  });

  it('version 0 or reserved flags', () => {
    refused(frame(tiny(), 0), 'bad_version');
    const f = frame(tiny());
    f[HEADER.flags] = 1;
    refused(f, 'bad_version');
  });

  it('cut short, or followed by other bytes', () => {
    const f = frame(tiny());
    refused(f.subarray(0, f.length - 1), 'truncated', new RegExp(`the file is ${f.length - 1} bytes but its header says ${f.length}; it was truncated`));
    const longer = new Uint8Array(f.length + 2);
    longer.set(f);
    refused(longer, 'bad_record', new RegExp(`the file is ${f.length + 2} bytes but its header says ${f.length}; re-export the model`));
  });

  it('changed after writing', () => {
    const f = frame(tiny());
    f[f.length - 3] ^= 4;
    refused(f, 'checksum', /: checksum mismatch \(stored \d+, computed \d+\); the file changed after it was written, copy or export it again$/);
  });
});

describe('record faults', () => {
  it('unknown op, dtype and encoding codes', () => {
    refused(frame(body([input, kernel(2, csrOne), output], [[7, 0, 2]])), 'unknown_code', /op code 7 at byte \d+ is not 0-6; upgrade topiary or re-export the model$/);
    refused(frame(body([[5, 0, 1, 4], kernel(2, csrOne), output])), 'unknown_code', /dtype code 5 at byte 15/);
    refused(frame(body([input, kernel(9, csrOne), output])), 'unknown_code', /encoding code 9 at byte \d+/);
  });

  it('reserved or contradictory tensor flags', () => {
    refused(frame(body([[0, 0x40, 1, 4], kernel(2, csrOne), output])), 'bad_record', /tensor 0 has flags 64/);
    refused(frame(body([[0, 4, 1, 4], kernel(2, csrOne), output])), 'bad_record', /tensor 0 has flags 4/);
  });

  it('ranks outside 1-6', () => {
    refused(frame(body([[0, 0, 0], kernel(2, csrOne), output])), 'bad_tensor', /tensor 0: its shape \[\] needs 1-6 dims/);
    refused(frame(body([[0, 0, 7, 1, 1, 1, 1, 1, 1, 4], kernel(2, csrOne), output])), 'bad_tensor', /tensor 0: its shape \[1,1,1,1,1,1,4\]/);
  });

  it('varints too long, counts and lengths past the end', () => {
    refused(frame(body([[0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f], kernel(2, csrOne), output])), 'bad_record', /byte \d+: a varint over 32 bits/);
    refused(frame([100, ...tiny().slice(1)]), 'bad_record'); // read as tensors until a record does not fit
    refused(frame(body([input, [0, 1, 2, 4, 2, 2, 100, ...csrOne], output])), 'bad_record', /byte \d+: needs 100 bytes, \d+ left/);
    refused(frame(tiny().slice(0, -1)), 'bad_record', /needs 1 bytes, 0 left/);
    refused(frame([...tiny(), 0]), 'bad_record', /1 bytes after the last field/);
  });

  it('sparse data with an index past the end', () => {
    refused(frame(body([input, kernel(2, [1, 8, ...ONE]), output])), 'bad_data', /tensor 1 \(csr\): index 8 is past the end \(8\)/);
  });

  it('constants that would decode to far more than the file justifies', () => {
    // a 64 MiB f32 kernel whose one nonzero fits in a 6-byte csr payload
    const big = body([[0, 0, 1, 0x80, 0x20], kernel(2, csrOne, [0x80, 0x20, 0x80, 0x20]), [0, 0, 1, 0x80, 0x20]]);
    refused(frame(big), 'too_large', /constants decode to 67108864 bytes, over its limit \d+/);
    // an activation over the element limit
    refused(frame(body([[0, 0, 2, 0x80, 0x40, 0x80, 0x40], kernel(2, csrOne), output])), 'too_large', /67108864 elements, over the limit 16777216/);
  });
});

describe('model faults', () => {
  it('quantization: scales zero, negative, NaN or infinite; zero points out of range; wrong counts', () => {
    for (const bad of [0, -0.5, NaN, Infinity]) {
      refused(mutated((m) => (m.tensors[1].quant!.scale[0] = bad)), 'bad_quant', /: a scale is not finite and > 0 or a zero point not in \[-128, 127\]/);
    }
    refused(mutated((m) => (m.tensors[1].quant!.zeroPoint[0] = 128)), 'bad_quant', /a zero point not in \[-128, 127\]/);
    refused(mutated((m) => (m.tensors[3].quant = { scale: Float32Array.of(0.01), zeroPoint: Int32Array.of(0), axis: 2 })), 'bad_quant', /op 2 \(conv2d\): kernel zero points must be 0, per tensor or per channel on axis 3/);
    refused(mutated((m) => (m.tensors[3].quant!.zeroPoint[1] = 4)), 'bad_quant', /kernel zero points must be 0/);
    refused(mutated((m) => delete m.tensors[5].quant), 'bad_quant', /tensor 5 'conv2d': int8 without quantization \(only int8 tensors have it\)/);
    refused(mutated((m) => (m.tensors[4].quant = { scale: Float32Array.of(1), zeroPoint: Int32Array.of(0) })), 'bad_quant', /tensor 4 'conv2d\/bias': int32 with quantization/);
  });

  it('shapes that do not chain', () => {
    refused(mutated((m) => (m.tensors[5].shape = [5, 6, 4])), 'bad_graph', /op 2 \(conv2d\): tensor 5 'conv2d' has shape \[5,6,4\], must be \[6,6,4\]/);
    refused(mutated((m) => (m.tensors[7].shape = [35])), 'bad_graph', /op 4 \(flatten\): tensor 7 'flatten' has shape \[35\], must be \[36\]/);
    refused(mutated((m) => (m.tensors[8].shape = [35, 5])), 'bad_graph', /the kernel tensor 8 'dense\/kernel' has shape \[35,5\], must be \[36, out\]/);
    refused(mutated((m) => (m.tensors[2].shape = [8, 7, 1])), 'bad_graph', /does not hold the 64 elements/);
    refused(mutated((m) => (m.tensors[4].shape = [5])), 'bad_graph', /tensor 4 'conv2d\/bias' has shape \[5\], must be \[4\]/);
  });

  it('ops out of order, tensors unused or in the wrong role', () => {
    refused(mutated((m) => m.ops.reverse()), 'bad_graph', /reads tensor .* before any op writes it/);
    refused(mutated((m) => m.tensors.push({ name: 'spare', dtype: 'f32', shape: [1] })), 'bad_graph', /tensor 12 'spare' is not used by any op/);
    refused(mutated((m) => ((m.ops[2] as { kernel: number }).kernel = 5)), 'bad_graph', /op 2 \(conv2d\): its kernel tensor 5 'conv2d' has no data/);
    refused(mutated((m) => (m.output = m.input)), 'bad_graph', /the model output tensor 0 'input' is not written by any op/);
    refused(mutated((m) => (m.ops[1].output = 99)), 'bad_graph', /op 1 \(reshape\): its output is tensor 99, but there are 12/);
  });

  it('precisions that do not exist', () => {
    refused(mutated((m) => (m.tensors[3] = { name: 'k', dtype: 'f32', shape: [3, 3, 1, 4], data: new Float32Array(36) })), 'bad_graph', /op 2 \(conv2d\): input, kernel, bias, output are int8 f32 int32 int8: not f32, int8 or dynamic range/);
    refused(mutated((m) => (m.tensors[5] = { name: 'x', dtype: 'int32', shape: [6, 6, 4] })), 'bad_tensor', /int32 activation/);
    refused(mutated((m) => (m.tensors[1] = { name: 'q', dtype: 'f32', shape: [64] })), 'bad_graph', /op 0 \(quantize\): it turns f32 -> int8, got f32 -> f32/);
  });

  it('weights out of range: int8 -128, f32 NaN', () => {
    refused(mutated((m) => ((m.tensors[3].data as Int8Array)[7] = -128)), 'bad_data', /tensor 3 has -128 at element 7 \(int8 weights are in \[-127, 127\]/);
    refused(mutated((m) => ((m.tensors[3].data as Float32Array)[2] = NaN), 'f32'), 'bad_data', /tensor 3 has NaN at element 2/);
  });

  it('the writer refuses what the reader would', () => {
    const m = smallModel('int8', 0.5, 3);
    m.tensors[1].quant!.scale[0] = 0;
    expect(() => writeModel(m)).toThrow(/^model: tensor 1 'quantize': a scale is not finite and > 0 or a zero point not in \[-128, 127\]; fix the model before writing it$/);
  });
});

describe('writer input from plain JavaScript', () => {
  it('refuses malformed models with a FormatError, never a TypeError', () => {
    const good = () => smallModel('f32', 0.5, 3);
    const cases: [string, (m: FormatModel) => unknown][] = [
      ['no model', () => undefined],
      ['tensors not an array', (m) => ({ ...m, tensors: {} })],
      ['a null tensor', (m) => ({ ...m, tensors: [null, ...m.tensors.slice(1)] })],
      ['a null op', (m) => ({ ...m, ops: [null, ...m.ops.slice(1)] })],
      ['a string dim', (m) => ((m.tensors[0].shape = ['64' as unknown as number]), m)],
      ['scale as a plain array', (m) => ((m.tensors[2].quant = { scale: [1] as unknown as Float32Array, zeroPoint: Int32Array.of(0) }), m)],
      ['data of the wrong type', (m) => ((m.tensors[2].data = new Int8Array(36)), m)],
      ['strides missing', (m) => (delete (m.ops[1] as { strides?: unknown }).strides, m)],
      ['an unknown padding', (m) => (((m.ops[1] as { padding: string }).padding = 'full'), m)],
      ['a negative stride', (m) => (((m.ops[1] as { strides: number[] }).strides = [1, -1]), m)],
    ];
    for (const [what, make] of cases) {
      expect(() => writeModel(make(good()) as FormatModel), what).toThrow(FormatError);
    }
  });
});
