// Files are written to a temp file beside the target, then renamed over it: a reader never sees a
// half-written file, and a failed write leaves the old file (or nothing) in place.
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw e;
  }
}
