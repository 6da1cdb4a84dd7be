import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { listWorkloads, WORKLOAD_RESOURCES, type ListedWorkload } from '../src/kube/cluster.js';
import { FakeApiServer } from './support/fake-apiserver.js';

let fake: FakeApiServer;

function cronJob(namespace: string, name: string): Record<string, unknown> {
  return {
    metadata: {
      name,
      namespace,
      uid: `uid-${namespace}-${name}`,
      resourceVersion: '42',
      creationTimestamp: '2025-03-04T05:06:07Z',
      managedFields: [{ manager: 'kubectl', time: '2025-03-04T05:06:07Z', fieldsV1: { 'f:spec': {} } }],
    },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1.36' }] },
          },
        },
      },
    },
    status: { lastScheduleTime: '2025-03-04T06:00:00Z', lastSuccessfulTime: '2025-03-04T06:00:03Z' },
  };
}

function podLike(namespace: string, name: string): Record<string, unknown> {
  return { metadata: { name, namespace }, spec: {} };
}

async function collect(iterable: AsyncIterable<ListedWorkload>): Promise<ListedWorkload[]> {
  const out: ListedWorkload[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

beforeEach(async () => {
  fake = await FakeApiServer.start();
  fake.addObjects('batch/v1', 'cronjobs', [
    ...['a', 'b', 'c', 'd'].map((name) => cronJob('default', name)),
    ...['e', 'f', 'g'].map((name) => cronJob('payments', name)),
  ]);
  fake.addObjects('batch/v1', 'jobs', [podLike('default', 'job-1')]);
  fake.addObjects('v1', 'pods', [podLike('default', 'pod-1'), podLike('payments', 'pod-2')]);
  fake.addObjects('v1', 'podtemplates', [podLike('default', 'tpl-1')]);
  fake.addObjects('v1', 'replicationcontrollers', [podLike('default', 'rc-1')]);
  for (const resource of ['deployments', 'replicasets', 'statefulsets', 'daemonsets']) {
    fake.addObjects('apps/v1', resource, [podLike('payments', `${resource}-1`)]);
  }
});

afterEach(async () => {
  await fake.close();
});

describe('listWorkloads', () => {
  it('pages through a cluster-wide list with limit/continue', async () => {
    const items = await collect(
      listWorkloads({ kubeConfig: fake.kubeConfig(), kinds: ['CronJob'], pageSize: 3 }),
    );

    expect(items.map((item) => item.object.metadata)).toHaveLength(7);
    expect(items.map((item) => (item.object.metadata as { name: string }).name)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
      'g',
    ]);
    const pages = fake.requests.filter((r) => r.path === '/apis/batch/v1/cronjobs');
    expect(pages).toHaveLength(3);
    expect(pages.map((r) => r.query.get('limit'))).toEqual(['3', '3', '3']);
    expect(pages[0]?.query.has('continue')).toBe(false);
    expect(pages[1]?.query.get('continue')).toBeTruthy();
  });

  it('fills apiVersion and kind and keeps the JSON as sent (timestamps stay strings)', async () => {
    const [first] = await collect(listWorkloads({ kubeConfig: fake.kubeConfig(), kinds: ['CronJob'] }));

    expect(first?.apiVersion).toBe('batch/v1');
    expect(first?.kind).toBe('CronJob');
    expect(first?.object).toEqual({ apiVersion: 'batch/v1', kind: 'CronJob', ...cronJob('default', 'a') });
    expect(Object.keys(first!.object).slice(0, 2)).toEqual(['apiVersion', 'kind']);
    const metadata = first!.object.metadata as Record<string, unknown>;
    expect(typeof metadata.creationTimestamp).toBe('string');
    expect((first!.object.status as Record<string, unknown>).lastScheduleTime).toBe('2025-03-04T06:00:00Z');
  });

  it('lists only the given namespaces, from their namespaced paths', async () => {
    const items = await collect(
      listWorkloads({
        kubeConfig: fake.kubeConfig(),
        kinds: ['CronJob', 'Pod'],
        namespaces: ['payments'],
        pageSize: 2,
      }),
    );

    expect(items.map((item) => `${item.kind}/${(item.object.metadata as { name: string }).name}`)).toEqual([
      'CronJob/e',
      'CronJob/f',
      'CronJob/g',
      'Pod/pod-2',
    ]);
    expect(new Set(fake.requests.map((r) => r.path))).toEqual(
      new Set(['/apis/batch/v1/namespaces/payments/cronjobs', '/api/v1/namespaces/payments/pods']),
    );
  });

  it('covers every pod-controller kind at its group and version', async () => {
    const kinds = Object.keys(WORKLOAD_RESOURCES);
    const items = await collect(listWorkloads({ kubeConfig: fake.kubeConfig(), kinds }));

    expect(new Set(items.map((item) => item.kind))).toEqual(new Set(kinds));
    for (const item of items) {
      expect(item.object.apiVersion).toBe(
        WORKLOAD_RESOURCES[item.kind as keyof typeof WORKLOAD_RESOURCES].apiVersion,
      );
      expect(item.object.kind).toBe(item.kind);
    }
    expect(items.find((item) => item.kind === 'DaemonSet')?.apiVersion).toBe('apps/v1');
    expect(items.find((item) => item.kind === 'ReplicationController')?.apiVersion).toBe('v1');
  });

  it('rejects an unknown kind before any request', () => {
    expect(() => listWorkloads({ kubeConfig: fake.kubeConfig(), kinds: ['CronJob', 'Secret'] })).toThrow(
      /unknown workload kind Secret/,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it("fails with the API server's Status when a list is refused", async () => {
    const path = '/apis/batch/v1/namespaces/payments/cronjobs';
    const message =
      'cronjobs.batch is forbidden: User "tester" cannot list resource "cronjobs" in "payments"';
    fake.refuse(path, 403, 'Forbidden', message);

    const listing = listWorkloads({
      kubeConfig: fake.kubeConfig(),
      kinds: ['CronJob'],
      namespaces: ['payments'],
    });

    await expect(collect(listing)).rejects.toThrow(`GET ${path}: HTTP 403 Forbidden: ${message}`);
    await expect(collect(listing)).rejects.toMatchObject({ name: 'KubeApiError', statusCode: 403 });
  });

  it('fails when the API server is unreachable', async () => {
    await fake.stop();
    await expect(collect(listWorkloads({ kubeConfig: fake.kubeConfig(), kinds: ['Job'] }))).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it('escapes namespace names in paths', async () => {
    await collect(
      listWorkloads({ kubeConfig: fake.kubeConfig(), kinds: ['Job'], namespaces: ['a/b', 'default'] }),
    );
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/apis/batch/v1/namespaces/a%2Fb/jobs',
      '/apis/batch/v1/namespaces/default/jobs',
    ]);
  });
});
