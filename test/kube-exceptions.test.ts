/**
 * The JobguardException cache against the fake API server with the real client-node: objects
 * listed and watched (no request per lookup), judged under the policy, status written back through
 * the status subresource as a merge patch, written once (not per event), rewritten on expiry and
 * on a policy change, and a missing CRD or refused write logged with what to do.
 *
 * The same test can run against a real API server: apply charts/jobguard/templates/crd-jobguardexception.yaml
 * (rendered) and point `kubeConfig` at the cluster; only `fake.setObject` and `fake.getObject`
 * stand for `kubectl apply` and `kubectl get -o json`.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { pino, type Logger } from 'pino';
import { EXCEPTIONS_PATH, watchExceptions, type ExceptionCache } from '../src/kube/exceptions.js';
import { compilePolicy, type CompiledPolicy } from '../src/policy/decide.js';
import type { ExceptionStatus } from '../src/policy/exception.js';
import { policySchema, type PolicyFile } from '../src/policy/schema.js';
import { PROFILES } from '../src/scoring/profiles.js';
import { createMetrics, EXCEPTION_LABELS_MAX, recordExceptions } from '../src/server/metrics.js';
import { FakeApiServer, waitFor } from './support/fake-apiserver.js';

const GV = 'jobguard.dev/v1';
const RESOURCE = 'jobguardexceptions';

let fake: FakeApiServer;
let logs: Record<string, unknown>[];
let caches: ExceptionCache[];

function logger(): Logger {
  return pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
}

function compiled(policy: Partial<PolicyFile> = {}): CompiledPolicy {
  return compilePolicy(
    policySchema.parse({ apiVersion: 'jobguard.dev/v1', kind: 'Policy', ...policy }),
    PROFILES.default,
  );
}

function exception(namespace: string, name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: GV, kind: 'JobguardException', metadata: { namespace, name }, spec };
}

const scanner = { reason: 'CIS scanner (SEC-1)', names: ['kube-bench-*'], rules: ['host-pid'] };

function start(
  options: {
    policy?: () => CompiledPolicy;
    clock?: () => Date;
    onStatuses?: (s: readonly ExceptionStatus[]) => void;
  } = {},
): ExceptionCache {
  const policy = compiled();
  const cache = watchExceptions({
    kubeConfig: fake.kubeConfig(),
    logger: logger(),
    policy: options.policy ?? (() => policy),
    initialBackoffMs: 10,
    maxBackoffMs: 50,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onStatuses ? { onStatuses: options.onStatuses } : {}),
  });
  caches.push(cache);
  return cache;
}

function statusOf(namespace: string, name: string): Record<string, unknown> | undefined {
  return fake.getObject(GV, RESOURCE, namespace, name)?.status as Record<string, unknown> | undefined;
}

function statusWrites(): number {
  return fake.writes.filter((w) => w.path.endsWith('/status')).length;
}

beforeEach(async () => {
  fake = await FakeApiServer.start();
  logs = [];
  caches = [];
});

afterEach(async () => {
  for (const cache of caches) await cache.stop();
  await fake.close();
});

describe('JobguardException cache', () => {
  it('lists and watches once, judges each object, and answers lookups without a request', async () => {
    fake.setObject(GV, RESOURCE, exception('security', 'kube-bench', scanner));
    const cache = start();
    await waitFor(() => cache.isSynced(), 'first sync');
    expect(cache.exemptions().map((e) => e.id)).toEqual(['security/kube-bench']);
    const before = fake.requests.filter((r) => r.method === 'GET').length;
    for (let i = 0; i < 100; i++) cache.exemptions();
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(before);

    fake.setObject(GV, RESOURCE, exception('team-a', 'backup', { reason: 'r', images: ['x:*'] }));
    await waitFor(() => cache.exemptions().length === 2, 'watched ADDED');
    fake.deleteObject(GV, RESOURCE, 'security', 'kube-bench');
    await waitFor(() => cache.exemptions().length === 1, 'watched DELETED');
    expect(cache.exemptions()[0]?.id).toBe('team-a/backup');
    expect(fake.count(EXCEPTIONS_PATH, false)).toBe(1);
  });

  it('writes Active, Invalid and Expired to the status subresource as a merge patch, with a reason', async () => {
    fake.setObject(GV, RESOURCE, exception('security', 'kube-bench', scanner));
    fake.setObject(
      GV,
      RESOURCE,
      exception('team-a', 'typo', { reason: 'r', names: ['x'], rules: ['no-such-rule'] }),
    );
    fake.setObject(
      GV,
      RESOURCE,
      exception('team-a', 'wide', { reason: 'r', names: ['x'], namespaces: ['prod'] }),
    );
    fake.setObject(
      GV,
      RESOURCE,
      exception('team-a', 'old', { reason: 'r', names: ['x'], expires: '2020-01-01' }),
    );
    start();
    await waitFor(() => statusWrites() === 4, 'four status writes');
    expect(
      fake.writes.every((w) => w.method === 'PATCH' && w.contentType === 'application/merge-patch+json'),
    ).toBe(true);
    expect(statusOf('security', 'kube-bench')).toMatchObject({
      state: 'Active',
      message: 'waives host-pid in namespace security',
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Active' }],
    });
    expect(statusOf('team-a', 'typo')).toMatchObject({
      state: 'Invalid',
      message: expect.stringContaining('spec.rules[0]: unknown rule "no-such-rule"'),
      conditions: [{ type: 'Ready', status: 'False', reason: 'Invalid' }],
    });
    expect(statusOf('team-a', 'wide')).toMatchObject({
      state: 'Invalid',
      message: expect.stringContaining('covers only its own namespace'),
    });
    expect(statusOf('team-a', 'old')).toMatchObject({
      state: 'Expired',
      expiresAt: '2020-01-01T23:59:59.999Z',
    });
    expect(logs.some((l) => l.msg === 'exception does not apply' && l.exception === 'team-a/typo')).toBe(
      true,
    );
  });

  it('writes a status once, not again for its own MODIFIED event, and again when the spec changes', async () => {
    fake.setObject(GV, RESOURCE, exception('security', 'kube-bench', scanner));
    const cache = start();
    await waitFor(() => statusWrites() === 1, 'first write');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statusWrites()).toBe(1);
    const since = (statusOf('security', 'kube-bench')?.conditions as Record<string, unknown>[])[0]
      ?.lastTransitionTime;

    fake.setObject(
      GV,
      RESOURCE,
      exception('security', 'kube-bench', { ...scanner, rules: ['host-pid', 'host-network'] }),
    );
    await waitFor(() => statusWrites() === 2, 'write for generation 2');
    expect(statusOf('security', 'kube-bench')).toMatchObject({
      state: 'Active',
      observedGeneration: 2,
      message: 'waives host-pid, host-network in namespace security',
    });
    // Still Active: the condition keeps the time it became so.
    expect(
      (statusOf('security', 'kube-bench')?.conditions as Record<string, unknown>[])[0]?.lastTransitionTime,
    ).toBe(since);
    expect(cache.exemptions()[0]?.rules).toEqual(['host-pid', 'host-network']);
  });

  it('turns Active into Expired when the expiry passes, without any event', async () => {
    let now = new Date('2026-06-30T23:59:59.900Z');
    fake.setObject(
      GV,
      RESOURCE,
      exception('security', 'kube-bench', { ...scanner, expires: '2026-06-30T23:59:59.950Z' }),
    );
    start({ clock: () => now });
    await waitFor(() => statusOf('security', 'kube-bench')?.state === 'Active', 'Active');
    now = new Date('2026-07-01T00:00:00Z');
    await waitFor(() => statusOf('security', 'kube-bench')?.state === 'Expired', 'Expired by the timer', {
      timeoutMs: 2000,
    });
  });

  it('judges again under a reloaded policy (refresh) and reports every status to onStatuses', async () => {
    fake.setObject(GV, RESOURCE, exception('platform', 'all-teams', { ...scanner, namespaces: ['team-*'] }));
    let policy = compiled();
    const seen: string[] = [];
    const cache = start({ policy: () => policy, onStatuses: (s) => seen.push(s.map((x) => x.state).join()) });
    await waitFor(() => statusOf('platform', 'all-teams')?.state === 'Invalid', 'Invalid');
    expect(cache.exemptions()).toEqual([]);
    policy = compiled({ exceptions: { enabled: true, clusterWideNamespaces: ['platform'] } });
    expect(cache.exemptions().map((e) => e.id)).toEqual(['platform/all-teams']);
    cache.refresh();
    await waitFor(() => statusOf('platform', 'all-teams')?.state === 'Active', 'Active after reload');
    expect(seen).toContain('Invalid');
    expect(seen).toContain('Active');
  });

  it('says what to do when the CRD is missing, and when the status write is refused', async () => {
    fake.refuse(EXCEPTIONS_PATH, 404, 'NotFound', 'the server could not find the requested resource');
    const cache = start();
    await waitFor(() => cache.lastError() !== undefined, 'list error');
    expect(cache.lastError()).toContain('CRD is not installed');
    // Nothing can exempt without the CRD: a known state, so readiness need not wait for it.
    expect(cache.isSynced()).toBe(true);
    expect(cache.exemptions()).toEqual([]);
    await cache.stop();

    const other = await FakeApiServer.start();
    try {
      other.setObject(GV, RESOURCE, exception('security', 'kube-bench', scanner));
      other.writeRefusals.set(`/apis/${GV}/namespaces/security/${RESOURCE}/kube-bench/status`, {
        kind: 'Status',
        code: 403,
        reason: 'Forbidden',
        message: 'cannot patch resource',
      });
      const policy = compiled();
      const refused = watchExceptions({
        kubeConfig: other.kubeConfig(),
        logger: logger(),
        policy: () => policy,
      });
      caches.push(refused);
      await waitFor(() => refused.isSynced(), 'sync');
      await waitFor(() => logs.some((l) => l.msg === 'could not write exception status'), 'refusal logged');
      expect(JSON.stringify(logs.find((l) => l.msg === 'could not write exception status'))).toContain(
        'jobguardexceptions/status',
      );
      // The exception still applies: status is a report, not a precondition.
      expect(refused.exemptions().map((e) => e.id)).toEqual(['security/kube-bench']);
    } finally {
      await other.close();
    }
  });
});

describe('exception metrics', () => {
  it('names at most EXCEPTION_LABELS_MAX exceptions and counts the rest under (other)', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const statuses: ExceptionStatus[] = Array.from({ length: EXCEPTION_LABELS_MAX + 5 }, (_, i) => ({
      id: `ns/e${String(i).padStart(4, '0')}`,
      namespace: 'ns',
      name: `e${i}`,
      state: i % 2 === 0 ? 'Active' : 'Invalid',
      message: '',
    }));
    recordExceptions(metrics, statuses);
    const text = await metrics.registry.metrics();
    const named = text.split('\n').filter((l) => l.startsWith('jobguard_exception_status{exception="ns/'));
    expect(named).toHaveLength(EXCEPTION_LABELS_MAX);
    // 205 statuses: 0..199 named; 200..204 are 3 Active (200, 202, 204) and 2 Invalid.
    expect(text).toContain('jobguard_exception_status{exception="(other)",state="Active"} 3');
    expect(text).toContain('jobguard_exception_status{exception="(other)",state="Invalid"} 2');
    expect(text).toContain('jobguard_exceptions{state="Active"} 103');
    expect(text).toContain('jobguard_exceptions{state="Expired"} 0');

    // A deleted exception's series goes with it.
    recordExceptions(metrics, statuses.slice(0, 1));
    const after = await metrics.registry.metrics();
    expect(after).not.toContain('ns/e0001');
    expect(after).not.toContain('exception="(other)"');
  });
});
