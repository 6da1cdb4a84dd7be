/**
 * The policy loader: every problem names the path inside the file and what was expected;
 * cross-field checks use the thresholds in force; flags override the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { applyOverrides, parsePolicy, PolicyError, resolvePolicy } from '../src/policy/load.js';
import { DEFAULT_POLICY } from '../src/policy/schema.js';
import { PROFILES } from '../src/scoring/profiles.js';

const HEAD = 'apiVersion: jobguard.dev/v1\nkind: Policy\n';

/** The problems of a policy text as `policy check` prints them, without the file name. */
function problems(text: string): string[] {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    expect(error.source).toBe('policy.yaml');
    return error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  }
  return [];
}

const exemption = (body: string) => `${HEAD}exemptions:\n  - reason: scanner\n    namespaces: [ci]\n${body}`;

describe('schema problems name the path and what was expected', () => {
  it.each<[string, string, string]>([
    [
      'a string for a number',
      `${HEAD}thresholds: { warn: three }`,
      'thresholds.warn: expected number, got "three"',
    ],
    [
      'a fraction for an integer',
      `${HEAD}thresholds: { deny: 2.5 }`,
      'thresholds.deny: expected int, got 2.5',
    ],
    [
      'a threshold below 1',
      `${HEAD}thresholds: { annotate: 0 }`,
      'thresholds.annotate: Too small: expected number to be >=1',
    ],
    ['a list for an object', `${HEAD}thresholds: [1, 2, 3]`, 'thresholds: expected object, got a list'],
    [
      'an object for a string',
      `${HEAD}mode: { a: 1 }`,
      'mode: expected one of "enforce", "warn", "audit", "off", got an object',
    ],
    [
      'a bad mode',
      `${HEAD}mode: strict`,
      'mode: expected one of "enforce", "warn", "audit", "off", got "strict"',
    ],
    [
      'a bad profile',
      `${HEAD}profile: sentinel`,
      'profile: expected one of "default", "kql", got "sentinel"',
    ],
    ['a bad onError', `${HEAD}onError: maybe`, 'onError: expected one of "allow", "deny", got "maybe"'],
    [
      'a bad apiVersion',
      'apiVersion: v1\nkind: Policy\n',
      'apiVersion: expected one of "jobguard.dev/v1", got "v1"',
    ],
    ['a missing kind', 'apiVersion: jobguard.dev/v1\n', 'kind: expected one of "Policy", got nothing'],
    ['an unknown top-level field', `${HEAD}modes: warn`, 'unknown field modes'],
    ['an unknown threshold', `${HEAD}thresholds: { block: 9 }`, 'thresholds: unknown field block'],
    [
      'a bad namespace override mode',
      `${HEAD}namespaces:\n  - names: [prod-*]\n    mode: block`,
      'namespaces[0].mode: expected one of "enforce", "warn", "audit", "off", got "block"',
    ],
    [
      'a namespace override without names',
      `${HEAD}namespaces:\n  - names: []\n    mode: enforce`,
      'namespaces[0].names: Too small: expected array to have >=1 items',
    ],
    [
      'a rule override of the wrong type',
      `${HEAD}rules:\n  kql-privileged: { enabled: "no" }`,
      'rules.kql-privileged.enabled: expected boolean, got "no"',
    ],
    [
      'a bad kind',
      `${HEAD}kinds: [Cronjob]`,
      'kinds[0]: expected one of "CronJob", "Job", "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "PodTemplate", got "Cronjob"',
    ],
    [
      'an unknown exemption field',
      exemption('    namespace: [security]\n    names: [a]'),
      'exemptions[0]: unknown field namespace',
    ],
    [
      'an empty reason',
      `${HEAD}exemptions:\n  - reason: "  "\n    names: [a]`,
      'exemptions[0].reason: an exemption needs a reason',
    ],
    [
      'two exemptions with one name',
      `${HEAD}exemptions:\n  - { name: bench, reason: a, names: [a] }\n  - { name: bench, reason: b, names: [b] }`,
      'exemptions[1].name: "bench" already names exemptions[0]; give each exemption its own name',
    ],
    [
      'a missing reason',
      `${HEAD}exemptions:\n  - names: [a]`,
      'exemptions[0].reason: expected string, got nothing',
    ],
    [
      'a number for a date',
      exemption('    names: [a]\n    expires: 2027'),
      'exemptions[0].expires: expected string, got 2027',
    ],
    [
      'an empty selector list',
      exemption('    names: [a]\n    groups: []'),
      'exemptions[0].groups: expected at least one entry (an empty list matches nothing); remove the field instead',
    ],
    [
      'an empty rules list',
      exemption('    names: [a]\n    rules: []'),
      'exemptions[0].rules: expected at least one entry (an empty list matches nothing); remove the field instead',
    ],
    [
      'an exemption kind of the wrong case',
      exemption('    names: [a]\n    kinds: [cronjob]'),
      'exemptions[0].kinds[0]: expected one of "CronJob", "Job", "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "PodTemplate", got "cronjob"',
    ],
    ['not YAML', `${HEAD}mode: [warn`, expect.stringMatching(/^not valid YAML: /) as unknown as string],
    [
      'a duplicate key',
      `${HEAD}mode: warn\nmode: enforce`,
      expect.stringMatching(/^not valid YAML: .*unique/i) as unknown as string,
    ],
    ['an empty file', '', 'the file is empty'],
    ['a comment only', '# nothing yet\n', 'the file is empty'],
    ['a list for the policy', '- a\n- b\n', 'expected object, got a list'],
  ])('%s', (_name, text, expected) => {
    expect(problems(text)).toEqual([expected]);
  });

  it.each([
    ['a day that does not exist', '2027-02-30'],
    ['a month that does not exist', '2027-13-01'],
    ['a European date', '30/06/2027'],
    ['a bare year Date.parse accepts', '1'],
    ['words Date.parse accepts', 'June 30 2027'],
    ['a date-time without a zone (local time is ambiguous)', '2027-06-30T12:00:00'],
    ['an empty string', ''],
  ])('a bad date: %s (%s)', (_name, expires) => {
    expect(problems(exemption(`    names: [a]\n    expires: "${expires}"`))).toEqual([
      'exemptions[0].expires: expected a date like 2027-06-30 or a date-time like 2027-06-30T18:00:00Z',
    ]);
  });

  it.each([
    '2027-06-30',
    '2028-02-29',
    '2027-06-30T18:00:00Z',
    '2027-06-30T18:00:00.5+02:00',
    '2027-06-30 18:00:00z',
  ])('a good date: %s', (expires) => {
    expect(problems(exemption(`    names: [a]\n    expires: "${expires}"`))).toEqual([]);
  });

  it('an unquoted date stays a string (YAML 1.2 core schema)', () => {
    const { policy } = parsePolicy(exemption('    names: [a]\n    expires: 2027-06-30'), 'p.yaml');
    expect(policy.exemptions[0]?.expires).toBe('2027-06-30');
  });

  it.each([
    ['only a reason', ''],
    ['a reason and an expiry', '    expires: "2027-06-30"\n'],
    ['a reason and rules (waived everywhere)', '    rules: [kql-privileged]\n'],
    ['a reason and kinds (every CronJob)', '    kinds: [CronJob]\n'],
  ])('an exemption with no selector is rejected: %s', (_name, body) => {
    expect(problems(`${HEAD}exemptions:\n  - reason: scanner\n${body}`)).toEqual([
      'exemptions[0]: an exemption needs at least one selector (namespaces, names, users, groups, serviceAccounts, images); without one it would exempt everything',
    ]);
  });

  it.each(['namespaces: [a]', 'users: [a]', 'groups: [a]', 'serviceAccounts: [a]'])(
    'one selector that says where or whose is enough: %s',
    (selector) => {
      expect(problems(`${HEAD}exemptions:\n  - reason: scanner\n    ${selector}\n`)).toEqual([]);
    },
  );

  it.each([
    ['names: [backup-*]', 'name'],
    ['images: [registry.example/backup:*]', 'image'],
    ['names: [backup-*]\n    images: [alpine]\n    kinds: [Job]\n    rules: [kql-privileged]', 'name'],
  ])('names or images alone, in every namespace for anyone, are refused: %s', (selector, by) => {
    expect(problems(`${HEAD}exemptions:\n  - reason: scanner\n    ${selector}\n`)).toEqual([
      `exemptions[0]: matches by ${by} alone, in every namespace and for anyone: add namespaces (or users, groups, serviceAccounts) to scope it; namespaces: ["*"] if every namespace is meant`,
    ]);
    expect(
      problems(`${HEAD}exemptions:\n  - reason: scanner\n    namespaces: ["*"]\n    ${selector}\n`),
    ).toEqual([]);
  });

  it('reports every problem at once', () => {
    const text = `${HEAD}mode: strict\nthresholds: { warn: three }\nexemptions:\n  - reason: ""\n    names: [a]\n`;
    expect(problems(text)).toEqual([
      'mode: expected one of "enforce", "warn", "audit", "off", got "strict"',
      'thresholds.warn: expected number, got "three"',
      'exemptions[0].reason: an exemption needs a reason',
    ]);
  });

  it('the error message names the file', () => {
    expect(() => parsePolicy(`${HEAD}mode: strict`, 'deploy/policy.yaml')).toThrow(
      'deploy/policy.yaml: mode: expected one of "enforce", "warn", "audit", "off", got "strict"',
    );
  });
});

