// What a `topiary` command is: a name, a one-line summary, its flags as data, and run(flags).
// The flags declaration drives parsing, the parsed object's type and the --help text.
import type { FlagSpecs, ParsedFlags } from './flags.js';

/** Where a command writes; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  /** stdout is a terminal (live progress bars instead of one line per epoch). */
  isTTY: boolean;
}

export interface Command<S extends FlagSpecs = FlagSpecs> {
  name: string;
  /** One line, lower case, no final period: shown in `topiary --help` and atop the command's help. */
  summary: string;
  flags: S;
  /** Extra help paragraphs (what it reads and writes, examples), one string per line. */
  details?: readonly string[];
  /** Checks between flags (e.g. --images needs --labels); throws ConfigError. */
  check?(flags: ParsedFlags<S>): void;
  run(flags: ParsedFlags<S>, io: CliIo): void | Promise<void>;
}

/** Declares a command; `const S` keeps the choice lists literal so the parsed flags are precise. */
export function defineCommand<const S extends FlagSpecs>(command: Command<S>): Command<S> {
  return command;
}
