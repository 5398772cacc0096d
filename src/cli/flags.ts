// A small typed flag parser. A command declares its flags as data; the parser turns argv into a plain
// object typed from that declaration, and the help text is generated from the same declaration.
//
//   --epochs 5   --epochs=5   --quick   --no-quick   --quick=false   MODEL (a positional flag)   --
//
// Keys are camelCase (`batchSize`), flags are kebab-case (`--batch-size`). Every mistake is a
// ConfigError that names the flag and says what it accepts.
import { ConfigError } from '../errors.js';
import { closest } from './suggest.js';

interface BaseFlag {
  /** One line for --help. */
  description: string;
  /** The value's name in --help (`--out FILE`). */
  placeholder?: string;
  /** Shown as "(default: ...)" when the default lives in a config object rather than here. */
  defaultText?: string;
  /** Also taken from the bare arguments, in declaration order (`topiary inspect model.tpy`). */
  positional?: boolean;
  required?: boolean;
}
export interface BooleanFlag extends BaseFlag {
  type: 'boolean';
}
export interface NumberFlag extends BaseFlag {
  type: 'number';
  default?: number;
  integer?: boolean;
  min?: number;
  max?: number;
  /** min is exclusive (a learning rate > 0). */
  minExclusive?: boolean;
  /** max is exclusive (a sparsity < 1). */
  maxExclusive?: boolean;
}
export interface StringFlag extends BaseFlag {
  type: 'string';
  default?: string;
}
export interface ChoiceFlag extends BaseFlag {
  type: 'choice';
  choices: readonly string[];
  default?: string;
}
export type FlagSpec = BooleanFlag | NumberFlag | StringFlag | ChoiceFlag;
export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<F> = F extends { type: 'boolean' }
  ? boolean
  : F extends { type: 'number' }
    ? number
    : F extends { type: 'choice'; choices: readonly (infer C)[] }
      ? C
      : string;
type AlwaysSet<F> = F extends { type: 'boolean' } ? true : F extends { default: unknown } ? true : F extends { required: true } ? true : false;

