// Every truncation and thousands of seeded random faults of valid files: each must end in a
// FormatError or a valid model (which the writer then accepts too), never another exception, a hang
// or an allocation larger than the file justifies. Faults are tried twice: as they are (the CRC
// catches most) and with the header's length and CRC repaired, so the parser and validator see them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { crc32 } from '../../src/format/bytes.js';
import { FormatError } from '../../src/format/errors.js';
import { readModel } from '../../src/format/read.js';
import { DECODE_BYTES_PER_FILE_BYTE, DECODE_SLACK_BYTES, HEADER } from '../../src/format/spec.js';
import { writeModel } from '../../src/format/write.js';
import { seedModel, smallModel } from './models.js';

const FILES: [string, Uint8Array][] = [
  ['small int8 50%', writeModel(smallModel('int8', 0.5, 1))],
  ['small f32 80%', writeModel(smallModel('f32', 0.8, 2))],
  ['small dynamic 0%', writeModel(smallModel('dynamic', 0, 3))],
  ['small int8 95%, dense only', writeModel(smallModel('int8', 0.95, 4), { encodings: ['dense'] })],
  ['small f32 50%, csr or bitmask', writeModel(smallModel('f32', 0.5, 5), { encodings: ['csr', 'bitmask'] })],
  ['seed int8 80%', writeModel(seedModel({ precision: 'int8', sparsity: 0.8, seed: 6 }))],
];

/** A copy of `file` with the header's body length and CRC made to match its body. */
function repaired(file: Uint8Array): Uint8Array {
  const out = file.slice();
  if (out.length < HEADER.size) return out;
  const view = new DataView(out.buffer);
  view.setUint32(HEADER.bodyLength, out.length - HEADER.size, true);
  view.setUint32(HEADER.crc32, crc32(out, HEADER.size), true);
  return out;
}

// Typed-array allocations made while reading, in bytes: the reader must stay within the decode
// budget plus what its scales, zero points and sparse indices can take (16 bytes per file byte).
const TYPED = ['Int8Array', 'Int32Array', 'Uint32Array', 'Float32Array'] as const;
let allocated = 0;
const originals = TYPED.map((n) => globalThis[n]);
beforeEach(() => {
  TYPED.forEach((name, i) => {
    const Base = originals[i] as unknown as new (...args: unknown[]) => object;
    const Counting = class extends Base {
      constructor(...args: unknown[]) {
        if (typeof args[0] === 'number') allocated += args[0] * (name === 'Int8Array' ? 1 : 4);
        super(...args);
      }
    };
    Object.defineProperty(globalThis, name, { value: Counting, configurable: true, writable: true });
  });
});
afterEach(() => TYPED.forEach((name, i) => Object.defineProperty(globalThis, name, { value: originals[i], configurable: true, writable: true })));

type Outcome = 'valid' | string;

/** Reads `bytes`; any outcome other than a FormatError or a valid, re-writable model fails the test. */
function attempt(bytes: Uint8Array, what: string): Outcome {
  allocated = 0;
  const start = performance.now();
  let outcome: Outcome;
  try {
    const model = readModel(bytes);
    writeModel(model);
    outcome = 'valid';
  } catch (e) {
    if (!(e instanceof FormatError)) throw new Error(`${what}: ${String(e)}`, { cause: e });
    outcome = e.code;
  }
  const limit = DECODE_SLACK_BYTES + DECODE_BYTES_PER_FILE_BYTE * bytes.length + 16 * bytes.length + 64 * 1024;
  if (allocated > limit) throw new Error(`${what}: allocated ${allocated} bytes for a ${bytes.length}-byte file (limit ${limit})`);
  const ms = performance.now() - start;
  if (ms > 2000) throw new Error(`${what}: took ${ms.toFixed(0)} ms`);
  return outcome;
}

function mutate(rng: Rng, file: Uint8Array): Uint8Array {
  const b = Array.from(file);
  const faults = 1 + rng.int(3);
  for (let f = 0; f < faults; f++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(5)) {
      case 0: // flip one bit
        if (at < b.length) b[at] ^= 1 << rng.int(8);
        break;
      case 1: // set a random byte
        if (at < b.length) b[at] = rng.int(256);
        break;
      case 2: // insert 1-4 random bytes
        b.splice(at, 0, ...Array.from({ length: 1 + rng.int(4) }, () => rng.int(256)));
        break;
      case 3: // delete 1-4 bytes
        b.splice(at, 1 + rng.int(4));
        break;
      default: // set a byte to an edge value
        if (at < b.length) b[at] = [0, 1, 0x7f, 0x80, 0xff][rng.int(5)];
    }
  }
  return Uint8Array.from(b);
}

describe('fuzz', () => {
  it('every truncation of every file is refused, as cut and with its header repaired', () => {
    let cases = 0;
    for (const [name, file] of FILES) {
      for (let n = 0; n < file.length; n++) {
        expect(attempt(file.subarray(0, n), `${name} cut to ${n}`)).not.toBe('valid');
        const outcome = attempt(repaired(file.subarray(0, n)), `${name} cut to ${n}, repaired`);
        if (n >= HEADER.size) expect(outcome, `${name} cut to ${n}, repaired`).not.toBe('valid');
        cases += 2;
      }
    }
    console.log(`truncations: ${cases} cases`);
  });

  it('thousands of random byte flips, insertions and deletions end in a FormatError or a valid model', () => {
    const rng = new Rng(20261128);
    const outcomes = new Map<string, number>();
    const start = performance.now();
    let cases = 0;
    for (let round = 0; round < 600; round++) {
      for (const [name, file] of FILES) {
        const bad = mutate(rng, file);
        for (const [mode, bytes] of [['raw', bad], ['repaired', repaired(bad)]] as const) {
          const outcome = attempt(bytes, `${name} round ${round} ${mode}`);
          const key = `${mode} ${outcome}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          cases++;
        }
      }
    }
    const summary = [...outcomes].sort().map(([k, v]) => `${k}: ${v}`).join(', ');
    console.log(`fuzz: ${cases} cases in ${(performance.now() - start).toFixed(0)} ms; ${summary}`);
    // the repaired faults reach past the checksum into many different checks
    const deepCodes = [...outcomes.keys()].filter((k) => k.startsWith('repaired ') && !k.endsWith('valid'));
    expect(deepCodes.length).toBeGreaterThanOrEqual(6);
  });
});
