// The one error type of the model format. `code` is stable for programs; the message names the file,
// says what is wrong and what to do about it. Checks deep in the reader throw `fail(code, what)`;
// readModel and validateModel put the file's name in front and what to do behind (`explain`).
import { TopiaryError } from '../errors.js';

export type FormatErrorCode =
  | 'bad_magic' // not a topiary model file
  | 'newer_version' // written by a newer topiary
  | 'bad_version' // version 0 or a reserved flag set
  | 'truncated' // the file ends before its header says it should
  | 'checksum' // the bytes changed after writing
  | 'bad_record' // a length, count or field does not fit the bytes that hold it
  | 'unknown_code' // an op, dtype or encoding code this reader does not know
  | 'bad_tensor' // a tensor's shape, dtype or role is wrong
  | 'bad_quant' // scales or zero points are missing, not finite, out of range or of the wrong count
  | 'bad_graph' // ops do not chain: wrong tensor, wrong order, wrong shape
  | 'bad_data' // constant data does not decode to what its header declares
  | 'too_large' // the model asks for more memory than its size justifies
  | 'unreadable'; // the file cannot be read at all (missing, a directory, no permission)

export class FormatError extends TopiaryError<FormatErrorCode> {}

export const fail = (code: FormatErrorCode, what: string): FormatError => new FormatError(code, what);

/** Runs `f`; a FormatError it throws gets `before: ` in front of its message and `; ${after(code)}` behind. */
export function explain<T>(f: () => T, before: string, after?: (code: FormatErrorCode) => string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FormatError) e.message = `${before}: ${e.message}${after ? `; ${after(e.code)}` : ''}`;
    throw e;
  }
}
