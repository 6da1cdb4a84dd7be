import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { audit } from '../src/cli/audit.js';
import { scan } from '../src/cli/scan.js';
import type { ScanResult } from '../src/format/result.js';
import { parseManifest } from '../src/source/manifest.js';
import { fakeIo } from './fixtures/scan/fake-io.js';

const SCAN_FIXTURES = path.resolve('test/fixtures/scan');
const FILES = [
  'reverse-shell-cronjob.yaml',
  'list.yaml',
  'helm-template.yaml',
  'folder/a-job.yml',
  'folder/nested/b-cronjob.json',
];
const RESOURCES: Record<string, string> = { CronJob: 'cronjobs', Job: 'jobs', Deployment: 'deployments' };

/** Events and objects built by hand: loosely typed on purpose, tests poke at any field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

async function fixtureObjects(): Promise<Obj[]> {
  const out: Obj[] = [];
  for (const file of FILES) {
    const parsed = parseManifest(await readFile(path.join(SCAN_FIXTURES, file), 'utf8'));
    if (!parsed.ok) throw new Error(file);
    for (const { object } of parsed.objects) if (RESOURCES[object.kind as string]) out.push(object);
  }
  return out;
}

function event(object: Obj, i: number, extra: Obj = {}): Obj {
  const [group, version] = (object.apiVersion as string).includes('/')
    ? (object.apiVersion as string).split('/')
    : ['', object.apiVersion];
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    verb: 'create',
    user: { username: 'alice@example.com', groups: ['dev', 'system:authenticated'] },
    sourceIPs: ['203.0.113.10', '10.0.0.1'],
    userAgent: 'kubectl/v1.30.0 (linux/amd64)',
    objectRef: {
      resource: RESOURCES[object.kind as string],
      namespace: object.metadata.namespace ?? 'default',
      name: object.metadata.name,
      apiGroup: group,
      apiVersion: version,
    },
    requestObject: object,
    requestReceivedTimestamp: `2025-03-01T10:00:${String(i).padStart(2, '0')}.000000Z`,
    stageTimestamp: `2025-03-01T10:00:${String(i).padStart(2, '0')}.100000Z`,
    ...extra,
  };
}

/** Noise the filter must skip: reads, other resources, other stages, subresources, duplicates. */
function noise(object: Obj): Obj[] {
  const base = event(object, 90);
  return [
    { ...base, auditID: 'n1', verb: 'get', requestObject: undefined },
    { ...base, auditID: 'n2', objectRef: { resource: 'configmaps', namespace: 'default', name: 'x' } },
    { ...base, auditID: 'n3', stage: 'RequestReceived' },
    { ...base, auditID: 'n4', objectRef: { ...base.objectRef, subresource: 'status' }, verb: 'update' },
    { ...base, auditID: 'n5', verb: 'delete' },
  ];
}

interface AuditJson {
  results: ScanResult[];
  summary: Record<string, number>;
}

