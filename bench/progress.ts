// Progress of a bench run on stderr (stdout keeps the tables): one line per step, stamped with the
// seconds since the run began, and training epochs condensed to every few epochs. Worker threads relay
// their lines to the main thread's log, so every line goes where the run's log goes.
import type { ProgressSink } from '../src/model/progress.js';

export interface Log {
  /** One progress line, e.g. "pruned: trained in 18.2 s". */
  line(text: string): void;
  /** A sink for fit()'s epoch lines, prefixed with `what`; null when silent. */
  training(what: string): ProgressSink | null;
}

/** Lines stamped with the seconds since `start`, written by `write` (default: stderr). */
export function stderrLog(write: (s: string) => void = (s) => process.stderr.write(s), start = performance.now()): Log {
  return lineLog((text) => write(`[${((performance.now() - start) / 1000).toFixed(1).padStart(5)} s] ${text}\n`));
}

/** A log over `line`: training sinks pass on the first, every fifth and the last epoch's line. */
export function lineLog(line: (text: string) => void, every = 5): Log {
  return {
    line,
    training(what) {
      return {
        isTTY: false, // one line per epoch: live bars from two trainings at once would overwrite each other
        write(s: string) {
          const m = /Epoch (\d+)\/(\d+)/.exec(s);
          if (!m) return;
          const [epoch, epochs] = [Number(m[1]), Number(m[2])];
          if (epoch === 1 || epoch === epochs || epoch % every === 0) line(`${what}: ${s.trim()}`);
        },
      };
    },
  };
}

export const SILENT: Log = { line() {}, training: () => null };