/** The parsed flags: booleans, flags with a default and required flags are always set. */
export type ParsedFlags<S extends FlagSpecs> = {
  -readonly [K in keyof S]: AlwaysSet<S[K]> extends true ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

/** `batchSize` -> `batch-size`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Parses `argv` against `specs`. `where` names the command in messages ("topiary train").
 * Throws ConfigError on an unknown flag, a missing or malformed value, a repeated flag or a missing
 * required one.
 */
export function parseFlags<S extends FlagSpecs>(specs: S, argv: readonly string[], where: string): ParsedFlags<S> {
  const byName = new Map(Object.keys(specs).map((key) => [flagName(key), key]));
  const seen = new Set<string>();
  const values: Record<string, unknown> = {};
  const bare: string[] = [];
  const set = (key: string, value: unknown): void => {
    if (seen.has(key)) throw new ConfigError('FLAG_REPEATED', `${where}: --${flagName(key)} is given twice; give it once`);
    seen.add(key);
    values[key] = value;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      bare.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      bare.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new ConfigError('FLAG_UNKNOWN', `${where}: unknown flag ${arg}; flags are spelled out (--name), see ${where} --help`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const negated = name.startsWith('no-') && !byName.has(name) ? byName.get(name.slice(3)) : undefined;
    if (negated !== undefined && specs[negated].type === 'boolean' && inline === undefined) {
      set(negated, false);
      continue;
    }
    const key = byName.get(name);
    if (key === undefined) throw unknownFlag(name, [...byName.keys()], where);
    const spec = specs[key];
    if (spec.type === 'boolean') {
      set(key, inline === undefined ? true : parseBoolean(inline, name, where));
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError('FLAG_NO_VALUE', `${where}: --${name} needs a value (--${name} ${placeholderOf(spec)})`);
      }
      raw = next;
      i++;
    }
    set(key, parseValue(spec, raw, `--${name}`, where));
  }

  const positional = Object.keys(specs).filter((key) => specs[key].positional);
  for (const [index, raw] of bare.entries()) {
    const key = positional[index];
    if (key === undefined) {
      throw new ConfigError('ARG_UNEXPECTED', `${where}: unexpected argument '${raw}'; see ${where} --help`);
    }
    set(key, parseValue(specs[key], raw, placeholderOf(specs[key]), where));
  }

  for (const [key, spec] of Object.entries(specs)) {
    if (key in values) continue;
    if (spec.type === 'boolean') values[key] = false;
    else if (spec.default !== undefined) values[key] = spec.default;
    else if (spec.required) {
      const how = spec.positional ? placeholderOf(spec) : `--${flagName(key)} ${placeholderOf(spec)}`;
      throw new ConfigError('FLAG_MISSING', `${where}: missing ${how}: ${spec.description}; see ${where} --help`);
    } else values[key] = undefined;
  }
  return values as ParsedFlags<S>;
}

export function placeholderOf(spec: FlagSpec): string {
  if (spec.placeholder) return spec.placeholder;
  if (spec.type === 'choice') return spec.choices.join('|');
  return spec.type === 'number' ? (spec.integer ? 'N' : 'X') : 'VALUE';
}

function unknownFlag(name: string, known: string[], where: string): ConfigError {
  const guess = closest(name, known);
  const hint = guess ? `did you mean --${guess}?` : `see ${where} --help`;
  return new ConfigError('FLAG_UNKNOWN', `${where}: unknown flag --${name}; ${hint}`);
}

function parseBoolean(raw: string, name: string, where: string): boolean {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError('FLAG_BAD_VALUE', `${where}: --${name} is a switch, use --${name} or --no-${name} (got '${raw}')`);
}

function parseValue(spec: FlagSpec, raw: string, label: string, where: string): unknown {
  switch (spec.type) {
    case 'boolean':
      return parseBoolean(raw, label.replace(/^--/, ''), where);
    case 'string':
      if (raw === '') throw new ConfigError('FLAG_BAD_VALUE', `${where}: ${label} is empty; give it a ${placeholderOf(spec)}`);
      return raw;
    case 'choice': {
      if (spec.choices.includes(raw)) return raw;
      const guess = closest(raw, spec.choices);
      const hint = guess ? `; did you mean ${guess}?` : '';
      throw new ConfigError('FLAG_BAD_VALUE', `${where}: ${label} must be one of ${spec.choices.join(', ')}, got '${raw}'${hint}`);
    }
    case 'number':
      return parseNumber(spec, raw, label, where);
  }
}

function parseNumber(spec: NumberFlag, raw: string, label: string, where: string): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  const ok =
    Number.isFinite(value) &&
    (!spec.integer || Number.isInteger(value)) &&
    (spec.min === undefined || (spec.minExclusive ? value > spec.min : value >= spec.min)) &&
    (spec.max === undefined || (spec.maxExclusive ? value < spec.max : value <= spec.max));
  if (!ok) throw new ConfigError('FLAG_BAD_VALUE', `${where}: ${label} expects ${describeNumber(spec)}, got '${raw}'`);
  return value;
}

/** "a whole number from 1 to 64", "a number > 0 and < 1", ... */
export function describeNumber(spec: NumberFlag): string {
  const noun = spec.integer ? 'a whole number' : 'a number';
  const lo = spec.min === undefined ? undefined : spec.minExclusive ? `> ${spec.min}` : `>= ${spec.min}`;
  const hi = spec.max === undefined ? undefined : spec.maxExclusive ? `< ${spec.max}` : `<= ${spec.max}`;
  if (spec.min !== undefined && spec.max !== undefined && !spec.minExclusive && !spec.maxExclusive) {
    return `${noun} from ${spec.min} to ${spec.max}`;
  }
  return [noun, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
}
