// `topiary <command> [flags]`: picks the command, parses its flags, runs it, and turns any error
// into one clear line on stderr and a non-zero exit code (the stack only with --verbose or
// TOPIARY_DEBUG=1).
import { readFileSync } from 'node:fs';
import { TopiaryError } from '../errors.js';
import type { CliIo, Command } from './command.js';
import { bench } from './commands/bench.js';
import { convert } from './commands/convert.js';
import { inspect } from './commands/inspect.js';
import { predict } from './commands/predict.js';
import { prune } from './commands/prune.js';
import { quantize } from './commands/quantize.js';
import { train } from './commands/train.js';
import { parseFlags } from './flags.js';
import { commandHelp, GLOBAL_FLAGS, toolHelp } from './help.js';
import { closest } from './suggest.js';

/** In pipeline order, as --help lists them. */
export const COMMANDS: readonly Command[] = [train, prune, quantize, convert, inspect, predict, bench];

/** Exit codes: 0 ok; 1 a TopiaryError (bad file, bad data, ...); 2 a usage mistake; 70 a bug. */
export const EXIT = { ok: 0, error: 1, usage: 2, internal: 70 } as const;

/** Usage errors: the command line itself is wrong (exit 2 rather than 1). */
const USAGE_CODES = new Set(['FLAG_UNKNOWN', 'FLAG_NO_VALUE', 'FLAG_BAD_VALUE', 'FLAG_REPEATED', 'FLAG_MISSING', 'FLAG_CONFLICT', 'ARG_UNEXPECTED', 'COMMAND_UNKNOWN']);

export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const flagsEnd = argv.indexOf('--');
  const ownArgs = flagsEnd < 0 ? argv : argv.slice(0, flagsEnd);
  const verbose = ownArgs.includes('--verbose') || io.env.TOPIARY_DEBUG === '1';
  const wantsHelp = ownArgs.includes('--help') || ownArgs.includes('-h');
  const [first, ...rest] = argv;

  if (first === undefined || (first.startsWith('-') && wantsHelp)) {
    (first === undefined ? io.stderr : io.stdout)(toolHelp(commands, version()));
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version') {
    io.stdout(`${version()}\n`);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    const guess = closest(first, commands.map((c) => c.name));
    const what = first.startsWith('-') ? `expected a command before ${first}` : `unknown command '${first}'`;
    const hint = guess ? `did you mean '${guess}'?` : `commands: ${commands.map((c) => c.name).join(', ')}`;
    io.stderr(`topiary: ${what}; ${hint} (see topiary --help)\n`);
    return EXIT.usage;
  }
  if (wantsHelp) {
    io.stdout(commandHelp(command));
    return EXIT.ok;
  }
  const where = `topiary ${command.name}`;
  try {
    const withGlobals = parseFlags({ ...command.flags, ...GLOBAL_FLAGS }, rest, where);
    const { help: _help, verbose: _verbose, ...flags } = withGlobals;
    command.check?.(flags);
    await command.run(flags, io);
    return EXIT.ok;
  } catch (e) {
    return report(e, where, verbose, io);
  }
}

function report(e: unknown, where: string, verbose: boolean, io: CliIo): number {
  const stack = verbose && e instanceof Error && e.stack ? `${e.stack}\n` : '';
  if (e instanceof TopiaryError) {
    // Messages from parsing already start with the command; others get it for context.
    const line = e.message.startsWith('topiary') ? e.message : `${where}: ${e.message}`;
    io.stderr(`${line}\n${stack}`);
    return USAGE_CODES.has(e.code) ? EXIT.usage : EXIT.error;
  }
  const message = e instanceof Error ? e.message : String(e);
  const hint = verbose ? '' : ' (rerun with --verbose for the stack trace)';
  io.stderr(`${where}: unexpected error, likely a bug in topiary: ${message}${hint}\n${stack}`);
  return EXIT.internal;
}

/** package.json's version, found by walking up from this file (src/cli in tests, dist/src/cli built). */
function version(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'topiary' && pkg.version) return pkg.version;
    } catch {
      // not at this level; try the next one up
    }
  }
  return 'unknown';
}
