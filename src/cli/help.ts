// --help text, generated from the commands' flag declarations.
import type { Command } from './command.js';
import { flagName, placeholderOf, type FlagSpec, type FlagSpecs } from './flags.js';

const WIDTH = 100;

/** Flags every command accepts; handled by the CLI itself. */
export const GLOBAL_FLAGS = {
  help: { type: 'boolean', description: 'show this help' },
  verbose: { type: 'boolean', description: 'on an error, also print its stack trace (or set TOPIARY_DEBUG=1)' },
} as const satisfies FlagSpecs;

export function toolHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    `topiary ${version}: train, prune, quantize, compress and run small CNNs; no ML framework underneath`,
    '',
    'Usage: topiary <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Flags:',
    `  ${'-h, --help'.padEnd(14)}show this help; topiary <command> --help shows a command's flags`,
    `  ${'--version'.padEnd(14)}print the version`,
    '',
    'Example: topiary train --epochs 20 --out baseline.ckpt',
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const specs: FlagSpecs = { ...command.flags, ...GLOBAL_FLAGS };
  const positional = Object.values(command.flags).filter((s) => s.positional);
  const usage = ['topiary', command.name, ...positional.map((s) => (s.required ? placeholderOf(s) : `[${placeholderOf(s)}]`)), '[flags]'];
  const rows = Object.entries(specs).map(([key, spec]) => [flagLabel(key, spec), describe(spec)] as const);
  const width = Math.min(30, Math.max(...rows.map(([label]) => label.length)) + 2);
  const lines = rows.flatMap(([label, text]) => {
    const [first, ...rest] = wrap(text, WIDTH - width - 2);
    const head = label.length >= width ? [`  ${label}`, `  ${''.padEnd(width)}${first}`] : [`  ${label.padEnd(width)}${first}`];
    return [...head, ...rest.map((l) => `  ${''.padEnd(width)}${l}`)];
  });
  return [
    `topiary ${command.name}: ${command.summary}`,
    '',
    `Usage: ${usage.join(' ')}`,
    '',
    'Flags:',
    ...lines,
    ...(command.details?.length ? ['', ...command.details.flatMap((d) => wrap(d, WIDTH))] : []),
    '',
  ].join('\n');
}

function flagLabel(key: string, spec: FlagSpec): string {
  if (key === 'help') return '-h, --help';
  const name = `--${flagName(key)}`;
  if (spec.positional) return `${placeholderOf(spec)}, ${name} ${placeholderOf(spec)}`;
  return spec.type === 'boolean' ? name : `${name} ${placeholderOf(spec)}`;
}

function describe(spec: FlagSpec): string {
  const notes: string[] = [];
  if (spec.required) notes.push('required');
  const shown = spec.type === 'boolean' ? undefined : spec.default ?? spec.defaultText;
  if (shown !== undefined) notes.push(`default: ${shown}`);
  return notes.length ? `${spec.description} (${notes.join('; ')})` : spec.description;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}
