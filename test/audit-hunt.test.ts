import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GroupCounts } from '../src/audit/hunt.js';
import { main } from '../src/cli/index.js';
import type { ScanResult } from '../src/format/result.js';
import { fakeIo } from './fixtures/scan/fake-io.js';

/** Objects kubectl generated (test/fixtures/kubectl/generate.sh), wrapped in audit.k8s.io/v1 Events. */
const KUBECTL = path.resolve('test/fixtures/kubectl');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- events are poked at field by field
type Obj = Record<string, any>;

interface Who {
  file: string;
  user: string;
  ip: string;
  agent: string;
  namespace: string;
  time: string;
}

const HOUR = 3_600_000;
const recent = new Date(Date.now() - HOUR).toISOString();

/** Five requests, each different in every field a hunt filters on. */
const WHO: Who[] = [
  {
    file: 'reverse-shell-cronjob.json',
    user: 'alice@example.com',
    ip: '203.0.113.10',
    agent: 'kubectl/v1.30.0 (linux/amd64) kubernetes/abc',
    namespace: 'prod',
    time: '2025-03-01T10:00:00.000000Z',
  },
  {
    file: 'miner-cronjob.json',
    user: 'system:serviceaccount:ci:deployer',
    ip: '10.1.2.3',
    agent: 'curl/8.5.0',
    namespace: 'ci',
    time: '2025-03-01T11:00:00.000000Z',
  },
  {
    file: 'hello-cronjob.json',
    user: 'bob@example.com',
    ip: '2001:db8::5',
    agent: 'kubectl/v1.30.0 (linux/amd64) kubernetes/abc',
    namespace: 'prod',
    time: '2025-03-01T12:00:00.000000Z',
  },
  {
    file: 'pi-job.json',
    user: 'alice@example.com',
    ip: '203.0.113.99',
    agent: 'Go-http-client/1.1',
    namespace: 'dev',
    time: '2025-03-02T09:00:00.000000Z',
  },
  {
    file: 'privileged-job.json',
    user: 'mallory',
    ip: '198.51.100.7',
    agent: 'python-requests/2.31',
    namespace: 'tools',
    time: recent,
  },
];

async function auditLog(): Promise<string> {
  const lines: string[] = [];
  for (const [i, who] of WHO.entries()) {
    const object = JSON.parse(await readFile(path.join(KUBECTL, who.file), 'utf8')) as Obj;
    const [group, version] = (object.apiVersion as string).split('/');
    const event = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: `a-${i}`,
      stage: 'ResponseComplete',
      verb: 'create',
      user: { username: who.user, groups: ['system:authenticated'] },
      sourceIPs: [who.ip, '10.0.0.1'],
      userAgent: who.agent,
      objectRef: {
        resource: object.kind === 'CronJob' ? 'cronjobs' : 'jobs',
        namespace: who.namespace,
        name: object.metadata.name,
        apiGroup: group,
        apiVersion: version,
      },
      requestObject: object,
      requestReceivedTimestamp: who.time,
      stageTimestamp: who.time,
    };
    lines.push(JSON.stringify(event));
  }
  return `${lines.join('\n')}\n`;
}

type Group = { key: string } & GroupCounts;

interface AuditJson {
  results: ScanResult[];
  summary: { objects: number; skipped: number; groups?: { by: string; groups: Group[] } };
}

async function hunt(flags: string[], format: 'json' | 'text' = 'json') {
  const dir = await mkdtemp(path.join(tmpdir(), 'jobguard-hunt-'));
  await writeFile(path.join(dir, 'audit.jsonl'), await auditLog());
  const io = fakeIo({ cwd: dir });
  const code = await main(['audit', '--format', format, '--fail-on', 'never', ...flags, 'audit.jsonl'], io);
  return { code, out: io.out(), err: io.err() };
}

