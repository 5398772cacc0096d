// Progress of a bench run on stderr (stdout keeps the tables): one line per step, stamped with the
// seconds since the run began, and training epochs condensed to every few epochs.
import type { ProgressSink } from '../src/model/progress.js';

export interface Log {
  /** One progress line, e.g. "pruned: trained 40 epochs (96.96% test)". */
  line(text: string): void;
  /** A sink for fit()'s epoch lines, prefixed with `what`; null when silent. */
  training(what: string): ProgressSink | null;
}

/** Every `every`-th epoch line (and the first and last) goes to `write`, stamped. */
export function stderrLog(write: (s: string) => void = (s) => process.stderr.write(s), every = 5, start = performance.now()): Log {
  const stamp = () => `[${((performance.now() - start) / 1000).toFixed(1).padStart(5)} s]`;
  const line = (text: string) => write(`${stamp()} ${text}\n`);
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