async function runAudit(argv: string[], files: Record<string, string>, stdin?: string, tty = false) {
  const dir = await mkdtemp(path.join(tmpdir(), 'jobguard-audit-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const io = fakeIo({ cwd: dir, stderrIsTTY: tty, ...(stdin === undefined ? {} : { stdin }) });
  const code = await audit(argv, io);
  return { code, out: io.out(), err: io.err(), dir };
}

async function scanScores(): Promise<Map<string, number>> {
  const io = fakeIo({ cwd: SCAN_FIXTURES });
  await scan(['--profile', 'kql', '--format', 'json', ...FILES], io);
  const json = JSON.parse(io.out()) as AuditJson;
  return new Map(json.results.map((r) => [`${r.kind}/${r.namespace}/${r.name}`, r.score]));
}

function scoresOf(json: AuditJson): Map<string, number> {
  return new Map(json.results.map((r) => [`${r.kind}/${r.namespace}/${r.name}`, r.score]));
}

describe('audit replay gives the scores scan gives for the same objects', () => {
  it('audit.k8s.io Events as JSON lines', async () => {
    const objects = await fixtureObjects();
    const events = [...objects.map((o, i) => event(o, i)), ...noise(objects[0]!)];
    const { out, code, err } = await runAudit(['--profile', 'kql', '--format', 'json', 'audit.jsonl'], {
      'audit.jsonl': events.map((e) => JSON.stringify(e)).join('\n') + '\n',
    });
    const json = JSON.parse(out) as AuditJson;
    expect(scoresOf(json)).toEqual(await scanScores());
    expect(json.summary).toMatchObject({ objects: objects.length, skipped: 5 });
    expect(json.results[0]).toMatchObject({
      source: 'audit.jsonl',
      document: 0,
      line: 1,
      kind: 'CronJob',
      name: 'argus-test-cronjob',
      event: {
        auditID: '00000000-0000-0000-0000-000000000000',
        time: '2025-03-01T10:00:00.100000Z',
        verb: 'create',
        user: 'alice@example.com',
        userAgent: 'kubectl/v1.30.0 (linux/amd64)',
        sourceIP: '203.0.113.10',
      },
    });
    // From 0, as scan numbers documents.
    expect(json.results.map((r) => r.document)).toEqual(objects.map((_, i) => i));
    expect(err).toMatch(/skipped 5: .*resource configmaps/);
    expect(err).toContain('subresource cronjobs/status');
    expect(err).toContain('stage RequestReceived');
    expect(code).toBe(1);
  });

  it('AzureDiagnostics rows (Category, log_s) as JSON lines, other categories skipped', async () => {
    const objects = await fixtureObjects();
    const rows = objects.map((o, i) => ({
      TimeGenerated: `2025-03-01T10:01:${String(i).padStart(2, '0')}Z`,
      Category: i % 2 === 0 ? 'kube-audit' : 'kube-audit-admin',
      ResourceId: '/SUBSCRIPTIONS/X/RESOURCEGROUPS/Y/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/Z',
      log_s: JSON.stringify(event(o, i)),
    }));
    rows.push({
      TimeGenerated: '2025-03-01T10:02:00Z',
      Category: 'kube-apiserver',
      ResourceId: '',
      log_s: 'I0301 started',
    });
    const { out } = await runAudit(['--profile', 'kql', '--format', 'json', 'diag.jsonl'], {
      'diag.jsonl': rows.map((r) => JSON.stringify(r)).join('\n'),
    });
    const json = JSON.parse(out) as AuditJson;
    expect(scoresOf(json)).toEqual(await scanScores());
    expect(json.summary.skipped).toBe(1);
    expect(json.results[0]!.event!.time).toBe('2025-03-01T10:01:00Z');
  });

  it('AKSAudit rows as a pretty-printed JSON array, dynamic columns as objects or as JSON text', async () => {
    const objects = await fixtureObjects();
    const rows: Obj[] = objects.map((o, i) => {
      const e = event(o, i);
      const asText = i % 2 === 1;
      const dyn = (v: unknown) => (asText ? JSON.stringify(v) : v);
      return {
        TimeGenerated: `2025-03-01T10:03:${String(i).padStart(2, '0')}Z`,
        AuditId: e.auditID,
        Stage: 'ResponseComplete',
        Verb: e.verb,
        ObjectRef: dyn(e.objectRef),
        User: dyn(e.user),
        SourceIps: dyn(e.sourceIPs),
        UserAgent: e.userAgent,
        RequestObject: dyn(e.requestObject),
        ResponseObject: asText ? '' : null,
        RequestReceivedTime: e.requestReceivedTimestamp,
      };
    });
    rows.push({
      ...rows[0],
      AuditId: 'too-big',
      RequestObject: 'skipped-too-big-size-object',
      ResponseObject: 'skipped-too-big-size-object',
    });
    const { out, err } = await runAudit(['--profile', 'kql', '--format', 'json', 'aks.json'], {
      'aks.json': JSON.stringify(rows, null, 2),
    });
    const json = JSON.parse(out) as AuditJson;
    expect(scoresOf(json)).toEqual(await scanScores());
    expect(json.results.map((r) => r.document)).toEqual(objects.map((_, i) => i));
    expect(json.results[1]!.event).toMatchObject({ user: 'alice@example.com', sourceIP: '203.0.113.10' });
    expect(json.summary.skipped).toBe(1);
    expect(err).toContain('object too big (skipped-too-big-size-object)');
  });

  it('an EventList and a one-line JSON array: document = index', async () => {
    const objects = await fixtureObjects();
    const list = {
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      items: objects.map((o, i) => event(o, i)),
    };
    const a = await runAudit(['--profile', 'kql', '--format', 'json', 'list.json'], {
      'list.json': JSON.stringify(list, null, 1),
    });
    const b = await runAudit(['--profile', 'kql', '--format', 'json', 'array.json'], {
      'array.json': JSON.stringify(list.items),
    });
    for (const { out } of [a, b]) {
      const json = JSON.parse(out) as AuditJson;
      expect(json.results.map((r) => r.document)).toEqual(objects.map((_, i) => i));
      expect(scoresOf(json)).toEqual(await scanScores());
    }
  });

  it('reads stdin with -', async () => {
    const objects = await fixtureObjects();
    const { out } = await runAudit(
      ['--profile', 'kql', '--format', 'json', '-'],
      {},
      JSON.stringify(event(objects[0]!, 0)),
    );
    const json = JSON.parse(out) as AuditJson;
    expect(json.results[0]).toMatchObject({ source: '<stdin>', score: 5 });
  });
});

describe('audit filter and object choice', () => {
  it('prefers responseObject, scores a patch body as partial, dedupes auditID+stage', async () => {
    const objects = await fixtureObjects();
    const shell = objects[0]!;
    const patch = {
      spec: {
        jobTemplate: { spec: { template: { spec: { containers: [{ name: 'shell', image: 'kali' }] } } } },
      },
    };
    const events = [
      event(shell, 1, { verb: 'update', responseObject: shell, requestObject: { metadata: { name: 'x' } } }),
      event(shell, 2, { verb: 'patch', requestObject: patch }),
      event(shell, 2, { verb: 'patch', requestObject: patch }),
      event(shell, 3, {
        verb: 'patch',
        requestObject: [{ op: 'replace', path: '/spec/suspend', value: true }],
      }),
      event(shell, 4, { verb: 'patch', requestObject: { spec: { suspend: true } } }),
      event(shell, 5, { level: 'Metadata', requestObject: undefined }),
    ];
    const { out, err } = await runAudit(['--profile', 'kql', '--format', 'json', 'a.jsonl'], {
      'a.jsonl': events.map((e) => JSON.stringify(e)).join('\n'),
    });
    const json = JSON.parse(out) as AuditJson;
    expect(json.results).toHaveLength(2);
    expect(json.results[0]).toMatchObject({ score: 5, event: { verb: 'update' } });
    expect(json.results[0]!.partial).toBeUndefined();
    expect(json.results[1]).toMatchObject({
      partial: true,
      kind: 'CronJob',
      name: 'argus-test-cronjob',
      namespace: 'default',
      score: 1,
    });
    expect(err).toContain('1 duplicate event');
    expect(err).toContain('JSON patch body');
    expect(err).toContain('patch body without a pod template');
    expect(err).toContain('audit level Metadata');
  });

  it('scores the request of a refused write: its responseObject is the Status the API server sent', async () => {
    // What kube-apiserver logs at RequestResponse for a create that a webhook denied (seen in the
    // cluster suite): the object only in requestObject, the refusal in responseObject.
    const shell = (await fixtureObjects())[0]!;
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'admission webhook "validate.jobguard.dev" denied the request: jobguard denied CronJob',
      reason: 'Forbidden',
      code: 403,
    };
    const refused = event(shell, 1, { requestObject: shell, responseObject: status, responseStatus: status });
    const { out } = await runAudit(['--profile', 'kql', '--format', 'json', 'a.jsonl'], {
      'a.jsonl': JSON.stringify(refused),
    });
    const json = JSON.parse(out) as AuditJson;
    expect(json.summary).toMatchObject({ objects: 1, skipped: 0 });
    expect(json.results[0]).toMatchObject({ kind: 'CronJob', name: 'argus-test-cronjob', score: 5 });
  });

  it('scores other pod-controller resources only when the policy kinds include them', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'miner', namespace: 'prod' },
      spec: {
        template: {
          spec: { containers: [{ name: 'c', image: 'ubuntu', securityContext: { privileged: true } }] },
        },
      },
    };
    const log = JSON.stringify(event(deployment, 1));
    const off = await runAudit(['--profile', 'kql', '--format', 'json', 'a.jsonl'], { 'a.jsonl': log });
    expect((JSON.parse(off.out) as AuditJson).summary).toMatchObject({ objects: 0, skipped: 1 });
    const on = await runAudit(['--config', 'policy.yaml', '--format', 'json', 'a.jsonl'], {
      'a.jsonl': log,
      'policy.yaml':
        'apiVersion: jobguard.dev/v1\nkind: Policy\nprofile: kql\nkinds: [CronJob, Job, Deployment]\n',
    });
    expect((JSON.parse(on.out) as AuditJson).results[0]).toMatchObject({ kind: 'Deployment', score: 2 });
  });

  it('takes the requester for exemptions from user (impersonatedUser when set)', async () => {
    const objects = await fixtureObjects();
    const policy =
      'apiVersion: jobguard.dev/v1\nkind: Policy\nprofile: kql\nexemptions:\n  - reason: scanner\n    users: ["system:serviceaccount:sec:scanner"]\n';
    const events = [
      event(objects[0]!, 1, { user: { username: 'system:serviceaccount:sec:scanner' } }),
      event(objects[0]!, 2, {
        user: { username: 'admin' },
        impersonatedUser: { username: 'system:serviceaccount:sec:scanner' },
      }),
      event(objects[0]!, 3),
    ];
    const { out } = await runAudit(['--config', 'policy.yaml', '--format', 'json', 'a.jsonl'], {
      'a.jsonl': events.map((e) => JSON.stringify(e)).join('\n'),
      'policy.yaml': policy,
    });
    const json = JSON.parse(out) as AuditJson;
    expect(json.results.map((r) => r.exemptions)).toEqual([['scanner'], ['scanner'], []]);
  });

  it('reports a malformed line with its number, goes on, exits 2', async () => {
    const objects = await fixtureObjects();
    const text = [
      JSON.stringify(event(objects[0]!, 1)),
      '{"auditID": "broken',
      JSON.stringify(event(objects[1]!, 2)),
    ].join('\n');
    const { out, err, code } = await runAudit(['--profile', 'kql', '--format', 'json', 'a.jsonl'], {
      'a.jsonl': text,
    });
    expect((JSON.parse(out) as AuditJson).results.map((r) => r.document)).toEqual([0]);
    expect(err).toMatch(/a\.jsonl:2: /);
    expect(code).toBe(2);
  });

  it('exits 2 on a missing log', async () => {
    const { err, code } = await runAudit(['nope.jsonl'], {});
    expect(err).toContain('nope.jsonl: cannot read (ENOENT)');
    expect(code).toBe(2);
  });

  it('prints progress on an interactive stderr every 10,000 events', async () => {
    const text = '{"verb":"get","objectRef":{"resource":"pods"}}\n'.repeat(20_000);
    const tty = await runAudit(['--format', 'json', 'a.jsonl'], { 'a.jsonl': text }, undefined, true);
    expect(tty.err).toContain('\rjobguard audit: 10000 events read, 0 scored');
    expect(tty.err).toContain('\rjobguard audit: 20000 events read');
    const pipe = await runAudit(['--format', 'json', 'a.jsonl'], { 'a.jsonl': text });
    expect(pipe.err).not.toContain('events read');
  });
});

