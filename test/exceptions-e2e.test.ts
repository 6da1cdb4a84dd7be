/**
 * JobguardExceptions end to end: the running webhook (startServer) with its client-node cache
 * against the fake API server. A namespace user's exception turns a deny into an allow without a
 * restart, the `exempted-by` annotation and the decision log name it, its status is written back,
 * metrics count it by name, and reviews never call the API server. A deny leaves an Event.
 *
 * Against a real API server (the cluster suite): install the chart (it applies the CRD), then
 * `kubectl apply -n team-a` the same JobguardException as a user bound to the `edit` ClusterRole
 * with `exceptions.rbac.aggregateToEdit=true`, and read `.status.state` back with
 * `kubectl get jobguardexception -o jsonpath`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/server/webhook.js';
import { EXCEPTIONS_PATH } from '../src/kube/exceptions.js';
import { FakeApiServer, TOKEN } from './support/fake-apiserver.js';
import { waitFor } from './support/load.js';
import { captureLogger, fixture, loopbackServe, makeReview } from './support/review.js';

const GV = 'jobguard.dev/v1';

interface Reply {
  response: {
    allowed: boolean;
    auditAnnotations?: Record<string, string>;
    status?: { message: string };
  };
}

describe('JobguardExceptions through the running webhook', () => {
  let fake: FakeApiServer;
  let server: RunningServer;
  let home: string;
  let lines: Record<string, unknown>[];

  beforeAll(async () => {
    fake = await FakeApiServer.start();
    fake.serveResource(GV, 'jobguardexceptions');
    home = mkdtempSync(join(tmpdir(), 'jobguard-exceptions-'));
    const kubeconfig = join(home, 'config');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: fake, cluster: { server: "${fake.url}", insecure-skip-tls-verify: true } }]`,
        `users: [{ name: tester, user: { token: ${TOKEN} } }]`,
        'contexts: [{ name: fake, context: { cluster: fake, user: tester } }]',
        'current-context: fake',
      ].join('\n'),
    );
    const captured = captureLogger();
    lines = captured.lines;
    server = await startServer(
      loopbackServe({
        overrides: { mode: 'enforce' },
        kubeconfig,
        // /readyz says which cache is synced on the metrics port (the HTTPS port without mTLS says only ready).
        metricsPort: 0,
        logger: captured.logger,
        events: { mode: 'deny', qps: 5, burst: 25 },
        env: { POD_NAME: 'jobguard-7d9f-abcde' },
      }),
    );
    await waitFor('the exception cache to sync', async () => {
      const res = await fetch(`${server.metricsUrl ?? ''}/readyz`);
      return ((await res.json()) as { exceptions?: string }).exceptions === 'synced';
    });
  });

  afterAll(async () => {
    await server.close();
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  });

  function stateOf(namespace: string, name: string): unknown {
    const status = fake.getObject(GV, 'jobguardexceptions', namespace, name)?.status;
    return typeof status === 'object' && status !== null ? (status as { state?: unknown }).state : undefined;
  }

  async function admit(namespace: string): Promise<Reply['response']> {
    const object = fixture('kubectl/reverse-shell-cronjob.json');
    const res = await server.app.inject({
      method: 'POST',
      url: '/validate',
      payload: makeReview(object, { namespace }),
    });
    expect(res.statusCode).toBe(200);
    return res.json<Reply>().response;
  }

  it('applies an exception created in the namespace, names it, writes its status and counts it', async () => {
    const denied = await admit('team-a');
    expect(denied.allowed).toBe(false);
    // The deny also leaves an Event in the namespace, written in the background.
    await waitFor('the deny Event', () => fake.writes.some((w) => w.path.endsWith('/events')));
    const [event] = fake.writes.filter((w) => w.path.endsWith('/events'));
    expect(event?.path).toBe('/apis/events.k8s.io/v1/namespaces/team-a/events');
    expect(event?.body).toMatchObject({
      reason: 'Denied',
      type: 'Warning',
      reportingInstance: 'jobguard-7d9f-abcde',
      note: denied.status?.message,
    });
    const name = (fixture('kubectl/reverse-shell-cronjob.json').metadata as { name: string }).name;
    fake.setObject(GV, 'jobguardexceptions', {
      apiVersion: GV,
      kind: 'JobguardException',
      metadata: { namespace: 'team-a', name: 'red-team-drill' },
      spec: { reason: 'red team exercise (SEC-77)', names: [name], expires: '2099-01-01' },
    });
    await waitFor('the status write', () => stateOf('team-a', 'red-team-drill') === 'Active');
    const listsBefore = fake.count(EXCEPTIONS_PATH, false);
    const allowed = await admit('team-a');
    expect(allowed.allowed).toBe(true);
    expect(allowed.auditAnnotations?.['exempted-by']).toBe(
      'team-a/red-team-drill: red team exercise (SEC-77)',
    );
    // Only its own namespace: the same object elsewhere is still denied.
    expect((await admit('team-b')).allowed).toBe(false);
    expect(fake.count(EXCEPTIONS_PATH, false)).toBe(listsBefore);
    expect(
      lines.some(
        (l) => l.msg === 'admission' && JSON.stringify(l.exemptedBy) === '["team-a/red-team-drill"]',
      ),
    ).toBe(true);
    const metrics = await server.metrics.registry.metrics();
    expect(metrics).toContain(
      'jobguard_exception_status{exception="team-a/red-team-drill",state="Active"} 1',
    );
    expect(metrics).toContain('jobguard_exceptions{state="Active"} 1');
    expect(metrics).toContain('jobguard_exemptions_applied_total{exemption="team-a/red-team-drill"} 1');
  });

  it('reports an invalid exception in its status and metrics, and does not apply it', async () => {
    fake.setObject(GV, 'jobguardexceptions', {
      apiVersion: GV,
      kind: 'JobguardException',
      metadata: { namespace: 'team-b', name: 'too-wide' },
      spec: { reason: 'everything', names: ['*'], namespaces: ['team-b', 'prod'] },
    });
    await waitFor('the Invalid status', () => stateOf('team-b', 'too-wide') === 'Invalid');
    expect((await admit('team-b')).allowed).toBe(false);
    const metrics = await server.metrics.registry.metrics();
    expect(metrics).toContain('jobguard_exception_status{exception="team-b/too-wide",state="Invalid"} 1');
    expect(metrics).toContain('jobguard_exceptions{state="Invalid"} 1');
  });
});
