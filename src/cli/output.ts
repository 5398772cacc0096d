// Output files: checked before any work (a 30-epoch run must not end in "no such folder"), written
// atomically by the callers (temp file + rename), and write failures reported as one line.
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, TopiaryError } from '../errors.js';
import type { ProgressSink } from '../model/progress.js';
import type { CliIo } from './command.js';

/** Throws unless `path` can be written: its folder exists and it is not itself a folder. */
export function checkOutPath(path: string, flag = '--out'): void {
  const dir = dirname(resolve(path));
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new ConfigError('OUT_PATH', `${flag} ${path}: the folder ${dir} does not exist; create it first`);
  try {
    if (statSync(path).isDirectory()) throw new ConfigError('OUT_PATH', `${flag} ${path} is a folder; give a file name inside it`);
  } catch (e) {
    if (e instanceof TopiaryError) throw e;
    // does not exist yet: fine
  }
}

/** Runs a write; an fs failure (disk full, no permission) becomes one line naming the file. */
export function writing<T>(path: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    if (e instanceof TopiaryError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError('WRITE_FAILED', `cannot write ${path} (${code}); nothing was written, check the folder's permissions and free space`);
  }
}

/** Training progress on stdout (a live bar on a terminal), or nothing with --quiet. */
export function progressSink(io: CliIo, quiet: boolean): ProgressSink | null {
  return quiet ? null : { isTTY: io.isTTY, write: io.stdout };
}
