/**
 * The chart's `helm test` hook (templates/tests/review.yaml), run for real: the Pod's own command
 * and environment, taken from `helm template`, executed with node against the real server over
 * TLS on 127.0.0.1, with the Service's URL and the Secret's CA path pointed at the loopback server
 * and the test CA. It must pass against a server that scores the review, and fail when the
 * certificate does not verify or the server's answer lacks the reverse-shell rule (mode off).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../src/server/webhook.js';
import { createCa, issueServingCert, ProjectedDir, type KeyPair } from './support/certs.js';
import { findOne, helmTemplate } from './support/helm.js';
import { loopbackServe } from './support/review.js';

const run = promisify(execFile);

interface Container {
  command: string[];
  env: { name: string; value: string }[];
  securityContext: Record<string, unknown>;
}

describe('helm test', () => {
  let ca: KeyPair;
  let dir: ProjectedDir;
  let container: Container;
  let pod: { metadata: { annotations: Record<string, string>; labels: Record<string, string> } };
  const servers: RunningServer[] = [];
  const dirs: ProjectedDir[] = [];

  const serve = async (mode: 'warn' | 'off'): Promise<RunningServer> => {
    const server = await startServer(
      loopbackServe({
        overrides: { mode },
        tls: { certFile: dir.path('tls.crt'), keyFile: dir.path('tls.key') },
      }),
    );
    servers.push(server);
    return server;
  };

  /** The Pod's command with the Pod's environment, the URL and CA path replaced. */
  const runHook = (url: string, caFile: string) => {
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    const [program, ...args] = container.command;
    expect(program).toBe('node');
    return run(process.execPath, args, {
      env: { ...env, JOBGUARD_URL: `${url}/validate?timeout=10s`, JOBGUARD_CA: caFile },
      timeout: 20_000,
    }).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
  };

  beforeAll(async () => {
    ca = await createCa();
    dir = await ProjectedDir.create('jobguard-helm-test-', {
      ...(await issueServingCert(ca).then((p) => ({ 'tls.crt': p.cert, 'tls.key': p.key }))),
      'ca.crt': ca.cert,
    });
    dirs.push(dir);
    const found = findOne(await helmTemplate(), 'Pod') as unknown as {
      metadata: { annotations: Record<string, string>; labels: Record<string, string> };
      spec: { containers: Container[] };
    };
    pod = found;
    container = found.spec.containers[0]!;
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const projected of dirs) await projected.remove();
  });

  it('is a helm test hook, outside the webhook Service, locked down like the webhook', () => {
    expect(pod.metadata.annotations['helm.sh/hook']).toBe('test');
    // The Service and the PodDisruptionBudget select component=webhook.
    expect(pod.metadata.labels['app.kubernetes.io/component']).toBe('helm-test');
    expect(container.securityContext).toEqual(
      expect.objectContaining({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      }),
    );
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    expect(env.JOBGUARD_URL).toBe('https://jobguard.jobguard.svc:443/validate?timeout=10s');
    expect(env.JOBGUARD_MODE).toBe('warn');
  });

  it('passes against a server that scores the review, with the certificate verified', async () => {
    const server = await serve('warn');
    const result = await runHook(server.url, dir.path('ca.crt'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok: allowed=true score=\d+ rules=.*reverse-shell/m);
    expect(result.stdout).not.toContain('not verified');
  });

  it('fails when the certificate does not verify against the CA', async () => {
    const server = await serve('warn');
    const other = await createCa('another-ca');
    const otherDir = await ProjectedDir.create('jobguard-helm-test-other-', { 'ca.crt': other.cert });
    dirs.push(otherDir);
    const result = await runHook(server.url, otherDir.path('ca.crt'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FAIL: .*(certificate|self.signed)/i);
  });

  it('fails when the answer does not name the reverse shell', async () => {
    // A server in mode off scores nothing; the hook was told the mode is warn.
    const server = await serve('off');
    const result = await runHook(server.url, dir.path('ca.crt'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FAIL: reverse-shell not found');
  });
});
