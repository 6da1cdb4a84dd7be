import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import {
  watchNamespaceLabels,
  type NamespaceLabels,
  type WatchNamespaceLabelsOptions,
} from '../src/kube/namespaces.js';
import { FakeApiServer, waitFor } from './support/fake-apiserver.js';

const NAMESPACES = '/api/v1/namespaces';

let fake: FakeApiServer;
let logs: Record<string, unknown>[];
let caches: NamespaceLabels[];

function logger(): Logger {
  return pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
}

function start(options: Partial<WatchNamespaceLabelsOptions> = {}): NamespaceLabels {
  const cache = watchNamespaceLabels({
    kubeConfig: fake.kubeConfig(),
    logger: logger(),
    initialBackoffMs: 10,
    maxBackoffMs: 50,
    ...options,
  });
  caches.push(cache);
  return cache;
}

async function synced(options: Partial<WatchNamespaceLabelsOptions> = {}): Promise<NamespaceLabels> {
  const cache = start(options);
  await waitFor(() => cache.isSynced(), 'first sync');
  await waitFor(() => fake.activeWatches() === 1, 'watch open');
  return cache;
}

beforeEach(async () => {
  logs = [];
  caches = [];
  fake = await FakeApiServer.start();
  fake.setNamespace('default');
  fake.setNamespace('payments', { 'jobguard.dev/mode': 'enforce', team: 'pay' });
});

afterEach(async () => {
  await Promise.all(caches.map((cache) => cache.stop()));
  await fake.close();
});