describe('audit --format text (the seed projection)', () => {
  it('prints the seed columns, the kql flags and the active score, sorted by score then time', async () => {
    const objects = await fixtureObjects();
    const events = objects.map((o, i) => event(o, i));
    const { out } = await runAudit(['--profile', 'kql', 'a.jsonl'], {
      'a.jsonl': events.map((e) => JSON.stringify(e)).join('\n'),
    });
    const [header, ...rest] = out.trimEnd().split('\n');
    expect(header!.split(/\s+/)).toEqual([
      'TimeGenerated',
      'Resource',
      'Verb',
      'Namespace',
      'Name',
      'User',
      'UserAgent',
      'SourceIP',
      'IsSuspiciousImage',
      'IsSuspiciousCommand',
      'IsHostPathMount',
      'IsPrivileged',
      'IsHostNetwork',
      'IsSensitiveMount',
      'IsServiceAccountToken',
      'SuspicionScore',
    ]);
    const rows = rest.filter((l) => l.startsWith('2025-'));
    const scores = rows.map((l) => Number(l.trim().split(/\s+/).at(-1)));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(rows.length).toBe(5); // the allow verdict (Job second) is not listed
    // two score-5 rows: the later one first
    expect(rows[0]).toContain('backup');
    expect(rows[1]).toContain('argus-test-cronjob');
    expect(rows[1]!.split(/\s+/).slice(9, 16)).toEqual([
      'true',
      'true',
      'true',
      'true',
      'false',
      'true',
      'false',
    ]);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^6 objects scored, 0 skipped: 1 allow/);
  });

  it('computes the flags with the kql rules under the default profile too', async () => {
    const objects = await fixtureObjects();
    const { out } = await runAudit(
      [
        '--annotate-threshold',
        '1',
        '--warn-threshold',
        '1',
        '--deny-threshold',
        '1',
        '--fail-on',
        'never',
        'a.jsonl',
      ],
      {
        'a.jsonl': JSON.stringify(event(objects[0]!, 0)),
      },
    );
    const rows = out.split('\n').filter((l) => l.startsWith('2025-'));
    for (const row of rows)
      expect(row.split(/\s+/).slice(9, 16)).toEqual([
        'true',
        'true',
        'true',
        'true',
        'false',
        'true',
        'false',
      ]);
  });
});
