/**
 * Writes wgpolicyk8s.io/v1alpha2 PolicyReports and ClusterPolicyReports to the cluster with
 * server-side apply (field manager `jobguard`), lists the ones jobguard manages (by the
 * `app.kubernetes.io/managed-by: jobguard` label) and deletes those a run no longer produces.
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { isRecord, parseListPage, sendJson, statusCodeOf } from './request.js';

const GROUP_PATH = '/apis/wgpolicyk8s.io/v1alpha2';
const FIELD_MANAGER = 'jobguard';
const MANAGED_SELECTOR = 'app.kubernetes.io/managed-by=jobguard';

/** What identifies a report in the cluster. */
export interface ReportKey {
  kind: 'PolicyReport' | 'ClusterPolicyReport';
  namespace?: string;
  name: string;
}

export function keyOf(key: ReportKey): string {
  return `${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

function objectPath(key: ReportKey): string {
  const name = encodeURIComponent(key.name);
  return key.kind === 'ClusterPolicyReport'
    ? `${GROUP_PATH}/clusterpolicyreports/${name}`
    : `${GROUP_PATH}/namespaces/${encodeURIComponent(key.namespace ?? 'default')}/policyreports/${name}`;
}

/** A report as written: its kind and metadata say where it goes. */
export interface ReportObject {
  kind: ReportKey['kind'];
  metadata: { name: string; namespace?: string };
}

/** Creates or replaces the report's fields owned by jobguard (`force`: jobguard is the only writer). */
export async function applyReport(
  kubeConfig: KubeConfig,
  report: ReportObject,
  signal?: AbortSignal,
): Promise<void> {
  const key = {
    kind: report.kind,
    name: report.metadata.name,
    ...(report.metadata.namespace === undefined ? {} : { namespace: report.metadata.namespace }),
  };
  await sendJson(kubeConfig, 'PATCH', objectPath(key), {
    query: { fieldManager: FIELD_MANAGER, force: true },
    body: report,
    contentType: 'application/apply-patch+yaml',
    ...(signal ? { signal } : {}),
  });
}

/** Every report jobguard manages, of both kinds, in the namespaces given (or all). */
export async function listManagedReports(
  kubeConfig: KubeConfig,
  namespaces: readonly string[] | undefined,
  signal?: AbortSignal,
): Promise<ReportKey[]> {
  const out: ReportKey[] = [];
  const collect = async (kind: ReportKey['kind'], path: string): Promise<void> => {
    let continueToken: string | undefined;
    do {
      const query = { labelSelector: MANAGED_SELECTOR, limit: 500, continue: continueToken };
      const body = await sendJson(kubeConfig, 'GET', path, { query, ...(signal ? { signal } : {}) });
      const page = parseListPage(body, path);
      for (const item of page.items) {
        const metadata = isRecord(item.metadata) ? item.metadata : {};
        if (typeof metadata.name !== 'string') continue;
        out.push({
          kind,
          name: metadata.name,
          ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
        });
      }
      continueToken = page.continueToken;
    } while (continueToken !== undefined);
  };
  if (namespaces === undefined) await collect('PolicyReport', `${GROUP_PATH}/policyreports`);
  else
    for (const namespace of namespaces)
      await collect(
        'PolicyReport',
        `${GROUP_PATH}/namespaces/${encodeURIComponent(namespace)}/policyreports`,
      );
  await collect('ClusterPolicyReport', `${GROUP_PATH}/clusterpolicyreports`);
  return out;
}

/** Deletes a report; one already gone is not an error. */
export async function deleteReport(
  kubeConfig: KubeConfig,
  key: ReportKey,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await sendJson(kubeConfig, 'DELETE', objectPath(key), signal ? { signal } : {});
  } catch (error) {
    if (statusCodeOf(error) !== 404) throw error;
  }
}
