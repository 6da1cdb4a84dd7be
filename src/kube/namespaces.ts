import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { watchCollection, type InformerTiming } from './informer.js';
import { isRecord } from './request.js';

export { loadKubeConfig } from './config.js';
export type { KubeConfig };

export interface NamespaceLabels {
  /** Labels of a namespace from the cache; undefined when unknown (not yet synced or no such namespace). Never does I/O. */
  get(namespace: string): Readonly<Record<string, string>> | undefined;
  /** True once the first list has completed. */
  isSynced(): boolean;
  /** Last error from list/watch, if any (for readyz detail and logs). */
  lastError(): string | undefined;
  stop(): Promise<void>;
}

export interface WatchNamespaceLabelsOptions extends InformerTiming {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Keep only labels whose key starts with one of these (e.g. `['jobguard.dev/']`); default every label. */
  labelPrefixes?: readonly string[];
}

/**
 * `name → labels` of every namespace, from one list and one long watch of /api/v1/namespaces
 * (kube/informer.ts); lookups never touch the network. Only labels are kept, frozen. Every label
 * is kept by default (a namespace has few, and policies may select on any, such as
 * `kubernetes.io/metadata.name`); `labelPrefixes` narrows it for clusters with label-heavy namespaces.
 * Starts at once; `isSynced()` tells when the first list is in. Failures never throw: they are
 * logged, kept in `lastError()`, and retried with backoff.
 */
export function watchNamespaceLabels(options: WatchNamespaceLabelsOptions): NamespaceLabels {
  const { labelPrefixes: prefixes, ...rest } = options;
  return watchCollection<Readonly<Record<string, string>>>({
    ...rest,
    path: '/api/v1/namespaces',
    noun: 'namespace',
    plural: 'namespaces',
    description: 'namespace labels',
    component: 'namespace-labels',
    keyOf: (object) =>
      isRecord(object.metadata) && typeof object.metadata.name === 'string'
        ? object.metadata.name
        : undefined,
    transform(object) {
      const metadata = isRecord(object.metadata) ? object.metadata : {};
      const labels: Record<string, string> = {};
      if (isRecord(metadata.labels)) {
        for (const [key, value] of Object.entries(metadata.labels)) {
          if (typeof value !== 'string') continue;
          if (prefixes && !prefixes.some((prefix) => key.startsWith(prefix))) continue;
          labels[key] = value;
        }
      }
      return Object.freeze(labels);
    },
  });
}