describe('checks beyond the schema', () => {
  it.each<[string, string, string]>([
    [
      'annotate above warn',
      'thresholds: { annotate: 6, warn: 3, deny: 9 }',
      'thresholds: annotate (6) must not exceed warn (3)',
    ],
    [
      'warn above deny',
      'thresholds: { annotate: 1, warn: 7, deny: 6 }',
      'thresholds: warn (7) must not exceed deny (6)',
    ],
    [
      'deny below the profile warn',
      `profile: default\nthresholds: { deny: ${PROFILES.default.thresholds.warn - 1} }`,
      `thresholds: warn (${PROFILES.default.thresholds.warn}, from the default profile) must not exceed deny (${PROFILES.default.thresholds.warn - 1})`,
    ],
    [
      'annotate above the kql profile warn',
      'profile: kql\nthresholds: { annotate: 2 }',
      'thresholds: annotate (2) must not exceed warn (1, from the kql profile)',
    ],
    [
      'an unknown rule override',
      'rules:\n  no-such-rule: { enabled: false }',
      'rules.no-such-rule: unknown rule "no-such-rule" (see jobguard rules)',
    ],
    [
      'an unknown rule in an exemption',
      'exemptions:\n  - reason: r\n    namespaces: [a]\n    names: [a]\n    rules: [kql-privileged, kql-privilegd]',
      'exemptions[0].rules[1]: unknown rule "kql-privilegd" (see jobguard rules)',
    ],
  ])('%s', (_name, body, expected) => {
    expect(problems(`${HEAD}${body}`)).toEqual([expected]);
  });

  it('equal thresholds are allowed (the kql profile warns at annotate)', () => {
    expect(problems(`${HEAD}profile: kql\nthresholds: { annotate: 1, warn: 1, deny: 1 }`)).toEqual([]);
  });

  it('fills every default', () => {
    expect(parsePolicy(HEAD, 'p.yaml').policy).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY).toMatchObject({
      mode: 'warn',
      profile: 'default',
      thresholds: {},
      onError: 'deny',
      kinds: ['CronJob', 'Job'],
      namespaceLabels: { enabled: true, allowDowngrade: false },
      selfExemption: { namespaces: [] },
      exemptions: [],
    });
  });

  it('reads JSON too', () => {
    expect(
      parsePolicy('{"apiVersion":"jobguard.dev/v1","kind":"Policy","mode":"enforce"}', 'p.json').policy.mode,
    ).toBe('enforce');
  });
});

