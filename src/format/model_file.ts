// Model files on disk (Node only; the runtime takes bytes and never imports this).
// Writes go to a temporary file in the same directory, then rename over the target, so a crash
// leaves either the old file or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { FormatError } from './errors.js';
import { readModel } from './read.js';
import { writeModel, type WriteOptions } from './write.js';
import type { FormatModel } from './model.js';

/** Writes `model` to `path` atomically and returns the bytes written. */
export function writeModelFile(path: string, model: FormatModel, options: WriteOptions = {}): Uint8Array {
  const bytes = writeModel(model, options);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return bytes;
}

/** Reads and validates the model at `path`; errors name the file. */
export function readModelFile(path: string): FormatModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FormatError('unreadable', `${path}: cannot read the model (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the path`);
  }
  return readModel(bytes, { name: basename(path) });
}
