/** `jobguard policy print|check|schema`, run in-process through main() with fake streams. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { main } from '../src/cli/index.js';
import type { CliIo } from '../src/cli/io.js';
import { parsePolicy } from '../src/policy/load.js';
import { DEFAULT_POLICY } from '../src/policy/schema.js';
import { PROFILES } from '../src/scoring/profiles.js';

const HEAD = 'apiVersion: jobguard.dev/v1\nkind: Policy\n';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobguard-policy-cli-'));
  const files: Record<string, string> = {
    'good.yaml': `${HEAD}mode: enforce\nthresholds: { deny: 9 }\nnamespaces:\n  - names: [ci-*]\n    mode: warn\n`,
    'bad.yaml': `${HEAD}mode: strict\nthresholds: { warn: three }\n`,
    'no-selector.yaml': `${HEAD}exemptions:\n  - reason: everything, by accident\n`,
    'expired.yaml': `${HEAD}exemptions:\n  - reason: old scanner\n    namespaces: [bench]\n    expires: "2020-01-31"\n  - reason: current\n    namespaces: [x]\n    expires: "2999-01-01"\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString()));
  const io: CliIo = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
    cwd: dir,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  const code = await main(['policy', ...argv], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('jobguard policy', () => {
  it.each([
    ['--help'],
    ['-h'],
    ['print', '--help'],
    ['check', '--help'],
    ['check', '-h'],
    ['schema', '--help'],
  ])('%s %s prints usage and exits 0', async (...argv) => {
    const { code, stdout } = await run(...argv);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: jobguard policy/);
  });

  it.each([
    [[] as string[], /^Usage: jobguard policy/],
    [['frob'], /unknown command "frob"/],
  ])('without a known command (%j) exits 2', async (argv, message) => {
    const { code, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('jobguard policy print', () => {
  it('without a file: the built-in policy with the default profile thresholds, as YAML', async () => {
    const { code, stdout } = await run('print');
    expect(code).toBe(0);
    expect(parse(stdout)).toEqual({ ...DEFAULT_POLICY, thresholds: PROFILES.default.thresholds });
    expect(stdout).toMatch(/^apiVersion: jobguard.dev\/v1\nkind: Policy\nmode: warn\nprofile: default\n/);
  });

  it('flags override the file; thresholds not set come from the profile', async () => {
    const { code, stdout } = await run(
      'print',
      '--config',
      'good.yaml',
      '--mode',
      'audit',
      '--warn-threshold',
      '4',
      '--format',
      'json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      mode: 'audit',
      profile: 'default',
      thresholds: { annotate: PROFILES.default.thresholds.annotate, warn: 4, deny: 9 },
      namespaces: [{ names: ['ci-*'], mode: 'warn' }],
    });
  });

  it.each<[string[], { annotate: number; warn: number; deny: number }]>([
    [['--profile', 'kql'], { annotate: 1, warn: 1, deny: 3 }],
    [['--profile', 'kql', '--deny-threshold', '2'], { annotate: 1, warn: 1, deny: 2 }],
    [
      ['--annotate-threshold', '1', '--warn-threshold', '2', '--deny-threshold', '3'],
      { annotate: 1, warn: 2, deny: 3 },
    ],
  ])('%j → thresholds %j', async (flags, thresholds) => {
    const { code, stdout } = await run('print', '--format', 'json', ...flags);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).thresholds).toEqual(thresholds);
  });

  it('quotes what a YAML 1.1 reader would take for a boolean or a date', async () => {
    writeFileSync(
      join(dir, 'off.yaml'),
      `${HEAD}namespaces:\n  - { names: [kube-system], mode: 'off' }\nexemptions:\n  - { reason: r, namespaces: [a], expires: '2027-06-30' }\n`,
    );
    const { stdout } = await run('print', '--config', 'off.yaml');
    expect(stdout).toContain('mode: "off"');
    expect(stdout).toContain('expires: "2027-06-30"');
    expect(parsePolicy(stdout, 'printed.yaml').policy.namespaces[0]?.mode).toBe('off');
  });

  it('the output is a valid policy file that means the same', async () => {
    const { stdout } = await run('print', '--config', 'expired.yaml', '--mode', 'enforce');
    const { policy } = parsePolicy(stdout, 'printed.yaml');
    expect(policy).toEqual(parse(stdout));
    expect(policy.exemptions[0]?.expires).toBe('2020-01-31');
  });

  it.each<[string[], string]>([
    [
      ['--warn-threshold', 'three'],
      'jobguard policy: --warn-threshold: expected an integer from 1 to 1000, got "three"\n',
    ],
    [
      ['--deny-threshold', '0'],
      'jobguard policy: --deny-threshold: expected an integer from 1 to 1000, got "0"\n',
    ],
    [
      ['--mode', 'strict'],
      'jobguard policy: --mode: expected one of enforce, warn, audit, off, got "strict"\n',
    ],
    [['--profile', 'sentinel'], 'jobguard policy: --profile: expected one of default, kql, got "sentinel"\n'],
    [['--format', 'xml'], 'jobguard policy: --format: expected one of yaml, json, got "xml"\n'],
    [['--config', 'missing.yaml'], 'jobguard policy: missing.yaml: cannot read the file (ENOENT)\n'],
    [
      ['--config', 'bad.yaml'],
      'jobguard policy: bad.yaml: mode: expected one of "enforce", "warn", "audit", "off", got "strict"; thresholds.warn: expected number, got "three"\n',
    ],
    [
      ['--profile', 'kql', '--annotate-threshold', '2'],
      'jobguard policy: command line: thresholds: annotate (2) must not exceed warn (1, from the kql profile)\n',
    ],
  ])('%j exits 2: %s', async (flags, message) => {
    const { code, stdout, stderr } = await run('print', ...flags);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('rejects an unknown flag', async () => {
    const { code, stderr } = await run('print', '--threshold', '3');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^jobguard policy: .*Unknown option '--threshold'/);
  });
});

describe('jobguard policy check', () => {
  it('exits 0 for good files and says so', async () => {
    expect(await run('check', 'good.yaml')).toEqual({ code: 0, stdout: 'good.yaml: ok\n', stderr: '' });
  });

  it('warns about expired exemptions without failing', async () => {
    expect(await run('check', 'expired.yaml')).toEqual({
      code: 0,
      stdout:
        'expired.yaml: ok\nexpired.yaml: exemptions[0].expires: warning: expired 2020-01-31, the exemption no longer applies (old scanner)\n',
      stderr: '',
    });
  });

  it('one line per problem, naming file, path and expectation; exit 2 when any file is bad', async () => {
    const { code, stdout, stderr } = await run(
      'check',
      'good.yaml',
      'bad.yaml',
      'no-selector.yaml',
      'missing.yaml',
    );
    expect(code).toBe(2);
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([
      'good.yaml: ok',
      'bad.yaml: mode: expected one of "enforce", "warn", "audit", "off", got "strict"',
      'bad.yaml: thresholds.warn: expected number, got "three"',
      'no-selector.yaml: exemptions[0]: an exemption needs at least one selector (namespaces, names, users, groups, serviceAccounts, images); without one it would exempt everything',
      'missing.yaml: cannot read the file (ENOENT)',
      '',
    ]);
  });

  it('accepts absolute paths', async () => {
    const file = join(dir, 'good.yaml');
    expect(await run('check', file)).toMatchObject({ code: 0, stdout: `${file}: ok\n` });
  });

  it('needs at least one file', async () => {
    expect(await run('check')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'jobguard policy: expected at least one policy file (see --help)\n',
    });
  });
});

describe('jobguard policy schema', () => {
  it('prints the JSON Schema the repository publishes in schema/policy.schema.json', async () => {
    const { code, stdout } = await run('schema');
    expect(code).toBe(0);
    const published = readFileSync(new URL('../schema/policy.schema.json', import.meta.url), 'utf8');
    expect(JSON.parse(stdout)).toEqual(JSON.parse(published));
    expect(JSON.parse(stdout)).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#' });
  });

  it('takes no operands', async () => {
    const { code } = await run('schema', 'policy.yaml');
    expect(code).toBe(2);
  });
});