/** The auditIDs a hunt kept, in log order. */
async function kept(flags: string[]): Promise<string[]> {
  const { code, out, err } = await hunt(flags);
  expect({ code, err: err.includes('Error') ? err : '' }).toEqual({ code: 0, err: '' });
  return (JSON.parse(out) as AuditJson).results.map((r) => r.event?.auditID ?? '');
}

describe('audit hunting filters', () => {
  it('keeps everything without filters', async () => {
    expect(await kept([])).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
  });

  it('--since and --until take RFC 3339 times, since inclusive, until exclusive', async () => {
    expect(await kept(['--since', '2025-03-01T11:00:00Z'])).toEqual(['a-1', 'a-2', 'a-3', 'a-4']);
    expect(await kept(['--until', '2025-03-01T11:00:00Z'])).toEqual(['a-0']);
    expect(
      await kept(['--since', '2025-03-01T10:30:00+00:00', '--until', '2025-03-01T13:00:00+01:00']),
    ).toEqual(['a-1']);
  });

  it('--since takes a duration before now', async () => {
    expect(await kept(['--since', '24h'])).toEqual(['a-4']);
    expect(await kept(['--since', '30m'])).toEqual([]);
    expect(await kept(['--until', '1h30m'])).toEqual(['a-0', 'a-1', 'a-2', 'a-3']);
  });

  it('--user matches globs, repeated flags match any', async () => {
    expect(await kept(['--user', 'system:serviceaccount:*'])).toEqual(['a-1']);
    expect(await kept(['--user', 'alice@example.com'])).toEqual(['a-0', 'a-3']);
    expect(await kept(['--user', '*@example.com', '--user', 'mallory'])).toEqual([
      'a-0',
      'a-2',
      'a-3',
      'a-4',
    ]);
    // Usernames are case-sensitive in Kubernetes.
    expect(await kept(['--user', 'Mallory'])).toEqual([]);
  });

  it('--source-ip matches an address or a CIDR, IPv4 and IPv6, on the first sourceIPs entry', async () => {
    expect(await kept(['--source-ip', '203.0.113.0/24'])).toEqual(['a-0', 'a-3']);
    expect(await kept(['--source-ip', '10.1.2.3'])).toEqual(['a-1']);
    expect(await kept(['--source-ip', '2001:db8::/32'])).toEqual(['a-2']);
    // 10.0.0.1 is every event's second entry (a proxy): it must not match.
    expect(await kept(['--source-ip', '10.0.0.1'])).toEqual([]);
    expect(await kept(['--source-ip', '198.51.100.0/24', '--source-ip', '10.0.0.0/8'])).toEqual([
      'a-1',
      'a-4',
    ]);
  });

  it('--user-agent matches globs case-insensitively', async () => {
    expect(await kept(['--user-agent', 'CURL/*'])).toEqual(['a-1']);
    expect(await kept(['--user-agent', 'kubectl/*'])).toEqual(['a-0', 'a-2']);
    expect(await kept(['--user-agent', 'kubectl'])).toEqual([]);
  });

  it('--namespace is exact and repeatable', async () => {
    expect(await kept(['--namespace', 'prod'])).toEqual(['a-0', 'a-2']);
    expect(await kept(['--namespace', 'prod', '--namespace', 'dev'])).toEqual(['a-0', 'a-2', 'a-3']);
    expect(await kept(['--namespace', 'pro'])).toEqual([]);
  });

  it('different filters must all match, and what they leave out is counted as skipped with the flag', async () => {
    const { out, err } = await hunt(['--user', 'alice@example.com', '--namespace', 'prod']);
    const json = JSON.parse(out) as AuditJson;
    expect(json.results.map((r) => r.event?.auditID)).toEqual(['a-0']);
    expect(json.summary).toMatchObject({ objects: 1, skipped: 4 });
    expect(err).toContain('other namespace (--namespace)');
    expect(err).toContain('other user (--user)');
  });
});

