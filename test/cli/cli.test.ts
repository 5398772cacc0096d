import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, EXIT, runCli } from '../../src/cli/cli.js';
import { defineCommand, type Command } from '../../src/cli/command.js';
import { flagName, parseFlags } from '../../src/cli/flags.js';
import { commandHelp } from '../../src/cli/help.js';
import { ConfigError, DataError } from '../../src/errors.js';

async function run(argv: string[], env: Record<string, string> = {}, commands: readonly Command[] = COMMANDS) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, isTTY: false }, commands);
  return { code, stdout, stderr };
}

const byName = (name: string) => COMMANDS.find((c) => c.name === name)!;

describe('topiary (the tool)', () => {
  it('has the seven commands, each in pipeline order', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(['train', 'prune', 'quantize', 'convert', 'inspect', 'predict', 'bench']);
  });

  it('--help lists every command with its summary and exits 0; no command prints it to stderr and exits 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(EXIT.ok);
    for (const c of COMMANDS) expect(help.stdout).toContain(`  ${c.name.padEnd(12)}${c.summary}\n`);
    expect(help.stdout).toMatch(/^topiary \d+\.\d+\.\d+: /);
    const bare = await run([]);
    expect(bare.code).toBe(EXIT.usage);
    expect(bare.stderr).toBe(help.stdout);
    for (const line of help.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect((await run(['--version'])).stdout).toBe(`${pkg.version}\n`);
  });

  it('suggests a command for a typo and exits 2', async () => {
    expect(await run(['trian'])).toEqual({ code: EXIT.usage, stdout: '', stderr: "topiary: unknown command 'trian'; did you mean 'train'? (see topiary --help)\n" });
    expect((await run(['--epochs', '3'])).stderr).toContain('topiary: expected a command before --epochs; commands: train, prune');
  });

  it('starts with the node shebang (package bin -> dist/src/cli/main.js)', () => {
    const main = readFileSync(new URL('../../src/cli/main.ts', import.meta.url), 'utf8');
    expect(main.split('\n')[0]).toBe('#!/usr/bin/env node');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.bin.topiary).toBe('./dist/src/cli/main.js');
  });
});

