import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseFlags, type FlagSpecs } from '../../src/cli/flags.js';
import { closest, editDistance } from '../../src/cli/suggest.js';

const specs = {
  model: { type: 'string', positional: true, required: true, placeholder: 'MODEL', description: 'the model' },
  epochs: { type: 'number', integer: true, min: 1, placeholder: 'N', description: 'passes' },
  batchSize: { type: 'number', integer: true, min: 1, default: 32, description: 'batch' },
  rate: { type: 'number', min: 0, minExclusive: true, description: 'rate' },
  sparsity: { type: 'number', min: 0, max: 1, maxExclusive: true, description: 'zeros' },
  seed: { type: 'number', integer: true, description: 'seed' },
  quantize: { type: 'choice', choices: ['none', 'dynamic', 'int8'], description: 'mode' },
  sparse: { type: 'choice', choices: ['auto', 'never'], default: 'auto', description: 'sparse' },
  quick: { type: 'boolean', description: 'quick' },
  out: { type: 'string', description: 'out' },
} as const satisfies FlagSpecs;

const parse = (...argv: string[]) => parseFlags(specs, argv, 'topiary x');

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parseFlags', () => {
  it('reads --flag value, --flag=value, switches and positionals into typed values, with defaults', () => {
    const f = parse('m.ckpt', '--epochs', '5', '--rate=0.01', '--quick', '--quantize', 'int8', '--batch-size=64');
    expect(f).toEqual({ model: 'm.ckpt', epochs: 5, batchSize: 64, rate: 0.01, sparsity: undefined, seed: undefined, quantize: 'int8', sparse: 'auto', quick: true, out: undefined });
    const typed: { epochs: number | undefined; batchSize: number; quick: boolean; quantize: 'none' | 'dynamic' | 'int8' | undefined } = f;
    expect(typed.batchSize).toBe(64);
  });

  it('takes a positional also as its named flag, and everything after -- as bare arguments', () => {
    expect(parse('--model', 'a').model).toBe('a');
    expect(parse('--', '--odd-name').model).toBe('--odd-name');
  });

  it('negates switches with --no-name or =false, and reads negative numbers as values', () => {
    expect(parse('m', '--no-quick').quick).toBe(false);
    expect(parse('m', '--quick=false').quick).toBe(false);
    expect(parse('m', '--quick=1').quick).toBe(true);
    expect(parse('m', '--seed', '-3').seed).toBe(-3);
  });

  it('suggests the flag that was probably meant', () => {
    const e = configError(() => parse('m', '--epoch', '3'));
    expect(e.code).toBe('FLAG_UNKNOWN');
    expect(e.message).toBe('topiary x: unknown flag --epoch; did you mean --epochs?');
    expect(configError(() => parse('m', '--batchsize', '3')).message).toContain('did you mean --batch-size?');
    expect(configError(() => parse('m', '--spars=0.5')).message).toContain('did you mean --sparse?');
    expect(configError(() => parse('m', '--banana')).message).toBe('topiary x: unknown flag --banana; see topiary x --help');
    expect(configError(() => parse('m', '-e', '3')).message).toContain('unknown flag -e; flags are spelled out');
  });

  it.each([
    [['m', '--epochs', '2.5'], "--epochs expects a whole number >= 1, got '2.5'"],
    [['m', '--epochs', '0'], "--epochs expects a whole number >= 1, got '0'"],
    [['m', '--epochs', 'ten'], "--epochs expects a whole number >= 1, got 'ten'"],
    [['m', '--epochs='], "--epochs expects a whole number >= 1, got ''"],
    [['m', '--rate', '0'], "--rate expects a number > 0, got '0'"],
    [['m', '--sparsity', '1'], "--sparsity expects a number >= 0 and < 1, got '1'"],
    [['m', '--sparsity', 'Infinity'], "--sparsity expects a number >= 0 and < 1, got 'Infinity'"],
    [['m', '--quantize', 'int4'], "--quantize must be one of none, dynamic, int8, got 'int4'; did you mean int8?"],
    [['m', '--quick=yes'], "--quick is a switch, use --quick or --no-quick (got 'yes')"],
    [['m', '--out='], '--out is empty; give it a VALUE'],
  ])('rejects bad values: %j', (argv, message) => {
    const e = configError(() => parse(...argv));
    expect(e.code).toBe('FLAG_BAD_VALUE');
    expect(e.message).toBe(`topiary x: ${message}`);
  });

  it('rejects a missing value, a repeated flag, a stray argument and a missing required flag', () => {
    const noValue = configError(() => parse('m', '--epochs'));
    expect([noValue.code, noValue.message]).toEqual(['FLAG_NO_VALUE', 'topiary x: --epochs needs a value (--epochs N)']);
    expect(configError(() => parse('m', '--epochs', '--quick')).code).toBe('FLAG_NO_VALUE');
    const twice = configError(() => parse('m', '--epochs', '1', '--epochs=2'));
    expect([twice.code, twice.message]).toEqual(['FLAG_REPEATED', 'topiary x: --epochs is given twice; give it once']);
    expect(configError(() => parse('m', '--model', 'n')).code).toBe('FLAG_REPEATED');
    const stray = configError(() => parse('m', 'extra'));
    expect([stray.code, stray.message]).toEqual(['ARG_UNEXPECTED', "topiary x: unexpected argument 'extra'; see topiary x --help"]);
    const missing = configError(() => parse('--quick'));
    expect([missing.code, missing.message]).toEqual(['FLAG_MISSING', 'topiary x: missing MODEL: the model; see topiary x --help']);
  });
});

describe('suggestions', () => {
  it('measures edits, counting a swap of neighbours as one', () => {
    expect(editDistance('epochs', 'epochs')).toBe(0);
    expect(editDistance('epoch', 'epochs')).toBe(1);
    expect(editDistance('tarin', 'train')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('only suggests close words or words the input begins', () => {
    expect(closest('trian', ['train', 'prune'])).toBe('train');
    expect(closest('qu', ['quick', 'quantize'])).toBe('quick');
    expect(closest('xyz', ['train', 'prune'])).toBeUndefined();
    expect(closest('q', ['quick'])).toBeUndefined();
  });
});
