import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/server/webhook.js';
import { createCa, issueServingCert, ProjectedDir } from './support/certs.js';
import { FakeApiServer, TOKEN } from './support/fake-apiserver.js';
import { apiServerAgent, postReview, waitFor, type ReviewReply } from './support/load.js';
import { captureLogger, loopbackServe, fixture, makeReview } from './support/review.js';

/**
 * The namespace label `jobguard.dev/mode` end to end: the real server, its client-node cache
 * against an API server that serves Namespace list and watch like kube-apiserver, and reviews
 * over TLS. Labels change decisions without a restart, and admission never calls the API server.
 */
describe('namespace labels through the running webhook', () => {
  let fake: FakeApiServer;
  let server: RunningServer;
  let certs: ProjectedDir;
  let agent: Agent;
  let home: string;
  let lines: Record<string, unknown>[];

  beforeAll(async () => {
    fake = await FakeApiServer.start();
    fake.setNamespace('prod', { 'jobguard.dev/mode': 'enforce' });
    fake.setNamespace('dev');
    home = mkdtempSync(join(tmpdir(), 'jobguard-kubeconfig-'));
    const kubeconfig = join(home, 'config');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        // client-node refuses plain http unless TLS verification is explicitly off (the fake speaks http)
        `clusters: [{ name: fake, cluster: { server: "${fake.url}", insecure-skip-tls-verify: true } }]`,
        `users: [{ name: tester, user: { token: ${TOKEN} } }]`,
        'contexts: [{ name: fake, context: { cluster: fake, user: tester } }]',
        'current-context: fake',
      ].join('\n'),
    );
    const ca = await createCa();
    const pair = await issueServingCert(ca);
    certs = await ProjectedDir.create('jobguard-ns-e2e-', { 'tls.crt': pair.cert, 'tls.key': pair.key });
    const captured = captureLogger();
    lines = captured.lines;
    server = await startServer(
      loopbackServe({
        overrides: { profile: 'kql', mode: 'warn' },
        tls: { certFile: certs.path('tls.crt'), keyFile: certs.path('tls.key') },
        kubeconfig,
        logger: captured.logger,
        metricsPort: 0,
      }),
    );
    agent = apiServerAgent(ca.cert);
    await waitFor('the namespace cache to sync', async () => {
      const res = await fetch(`${server.metricsUrl ?? ''}/readyz`);
      return ((await res.json()) as { namespaceLabels?: string }).namespaceLabels === 'synced';
    });
  });

  afterAll(async () => {
    agent.destroy();
    await server.close();
    await fake.close();
    await certs.remove();
    rmSync(home, { recursive: true, force: true });
  });

  async function admit(namespace: string): Promise<NonNullable<ReviewReply['response']>> {
    const object = fixture('kubectl/privileged-job.json');
    const spec = (object.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    spec.hostNetwork = true;
    const result = await postReview({ url: server.url, agent }, makeReview(object, { namespace }));
    expect(result.status).toBe(200);
    return (JSON.parse(result.text) as ReviewReply).response!;
  }

  it('denies in the namespace labelled enforce and warns where the policy says warn', async () => {
    expect(await admit('prod')).toMatchObject({ allowed: false, status: { code: 403 } });
    const dev = await admit('dev');
    expect(dev.allowed).toBe(true);
    expect(dev.auditAnnotations).toMatchObject({ mode: 'warn', action: 'warn' });
  });

  it('follows a label change from the watch, without a restart', async () => {
    fake.setNamespace('dev', { 'jobguard.dev/mode': 'enforce' });
    await waitFor('the new label to apply', async () => (await admit('dev')).allowed === false);
    fake.setNamespace('dev', { 'jobguard.dev/mode': 'off' });
    // A label may not make a namespace laxer than the policy's warn without allowDowngrade.
    await waitFor('the enforce label to go', async () => (await admit('dev')).allowed === true);
    expect((await admit('dev')).auditAnnotations).toMatchObject({ mode: 'warn', action: 'warn' });
  });

  it('never calls the API server per admission request', async () => {
    const lists = fake.count('/api/v1/namespaces', false);
    for (let i = 0; i < 20; i++) await admit(i % 2 ? 'prod' : 'dev');
    expect(fake.count('/api/v1/namespaces', false)).toBe(lists);
    expect(
      lines.some((l) => String(l.msg).includes('namespace labels') && String(l.msg).includes('not used')),
    ).toBe(false);
  });
});

describe('readiness and the first namespace-label sync', () => {
  let fake: FakeApiServer;
  let home: string;
  let kubeconfig: string;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    fake = await FakeApiServer.start();
    fake.setNamespace('prod', { 'jobguard.dev/mode': 'enforce' });
    home = mkdtempSync(join(tmpdir(), 'jobguard-kubeconfig-'));
    kubeconfig = join(home, 'config');
    writeFileSync(kubeconfig, fake.kubeConfig().exportConfig());
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function start(namespaceSyncGraceMs: number): Promise<RunningServer> {
    const server = await startServer(
      loopbackServe({
        overrides: { profile: 'kql', mode: 'warn' },
        kubeconfig,
        namespaceSyncGraceMs,
        metricsPort: 0,
      }),
    );
    servers.push(server);
    return server;
  }

  /**
   * The plain-HTTP port (where the kubelet probes under mTLS) answers from the same readiness gate
   * as the webhook port, with the details; the webhook port, without mTLS, tells only whether.
   */
  const readyz = async (server: RunningServer) => {
    // Readiness may turn between two reads (the grace period ends): read the webhook port before and
    // after the metrics port, and trust the three only when the webhook port did not change meanwhile.
    for (;;) {
      const before = await server.app.inject({ url: '/readyz' });
      const res = await fetch(`${server.metricsUrl ?? ''}/readyz`);
      const body = (await res.json()) as { namespaceLabels?: string };
      const after = await server.app.inject({ url: '/readyz' });
      if (before.statusCode !== after.statusCode) continue;
      expect(after.statusCode).toBe(res.status);
      expect(after.json()).toEqual({ ready: res.status === 200 });
      return { status: res.status, labels: body.namespaceLabels };
    }
  };

  it('is not ready while the labels are syncing, and ready once they are', async () => {
    fake.stall.lists = true;
    const server = await start(60_000);
    await waitFor('the stalled list', () => Promise.resolve(fake.stalledRequests() > 0));
    // Until the list arrives a namespace labelled enforce looks unlabelled: no traffic for this pod.
    expect(await readyz(server)).toEqual({ status: 503, labels: 'syncing' });
    fake.stall.lists = false;
    fake.cutStalled();
    await waitFor('readiness after the sync', async () => (await readyz(server)).status === 200);
    expect(await readyz(server)).toEqual({ status: 200, labels: 'synced' });
  });

  it('is ready without the labels after the grace period, and says so', async () => {
    fake.stall.lists = true;
    try {
      const server = await start(2_000);
      expect((await readyz(server)).status).toBe(503);
      await waitFor('the grace period to pass', async () => (await readyz(server)).status === 200);
      expect(await readyz(server)).toEqual({ status: 200, labels: 'unsynced' });
    } finally {
      fake.stall.lists = false;
    }
  });
});
