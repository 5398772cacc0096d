// Converting straight to a file (Node only; convert.ts stays free of fs so it runs in a browser).
import { writeFileAtomic } from '../atomic_write.js';
import { convertToBytes, type ConvertInput, type ConvertReport } from './convert.js';
import type { ConvertOptions } from './options.js';

/** Converts `model` and writes it to `path` (a temporary file, then a rename); returns the report. */
export function convertToFile(path: string, model: ConvertInput, options: ConvertOptions = {}): ConvertReport {
  const { bytes, report } = convertToBytes(model, options);
  writeFileAtomic(path, bytes);
  return report;
}