describe.each(COMMANDS.map((c) => [c.name, c] as const))('topiary %s --help', (name, command) => {
  const text = commandHelp(command);

  it('shows the summary, the usage and every flag with its value name and default', async () => {
    const { code, stdout } = await run([name, '--help']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toBe(text);
    expect(text.startsWith(`topiary ${name}: ${command.summary}\n\nUsage: topiary ${name} `)).toBe(true);
    for (const [key, spec] of Object.entries(command.flags)) {
      const label = spec.type === 'boolean' ? `--${flagName(key)}` : `--${flagName(key)} `;
      expect(text, `--${flagName(key)}`).toContain(`  ${spec.positional ? '' : label}`);
      expect(text.replace(/\s+/g, ' '), key).toContain(spec.description.replace(/\s+/g, ' '));
      if (spec.type !== 'boolean' && spec.default !== undefined) expect(text.replace(/\s+/g, ' ')).toContain(`(default: ${spec.default})`);
      if (spec.required) expect(text.replace(/\s+/g, ' ')).toMatch(new RegExp(`${escape(spec.description)} \\(required`));
    }
    expect(text).toContain('  -h, --help');
    expect(text).toContain('  --verbose');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('keeps every help line within 100 columns', () => {
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('shows help even when other flags are wrong', async () => {
    expect((await run([name, '--no-such-flag', '-h'])).stdout).toBe(text);
  });

  it('rejects an unknown flag with a one-line message and exit 2', async () => {
    const { code, stderr } = await run([name, '--no-such-flag']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toBe(`topiary ${name}: unknown flag --no-such-flag; see topiary ${name} --help\n`);
  });
});

describe('topiary <command>', () => {
  it('reports an error in one line, exit 1, the stack only when asked', async () => {
    const plain = await run(['inspect', '/nonexistent/m.tpy']);
    expect(plain.code).toBe(EXIT.error);
    expect(plain.stderr).toBe('topiary inspect: /nonexistent/m.tpy does not exist; pass a model file written by topiary convert\n');
    const verbose = await run(['inspect', '/nonexistent/m.tpy', '--verbose']);
    expect(verbose.stderr.split('\n').length).toBeGreaterThan(3);
    expect(verbose.stderr).toContain('at readModelBytes');
    const debug = await run(['inspect', '/nonexistent/m.tpy'], { TOPIARY_DEBUG: '1' });
    expect(debug.stderr).toContain('at readModelBytes');
  });

  it('gives the command-specific message for a mistyped flag', async () => {
    const { code, stderr } = await run(['train', '--epoch', '3', '--out', 'x']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toBe('topiary train: unknown flag --epoch; did you mean --epochs?\n');
  });

  it.each([
    [['predict', 'm.tpy', '--images', 'a'], 'topiary predict: --images and --labels go together; add --labels FILE'],
    [['predict', 'm.tpy', '--data', 'd', '--images', 'a', '--labels', 'b'], 'topiary predict: give either --data DIR or --images FILE, not both'],
    [['prune', 'm', '--out', 'o', '--initial-sparsity', '0.9', '--sparsity', '0.5'], 'topiary prune: --initial-sparsity 0.9 is above --sparsity 0.5; the schedule only adds zeros, so start lower'],
    [['prune', 'm', '--out', 'o', '--pattern', '2:4', '--sparsity', '0.7'], 'topiary prune: --pattern 2:4 fixes the sparsity at 50% from the first step; drop --sparsity and --initial-sparsity'],
    [['convert', 'm', '--out', 'o', '--quantize', 'dynamic', '--calibration-samples', '10'], 'topiary convert: --data and --calibration-samples calibrate --quantize int8; with --quantize dynamic leave them out'],
    [['quantize', 'm', '--out', 'o', '--dense-weights', 'per-row'], "topiary quantize: --dense-weights must be one of per-tensor, per-channel, got 'per-row'"],
    [['convert', 'm', '--out', 'o', '--sparse', 'always'], "topiary convert: --sparse must be one of auto, never, got 'always'"],
    [['bench', '--threads', '0'], "topiary bench: --threads expects a whole number >= 1, got '0'"],
    [['inspect'], 'topiary inspect: missing MODEL: the model file to describe, from topiary convert; see topiary inspect --help'],
  ])('rejects contradictory or invalid flags before running: %j', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toBe(`${message}\n`);
  });

  it('parses each command into the values its run() will get', () => {
    const parse = (name: string, ...argv: string[]) => parseFlags(byName(name).flags, argv, name);
    expect(parse('train', '--epochs', '20', '--out', 'b.ckpt', '--data', '/d')).toMatchObject({ epochs: 20, batchSize: undefined, validationSplit: undefined, out: 'b.ckpt', data: '/d', quiet: false, plain: false, cacheDir: '.cache/topiary' });
    expect(parse('prune', 'b.ckpt', '--out', 'p.ckpt', '--pattern', '2:4')).toMatchObject({ model: 'b.ckpt', pattern: '2:4', frequency: undefined, maskGradients: false });
    expect(parse('prune', '--out', 'p.ckpt')).toMatchObject({ model: undefined, pattern: 'unstructured' });
    expect(parse('quantize', 'p.ckpt', '--out', 'q.ckpt', '--dense-weights', 'per-channel')).toMatchObject({ denseWeights: 'per-channel' });
    expect(parse('convert', 'q.ckpt', '--out', 'm.tpy', '--quantize', 'dynamic')).toMatchObject({ quantize: 'dynamic', sparse: 'auto', names: false });
    expect(parse('inspect', 'm.tpy', '--json')).toEqual({ model: 'm.tpy', json: true });
    expect(parse('predict', 'm.tpy', '--scalar', '--json')).toMatchObject({ scalar: true, json: true, batchSize: 32 });
    expect(parse('bench', '--quick', '--fresh')).toMatchObject({ quick: true, fresh: true, out: 'bench/results' });
  });

  it('passes parsed flags (without --verbose/--help) to run, and maps error kinds to exit codes', async () => {
    const seen: unknown[] = [];
    const probe = defineCommand({
      name: 'probe',
      summary: 'test',
      flags: { n: { type: 'number', integer: true, description: 'n' } },
      run(flags) {
        seen.push(flags);
        if (flags.n === 1) throw new DataError('IDX_MISSING', 'a.idx does not exist; pass --data');
        if (flags.n === 2) throw new ConfigError('FLAG_CONFLICT', 'topiary probe: bad pair');
        if (flags.n === 3) throw new TypeError('x is undefined');
      },
    });
    const cmds = [probe] as Command[];
    expect((await run(['probe', '--n', '0', '--verbose'], {}, cmds)).code).toBe(EXIT.ok);
    expect(seen[0]).toEqual({ n: 0 });
    expect(await run(['probe', '--n', '1'], {}, cmds)).toMatchObject({ code: EXIT.error, stderr: 'topiary probe: a.idx does not exist; pass --data\n' });
    expect(await run(['probe', '--n', '2'], {}, cmds)).toMatchObject({ code: EXIT.usage, stderr: 'topiary probe: bad pair\n' });
    const bug = await run(['probe', '--n', '3'], {}, cmds);
    expect(bug.code).toBe(EXIT.internal);
    expect(bug.stderr).toBe('topiary probe: unexpected error, likely a bug in topiary: x is undefined (rerun with --verbose for the stack trace)\n');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
