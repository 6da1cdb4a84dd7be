import { describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rules } from '../src/cli/rules.js';
import { PROFILES } from '../src/scoring/profiles.js';
import { fakeIo } from './fixtures/scan/fake-io.js';

async function run(argv: string[], policy?: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'jobguard-rules-'));
  if (policy !== undefined) await writeFile(path.join(dir, 'policy.yaml'), policy);
  const io = fakeIo({ cwd: dir });
  const code = await rules(argv, io);
  return { code, out: io.out() };
}

describe('jobguard rules', () => {
  it('lists the kql profile as JSON with weights after overrides and enabled flags', async () => {
    const { out, code } = await run(
      ['--config', 'policy.yaml', '--format', 'json'],
      'apiVersion: jobguard.dev/v1\nkind: Policy\nprofile: kql\nrules:\n  kql-privileged: { weight: 4 }\n  kql-host-network: { enabled: false }\n',
    );
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.profile).toBe('kql');
    expect(json.rules.map((r: { id: string }) => r.id)).toEqual(PROFILES.kql.rules.map((r) => r.id));
    expect(json.rules.find((r: { id: string }) => r.id === 'kql-privileged')).toEqual({
      id: 'kql-privileged',
      weight: 4,
      technique: expect.stringMatching(/^T\d{4}/),
      enabled: true,
      description: expect.any(String),
    });
    expect(json.rules.find((r: { id: string }) => r.id === 'kql-host-network').enabled).toBe(false);
    expect(json.rules.find((r: { id: string }) => r.id === 'kql-service-account-token').weight).toBe(0);
  });

  it('prints a text table for the default profile', async () => {
    const { out } = await run([]);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+WEIGHT\s+TECHNIQUE\s+ENABLED\s+DESCRIPTION$/);
    for (const rule of PROFILES.default.rules) expect(out).toContain(rule.id);
    expect(lines.at(-1)).toBe(
      `profile default: ${PROFILES.default.rules.length} rules, ${PROFILES.default.rules.length} enabled`,
    );
  });

  it('honours --profile', async () => {
    const { out } = await run(['--profile', 'kql']);
    expect(out).toMatch(/^kql-suspicious-image\s+1\s+T\d{4}/m);
  });
});