describe('watchNamespaceLabels', () => {
  it('syncs every namespace over several list pages', async () => {
    for (const name of ['a', 'b', 'c']) fake.setNamespace(name, { letter: name });
    const cache = start({ pageSize: 2 });
    expect(cache.get('payments')).toBeUndefined();

    await waitFor(() => cache.isSynced(), 'first sync');

    expect(cache.get('payments')).toEqual({
      'kubernetes.io/metadata.name': 'payments',
      'jobguard.dev/mode': 'enforce',
      team: 'pay',
    });
    expect(cache.get('c')).toMatchObject({ letter: 'c' });
    expect(cache.get('nope')).toBeUndefined();
    expect(Object.isFrozen(cache.get('a'))).toBe(true);
    expect(cache.lastError()).toBeUndefined();
    expect(fake.count(NAMESPACES, false)).toBe(3);
    expect(fake.requests.filter((r) => r.path === NAMESPACES).map((r) => r.query.get('limit'))).toContain(
      '2',
    );
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'namespace labels synced', namespaces: 5 }));
  });

  it('sees a namespace added, relabelled (MODIFIED) and deleted', async () => {
    const cache = await synced();

    fake.setNamespace('batch', { 'jobguard.dev/mode': 'audit' });
    await waitFor(() => cache.get('batch')?.['jobguard.dev/mode'] === 'audit', 'ADDED');

    fake.setNamespace('payments', { 'jobguard.dev/mode': 'warn' });
    await waitFor(() => cache.get('payments')?.['jobguard.dev/mode'] === 'warn', 'MODIFIED');
    expect(cache.get('payments')).not.toHaveProperty('team');

    fake.deleteNamespace('payments');
    await waitFor(() => cache.get('payments') === undefined, 'DELETED');
    expect(cache.get('batch')).toBeDefined();
    expect(fake.count(NAMESPACES, false)).toBe(1);
  });

  it('keeps only the labels under labelPrefixes', async () => {
    const cache = await synced({ labelPrefixes: ['jobguard.dev/'] });
    expect(cache.get('payments')).toEqual({ 'jobguard.dev/mode': 'enforce' });
    expect(cache.get('default')).toEqual({});
  });

  it('resumes a dropped watch from its resourceVersion without relisting', async () => {
    const cache = await synced();
    fake.setNamespace('before-drop', { n: '1' });
    await waitFor(() => cache.get('before-drop') !== undefined, 'event before the drop');
    const watchesBefore = fake.count(NAMESPACES, true);

    fake.dropWatches();
    fake.setNamespace('while-dropped', { n: '2' });
    await waitFor(() => fake.count(NAMESPACES, true) > watchesBefore, 'a new watch');
    await waitFor(() => fake.activeWatches() === 1, 'watch reopened');
    fake.setNamespace('after-reconnect', { n: '3' });

    await waitFor(() => cache.get('after-reconnect') !== undefined, 'event after the reconnect');
    expect(cache.get('while-dropped')).toMatchObject({ n: '2' });
    expect(fake.count(NAMESPACES, false)).toBe(1);
    const rewatch = fake.requests.filter((r) => r.query.get('watch') === 'true')[1];
    expect(rewatch?.query.get('resourceVersion')).not.toBe('');
    expect(rewatch?.query.get('allowWatchBookmarks')).toBe('true');
  });

  it.each(['event', 'status'] as const)('relists after 410 Gone reported as %s', async (mode) => {
    fake.goneMode = mode;
    const cache = await synced();

    fake.setNamespaceSilently('only-in-a-list', { seen: 'after relist' });
    fake.compact();
    fake.dropWatches();

    await waitFor(() => cache.get('only-in-a-list') !== undefined, 'the relist');
    expect(fake.count(NAMESPACES, false)).toBe(2);
    expect(cache.lastError()).toBeUndefined();
    await waitFor(() => fake.activeWatches() === 1, 'watch reopened after the relist');
  });

  it('relists every resyncMs, which heals an event that never arrived', async () => {
    const cache = await synced({ resyncMs: 100 });
    fake.setNamespaceSilently('payments', { 'jobguard.dev/mode': 'off' });
    await waitFor(() => cache.get('payments')?.['jobguard.dev/mode'] === 'off', 'the resync');
    expect(fake.count(NAMESPACES, false)).toBeGreaterThanOrEqual(2);
  });

  it('reopens a watch the server ends on its timeout, from where it was', async () => {
    const cache = await synced({ watchTimeoutSeconds: 1 });
    await waitFor(() => fake.count(NAMESPACES, true) >= 2, 'the second watch', { timeoutMs: 3000 });
    fake.setNamespace('late', {});
    await waitFor(() => cache.get('late') !== undefined, 'event on the second watch');
    expect(fake.count(NAMESPACES, false)).toBe(1);
    expect(cache.lastError()).toBeUndefined();
  });

  it('serves the last labels through an outage, reports it, and catches up after', async () => {
    const cache = await synced();
    await fake.stop();

    await waitFor(() => cache.lastError() !== undefined, 'lastError');
    expect(cache.lastError()).toMatch(/ECONNREFUSED|socket hang up|Premature close|network/i);
    expect(cache.get('payments')).toMatchObject({ 'jobguard.dev/mode': 'enforce' });
    expect(cache.isSynced()).toBe(true);
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringMatching(/failed/) }));

    fake.setNamespace('made-during-outage', { x: 'y' });
    await fake.start();

    await waitFor(() => cache.lastError() === undefined, 'lastError cleared');
    await waitFor(() => cache.get('made-during-outage') !== undefined, 'change made during the outage');
  });

  it('is not synced and knows nothing while the API server is unreachable from the start', async () => {
    await fake.stop();
    const cache = start();

    await waitFor(() => cache.lastError() !== undefined, 'lastError');
    expect(cache.isSynced()).toBe(false);
    expect(cache.get('payments')).toBeUndefined();

    await fake.start();
    await waitFor(() => cache.isSynced(), 'first sync after the API server came up');
    expect(cache.get('payments')).toBeDefined();
    expect(cache.lastError()).toBeUndefined();
  });

  it("reports the API server's reason when the list is refused", async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: fake.url, skipTLSVerify: true }],
      users: [{ name: 'stranger', token: 'wrong' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'stranger' }],
      currentContext: 'fake',
    });
    const cache = start({ kubeConfig });
    await waitFor(() => cache.lastError() !== undefined, 'lastError');
    expect(cache.lastError()).toBe('GET /api/v1/namespaces: HTTP 401 Unauthorized: Unauthorized');
    expect(cache.isSynced()).toBe(false);
  });

  it('stop() closes the watch and ends all activity', async () => {
    const cache = await synced({ resyncMs: 20 });
    await cache.stop();
    await waitFor(() => fake.activeWatches() === 0, 'the watch to close');
    const requests = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.requests.length).toBe(requests);
    await cache.stop();
    expect(cache.get('payments')).toBeDefined();
  });

  it('gives up on a watch that never answers, retries, and recovers when the API server does', async () => {
    const cache = await synced({ requestTimeoutMs: 100 });
    fake.stall.watches = true;
    fake.dropWatches();
    await waitFor(() => fake.count(NAMESPACES, true) >= 3, 'two more watch attempts');
    expect(cache.lastError()).toBe('watch /api/v1/namespaces: no response within 100 ms');
    expect(cache.get('payments')).toEqual({
      'kubernetes.io/metadata.name': 'payments',
      'jobguard.dev/mode': 'enforce',
      team: 'pay',
    });
    fake.stall.watches = false;
    fake.setNamespace('payments', { 'jobguard.dev/mode': 'audit' });
    await waitFor(
      () => cache.get('payments')?.['jobguard.dev/mode'] === 'audit',
      'the change after recovery',
    );
    expect(cache.lastError()).toBeUndefined();
  });

  it('gives up on a list that never answers and lists again', async () => {
    fake.stall.lists = true;
    const cache = start({ requestTimeoutMs: 100 });
    await waitFor(() => fake.count(NAMESPACES, false) >= 2, 'a second list attempt');
    expect(cache.isSynced()).toBe(false);
    expect(cache.lastError()).toBe('GET /api/v1/namespaces: no response within 100 ms');
    fake.stall.lists = false;
    await waitFor(() => cache.isSynced(), 'sync after the API server answers');
    expect(cache.get('default')).toBeDefined();
  });

  it('stop() while a watch is still waiting for its response returns at once', async () => {
    const cache = await synced();
    fake.stall.watches = true;
    fake.dropWatches();
    await waitFor(() => fake.stalledRequests() === 1, 'the stalled watch');
    const started = Date.now();
    await cache.stop();
    expect(Date.now() - started).toBeLessThan(500);
    fake.stall.watches = false;
  });

  it('stop() during backoff returns at once', async () => {
    await fake.stop();
    const cache = start({ initialBackoffMs: 60_000, maxBackoffMs: 60_000 });
    await waitFor(() => cache.lastError() !== undefined, 'lastError');
    const started = Date.now();
    await cache.stop();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