describe('audit --group-by', () => {
  it('counts verdicts per user in summary.groups, most denies first', async () => {
    const all = JSON.parse((await hunt([])).out) as AuditJson;
    const { out } = await hunt(['--group-by', 'user']);
    const json = JSON.parse(out) as AuditJson;
    const groups = json.summary.groups!;
    expect(groups.by).toBe('user');
    // Expected counts come from the ungrouped run's own verdicts.
    const expected = new Map<string, Group>();
    for (const r of all.results) {
      const key = r.event?.user ?? '';
      const entry = expected.get(key) ?? { key, objects: 0, allow: 0, annotate: 0, warn: 0, deny: 0 };
      entry.objects += 1;
      entry[r.verdict] += 1;
      expected.set(key, entry);
    }
    expect(new Map(groups.groups.map((g) => [g.key, g]))).toEqual(expected);
    const denies = groups.groups.map((g) => g.deny);
    expect(denies).toEqual([...denies].sort((a, b) => b - a));
    expect(expected.get('alice@example.com')?.objects).toBe(2);
  });

  it('groups by source IP, user agent and namespace, and applies filters first', async () => {
    const byIp = (JSON.parse((await hunt(['--group-by', 'source-ip'])).out) as AuditJson).summary.groups!;
    expect(byIp.groups.map((g) => g.key).sort()).toEqual(
      ['10.1.2.3', '198.51.100.7', '2001:db8::5', '203.0.113.10', '203.0.113.99'].sort(),
    );
    const byNs = (
      JSON.parse((await hunt(['--group-by', 'namespace', '--user', 'alice@example.com'])).out) as AuditJson
    ).summary.groups!;
    expect(byNs.groups.map((g) => [g.key, g.objects]).sort()).toEqual([
      ['dev', 1],
      ['prod', 1],
    ]);
    const byAgent = (JSON.parse((await hunt(['--group-by', 'user-agent'])).out) as AuditJson).summary.groups!;
    expect(byAgent.groups.find((g) => g.key.startsWith('kubectl/'))?.objects).toBe(2);
  });

  it('prints a table after the events in text output', async () => {
    const { out, code } = await hunt(['--group-by', 'namespace'], 'text');
    expect(code).toBe(0);
    const table = out.slice(out.indexOf('NAMESPACE'));
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+OBJECTS\s+DENY\s+WARN\s+ANNOTATE\s+ALLOW$/);
    expect(lines.find((l) => l.startsWith('prod '))).toMatch(/^prod\s+2\s/);
    expect(table).toMatch(/^tools\s+1\s/m);
  });

  it('without --group-by the summary has no groups', async () => {
    expect((JSON.parse((await hunt([])).out) as AuditJson).summary.groups).toBeUndefined();
  });
});

describe('audit hunting flags reject bad values with exit 2', () => {
  it.each([
    [['--since', 'yesterday'], /--since: expected an RFC 3339 time .* got "yesterday"/],
    [['--since', '2025-03-01'], /--since: expected an RFC 3339 time/],
    [['--until', '24x'], /--until: expected an RFC 3339 time/],
    [
      ['--since', '2025-03-02T00:00:00Z', '--until', '2025-03-01T00:00:00Z'],
      /--since .* is not before --until/,
    ],
    [['--source-ip', '300.1.1.1'], /--source-ip: expected an IP address or a CIDR .* got "300.1.1.1"/],
    [['--source-ip', '10.0.0.0/33'], /--source-ip: expected an IP address or a CIDR/],
    [['--source-ip', 'fd00::/129'], /--source-ip: expected an IP address or a CIDR/],
    [['--source-ip', 'example.com'], /--source-ip: expected/],
    [['--user', ''], /--user: empty pattern/],
    [['--namespace', ''], /--namespace: empty name/],
    [
      ['--group-by', 'host'],
      /--group-by: expected one of user, source-ip, user-agent, namespace, got "host"/,
    ],
  ])('%j', async (flags, message) => {
    const { code, out, err } = await hunt(flags);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe('');
  });
});
