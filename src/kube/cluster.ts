import type { KubeConfig } from '@kubernetes/client-node';
import { getJson, parseListPage } from './request.js';

/**
 * Every kind that holds a pod template, with where the API server serves it.
 * @internal
 */
export const WORKLOAD_RESOURCES = {
  CronJob: { apiVersion: 'batch/v1', resource: 'cronjobs' },
  Job: { apiVersion: 'batch/v1', resource: 'jobs' },
  Pod: { apiVersion: 'v1', resource: 'pods' },
  Deployment: { apiVersion: 'apps/v1', resource: 'deployments' },
  ReplicaSet: { apiVersion: 'apps/v1', resource: 'replicasets' },
  StatefulSet: { apiVersion: 'apps/v1', resource: 'statefulsets' },
  DaemonSet: { apiVersion: 'apps/v1', resource: 'daemonsets' },
  ReplicationController: { apiVersion: 'v1', resource: 'replicationcontrollers' },
  PodTemplate: { apiVersion: 'v1', resource: 'podtemplates' },
} as const satisfies Record<string, { apiVersion: string; resource: string }>;

type WorkloadKind = keyof typeof WORKLOAD_RESOURCES;

export interface ListedWorkload {
  apiVersion: string;
  kind: string;
  /** The object as the API server sends it (timestamps are strings), with `apiVersion` and `kind` set. */
  object: Record<string, unknown>;
}

export interface ListWorkloadsOptions {
  kubeConfig: KubeConfig;
  /** Kind names from WORKLOAD_RESOURCES; anything else throws before any request. */
  kinds: readonly string[];
  /** Namespaces to list; absent lists every namespace with one cluster-wide request per kind. */
  namespaces?: readonly string[];
  /** Items per page (`limit`). Default 500, kubectl's chunk size. */
  pageSize?: number;
  signal?: AbortSignal;
}

function isWorkloadKind(kind: string): kind is WorkloadKind {
  return Object.hasOwn(WORKLOAD_RESOURCES, kind);
}

function collectionPath(apiVersion: string, resource: string, namespace: string | undefined): string {
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace === undefined
    ? `${root}/${resource}`
    : `${root}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
}

/**
 * Lists workloads kind by kind, page by page (`limit`/`continue`), so a large cluster never sits in
 * memory at once. List items come without `apiVersion` and `kind`; they are filled in so the
 * scoring engine sees what an AdmissionReview carries. Rejects (on iteration) with a `KubeApiError`
 * on any non-2xx answer, including 410 when a continue token expires during a slow listing.
 */
export function listWorkloads(options: ListWorkloadsOptions): AsyncIterable<ListedWorkload> {
  const unknown = options.kinds.filter((kind) => !isWorkloadKind(kind));
  if (unknown.length > 0) {
    throw new Error(
      `unknown workload kind ${unknown.join(', ')}; expected one of ${Object.keys(WORKLOAD_RESOURCES).join(', ')}`,
    );
  }
  const kinds = [...new Set(options.kinds)].filter(isWorkloadKind);
  const namespaces = options.namespaces ? [...new Set(options.namespaces)] : [undefined];
  // Each iteration lists afresh, so the result can be iterated more than once (a generator cannot).
  return { [Symbol.asyncIterator]: () => listAll(options, kinds, namespaces) };
}

async function* listAll(
  options: ListWorkloadsOptions,
  kinds: readonly WorkloadKind[],
  namespaces: readonly (string | undefined)[],
): AsyncGenerator<ListedWorkload> {
  for (const kind of kinds) {
    const { apiVersion, resource } = WORKLOAD_RESOURCES[kind];
    for (const namespace of namespaces) {
      const path = collectionPath(apiVersion, resource, namespace);
      let continueToken: string | undefined;
      do {
        const query = { limit: options.pageSize ?? 500, continue: continueToken };
        const page = parseListPage(await getJson(options.kubeConfig, path, query, options.signal), path);
        for (const item of page.items) {
          const object: Record<string, unknown> = { apiVersion, kind, ...item };
          object.apiVersion = apiVersion;
          object.kind = kind;
          yield { apiVersion, kind, object };
        }
        continueToken = page.continueToken;
      } while (continueToken !== undefined);
    }
  }
}