describe('flags over the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobguard-load-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('an unset flag does not erase a threshold from the file', () => {
    const policy = { ...DEFAULT_POLICY, thresholds: { warn: 4 } };
    expect(
      applyOverrides(policy, { thresholds: { annotate: undefined, warn: undefined, deny: 9 } }).thresholds,
    ).toEqual({
      warn: 4,
      deny: 9,
    });
  });

  it('mode and profile replace the file', () => {
    expect(applyOverrides(DEFAULT_POLICY, { mode: 'enforce', profile: 'kql' })).toMatchObject({
      mode: 'enforce',
      profile: 'kql',
    });
    expect(DEFAULT_POLICY).toMatchObject({ mode: 'warn', profile: 'default' });
  });

  it('without a file: the built-in default with the flags', async () => {
    await expect(
      resolvePolicy(undefined, { mode: 'audit', thresholds: { deny: 20 } }),
    ).resolves.toMatchObject({ policy: { mode: 'audit', thresholds: { deny: 20 } } });
  });

  it('flags that contradict the profile are reported as the command line', async () => {
    await expect(resolvePolicy(undefined, { profile: 'kql', thresholds: { annotate: 2 } })).rejects.toThrow(
      'command line: thresholds: annotate (2) must not exceed warn (1, from the kql profile)',
    );
  });

  it('a file with flags applied', async () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, `${HEAD}mode: warn\nthresholds: { warn: 4, deny: 6 }\n`);
    await expect(resolvePolicy(file, { mode: 'enforce', thresholds: { deny: 7 } })).resolves.toMatchObject({
      policy: { mode: 'enforce', thresholds: { warn: 4, deny: 7 } },
    });
  });

  it('an unreadable file names the file and the reason', async () => {
    const file = join(dir, 'missing.yaml');
    await expect(resolvePolicy(file, {})).rejects.toThrow(`${file}: cannot read the file (ENOENT)`);
    await expect(resolvePolicy(dir, {})).rejects.toThrow(`${dir}: cannot read the file (EISDIR)`);
  });
});
