/**
 * What the API server does when jobguard is down or too slow, as the chart configures it: in warn
 * mode (failurePolicy Ignore) creates go through, in enforce mode (failurePolicy Fail) they are
 * refused with the API server's own error; after jobguard comes back everything is normal again.
 * And a serving certificate rotated on disk while kubectl keeps creating objects fails no request.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fingerprintOf } from '../support/certs.js';
import { KubeCluster } from './cluster.js';
import { Jobguard, WEBHOOK_NAME, waitUntil } from './jobguard.js';
import { benignJob, reverseShellCronJob, reverseShellJob, warningsOf } from './workloads.js';

let cluster: KubeCluster;
let jobguard: Jobguard;
let timeoutSeconds: number;

beforeAll(async () => {
  cluster = await KubeCluster.start();
  jobguard = await Jobguard.install(cluster);
  await cluster.kubectlOk(['create', 'namespace', 'apps']);
}, 300_000);

afterAll(async () => {
  // beforeAll may have failed before either was made.
  await (jobguard as Jobguard | undefined)?.remove();
  await (cluster as KubeCluster | undefined)?.stop();
}, 60_000);

function webhook(): { failurePolicy: string; timeoutSeconds: number } {
  return (
    jobguard.webhookConfiguration().webhooks as { failurePolicy: string; timeoutSeconds: number }[]
  )[0]!;
}

let serial = 0;
const next = (prefix: string): string => `${prefix}-${++serial}`;

describe('warn mode (failurePolicy Ignore)', () => {
  beforeAll(() => {
    expect(webhook().failurePolicy).toBe('Ignore');
    timeoutSeconds = webhook().timeoutSeconds;
  });

  it('lets creates through while jobguard is stopped, and the audit log says the webhook failed open', async () => {
    await jobguard.stop();
    const name = next('unguarded');
    const result = await cluster.apply([reverseShellCronJob(name)], ['-n', 'apps']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const event = cluster
      .auditEvents()
      .find((e) => e.stage === 'ResponseComplete' && e.verb === 'create' && e.objectRef?.name === name);
    expect(Object.values(event?.annotations ?? {})).toContain(WEBHOOK_NAME);
    expect(Object.keys(event?.annotations ?? {}).join(' ')).toContain('failed-open');
  });

  it('lets creates through after timeoutSeconds while jobguard is stalled', async () => {
    await jobguard.start();
    jobguard.stall();
    try {
      const result = await cluster.apply([reverseShellCronJob(next('stalled'))], ['-n', 'apps']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.ms).toBeGreaterThanOrEqual(timeoutSeconds * 1000);
    } finally {
      jobguard.resume();
    }
  });

  it('is back to normal once jobguard answers again', async () => {
    const result = await cluster.apply([reverseShellCronJob(next('watched'))], ['-n', 'apps']);
    expect(result.code).toBe(0);
    expect(warningsOf(result.stderr)[0]).toMatch(/^jobguard: CronJob \S+ would be denied/);
  });
});

describe('enforce mode (policy.mode=enforce: failurePolicy Fail)', () => {
  beforeAll(async () => {
    await jobguard.upgrade({ policy: { mode: 'enforce' } });
    expect(webhook().failurePolicy).toBe('Fail');
    // The webhook configuration change reaches the API server through an informer.
    await waitUntil('the enforce policy to apply', async () => {
      const result = await cluster.kubectl(['create', '--dry-run=server', '-n', 'apps', '-f', '-'], {
        input: JSON.stringify(reverseShellCronJob('enforce-probe')),
      });
      return result.code !== 0 && result.stderr.includes(`admission webhook "${WEBHOOK_NAME}" denied`);
    });
  }, 60_000);

  it('keeps every create working while the serving certificate is rotated twice', async () => {
    const names: string[] = [];
    const failures: string[] = [];
    const state = { creating: true };
    const creator = (async () => {
      while (state.creating || names.length < 10) {
        const name = next('rotation');
        names.push(name);
        const result = await cluster.apply([benignJob(name)], ['-n', 'apps']);
        if (result.code !== 0) failures.push(`${name}: ${result.stderr}`);
      }
    })();
    const reloads = () => jobguard.lines.filter((line) => line.msg === 'TLS certificate reloaded').length;
    try {
      for (let rotation = 1; rotation <= 2; rotation++) {
        await waitUntil('a few creates first', () => names.length >= rotation * 4, { timeoutMs: 60_000 });
        const certificate = await jobguard.rotateCertificate();
        await waitUntil('the certificate reload', () => reloads() === rotation);
        expect((await jobguard.get('/healthz')).fingerprint).toBe(fingerprintOf(certificate.cert));
      }
    } finally {
      state.creating = false;
      await creator;
    }
    expect(failures).toEqual([]);
    // failurePolicy Fail: a webhook call that failed would have failed the create; each one was reviewed.
    const reviewed = new Set(jobguard.decisions().map((d) => d.name));
    expect(names.filter((name) => !reviewed.has(name))).toEqual([]);
  }, 180_000);

  it("refuses creates with the API server's own error while jobguard is stopped, except in kube-system", async () => {
    await jobguard.stop();
    const refused = await cluster.apply([benignJob(next('refused'))], ['-n', 'apps']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);
    expect(refused.stderr).toContain(`127.0.0.1:${jobguard.port}`);
    expect(refused.stderr).toContain('connection refused');
    // The chart never sends kube-system: the control plane keeps working through the outage.
    const system = await cluster.apply([benignJob(next('system'))], ['-n', 'kube-system']);
    expect(system.code).toBe(0);
  });

  it('refuses creates after timeoutSeconds while jobguard is stalled', async () => {
    await jobguard.start();
    jobguard.stall();
    try {
      const refused = await cluster.apply([benignJob(next('stalled'))], ['-n', 'apps']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);
      expect(refused.stderr).toMatch(/deadline exceeded|timeout/i);
      expect(refused.ms).toBeGreaterThanOrEqual(timeoutSeconds * 1000);
    } finally {
      jobguard.resume();
    }
  });

  it('is back to normal once jobguard answers again', async () => {
    const allowed = await cluster.apply([benignJob(next('after'))], ['-n', 'apps']);
    expect(allowed).toMatchObject({ code: 0, stderr: '' });
    const denied = await cluster.apply([reverseShellJob(next('after'))], ['-n', 'apps']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(`admission webhook "${WEBHOOK_NAME}" denied the request: jobguard`);
    expect(denied.stderr).toContain('reverse-shell');
  });
});
