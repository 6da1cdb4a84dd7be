import { describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/index.js';
import { kql } from '../src/cli/kql.js';
import { kqlString } from '../src/format/kql.js';
import { KQL_RULES, PROFILES } from '../src/scoring/profiles.js';
import { fakeIo } from './fixtures/scan/fake-io.js';

async function query(policy?: string): Promise<{ code: number; out: string; err: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jobguard-kql-'));
  const argv: string[] = [];
  if (policy !== undefined) {
    await writeFile(path.join(dir, 'policy.yaml'), policy);
    argv.push('--config', 'policy.yaml');
  }
  const io = fakeIo({ cwd: dir });
  const code = await main(['kql', ...argv], io);
  return { code, out: io.out(), err: io.err() };
}

/** Parses a `dynamic([ "a", "b" ])` let statement back into its terms (KQL double-quoted strings). */
function letList(text: string, name: string): string[] {
  const match = new RegExp(`^let ${name} = dynamic\\(\\[\\n([\\s\\S]*?)\\n\\]\\);$`, 'm').exec(text);
  if (!match) throw new Error(`no let ${name}`);
  return [...match[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
}

const POLICY = 'apiVersion: jobguard.dev/v1\nkind: Policy\n';
const SEED_IMAGES = [
  'alpine',
  'busybox',
  'ubuntu',
  'debian',
  'kali',
  'python',
  'perl',
  'ruby',
  'php',
  'ncat',
  'netcat',
  'nmap',
  'masscan',
  'curl',
  'wget',
];
const SEED_COMMANDS = [
  'curl',
  'wget',
  'bash -i',
  '/dev/tcp',
  'nc ',
  'ncat',
  'python -c',
  'perl -e',
  'ruby -e',
  'chmod +x',
  'base64 -d',
  'eval',
  '/bin/sh -c',
  '/bin/bash -c',
  'mkfifo',
  'socat',
];

describe('jobguard kql', () => {
  it('reproduces the seed query for the built-in policy', async () => {
    const { out, code } = await query();
    expect(code).toBe(0);
    expect(letList(out, 'SuspiciousImages')).toEqual(SEED_IMAGES);
    expect(letList(out, 'SuspiciousCommands')).toEqual(SEED_COMMANDS);
    const lines = out.split('\n');
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    expect(at('AzureDiagnostics')).toBeGreaterThan(at('let SuspiciousCommands'));
    expect(out).toContain('| where Category == "kube-audit" or Category == "kube-audit-admin"');
    expect(out).toContain('| extend AuditLog = parse_json(log_s)');
    expect(out).toContain('    RequestBody = tostring(AuditLog.requestObject)');
    expect(out).toContain('| where Resource in~ ("cronjobs", "jobs")');
    expect(out).toContain('| where Verb in~ ("create", "update", "patch")');
    const extendsInOrder = lines.filter((l) => /^\| extend Is\w+ = /.test(l));
    expect(extendsInOrder).toEqual([
      '| extend IsSuspiciousImage = RequestBody has_any (SuspiciousImages)',
      '| extend IsSuspiciousCommand = RequestBody has_any (SuspiciousCommands)',
      '| extend IsHostPathMount = RequestBody has "hostPath"',
      '| extend IsPrivileged = RequestBody has "privileged"',
      '| extend IsHostNetwork = RequestBody has "hostNetwork"',
      '| extend IsSensitiveMount = RequestBody has_any ("/etc", "/var/run/docker.sock", "/proc", "/sys")',
      '| extend IsServiceAccountToken = RequestBody has "automountServiceAccountToken"',
    ]);
    expect(out).toContain(
      '| extend SuspicionScore = toint(IsSuspiciousImage) + toint(IsSuspiciousCommand) + toint(IsHostPathMount) + toint(IsPrivileged) + toint(IsHostNetwork) + toint(IsSensitiveMount)',
    );
    expect(out).toContain(`| where SuspicionScore >= ${PROFILES.kql.thresholds.annotate}`);
    expect(at('| where SuspicionScore')).toBeGreaterThan(at('| extend SuspicionScore'));
    expect(at('| project')).toBeGreaterThan(at('| where SuspicionScore'));
    expect(lines.filter((l) => l.trim() !== '').at(-1)).toBe(
      '| sort by SuspicionScore desc, TimeGenerated desc',
    );
    for (const rule of KQL_RULES) expect(out).toContain(`    ${rule.column},`);
  });

  it('lists the default profile rules as comments, never as query lines', async () => {
    const { out } = await query();
    for (const rule of PROFILES.default.rules) expect(out).toMatch(new RegExp(`^// .*${rule.id}`, 'm'));
    // Every line that names a default-profile rule is a comment: none leaked into the query itself
    // (a description with a line break would start a line without `//`).
    const lines = out.split('\n');
    for (const rule of PROFILES.default.rules) {
      const names = new RegExp(`(?<![\\w-])${rule.id}(?![\\w-])`);
      const naming = lines.filter((line) => names.test(line));
      expect(naming.length).toBeGreaterThan(0);
      expect(naming.filter((line) => !line.startsWith('//'))).toEqual([]);
    }
  });

  it('applies term overrides, weights, disabled rules, kinds and the kql threshold', async () => {
    const { out } = await query(`${POLICY}profile: kql
thresholds: { annotate: 2, warn: 3, deny: 4 }
kinds: [CronJob, Job, Deployment]
rules:
  kql-suspicious-image: { terms: ["alpine", "say \\"hi\\"", "back\\\\slash"] }
  kql-privileged: { weight: 3 }
  kql-host-network: { enabled: false }
`);
    expect(letList(out, 'SuspiciousImages')).toEqual(['alpine', 'say "hi"', 'back\\slash']);
    expect(out).toContain('"say \\"hi\\""');
    expect(out).toContain('"back\\\\slash"');
    expect(out).toContain('toint(IsPrivileged) * 3');
    expect(out).toContain('| extend IsHostNetwork = RequestBody has "hostNetwork"');
    expect(out).not.toContain('toint(IsHostNetwork)');
    expect(out).toContain('| where SuspicionScore >= 2');
    expect(out).toContain('| where Resource in~ ("cronjobs", "jobs", "deployments")');
  });

  it('keeps the kql profile threshold when the policy runs the default profile', async () => {
    const { out } = await query(`${POLICY}profile: default\nthresholds: { annotate: 4, warn: 5, deny: 9 }\n`);
    expect(out).toContain(`| where SuspicionScore >= ${PROFILES.kql.thresholds.annotate}`);
  });

  it('escapes KQL strings and refuses control characters', () => {
    expect(kqlString('a"b\\c\nd\te')).toBe('"a\\"b\\\\c\\nd\\te"');
    expect(() => kqlString('bell\u0007')).toThrow(/control character/);
  });

  it('runs in-process through its CliCommand and prints help', async () => {
    const io = fakeIo({ cwd: process.cwd() });
    expect(await kql(['--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: jobguard kql');
  });
});
