/**
 * Which audit records are scored, and which object is: the seed query's filter (resource
 * cronjobs/jobs, case-insensitive; verb create/update/patch) widened to the other pod-controller
 * resources the policy's `kinds` names, plus what the seed lacks:
 * - `stage`, when present, must be ResponseComplete (each request logs up to four stages), and a
 *   record already seen (auditID + stage) is a duplicate (overlapping exports);
 * - subresources (`jobs/status`) are skipped: the API server ignores spec changes there, and the
 *   job controller writes status constantly;
 * - the object is `responseObject` (the stored object, defaults and mutations applied) when the
 *   audit level kept it and the write succeeded, else `requestObject`, as sent (a refused write's
 *   responseObject is the `Status` the API server answered). A patch's request body is only the patch:
 *   it is scored as it is and marked `partial`.
 */
import type { KubeObject } from '../workload/types.js';
import { TOO_BIG, type AuditRecord } from './record.js';

/** Kind → the resource its audit events name (objectRef.resource). */
const KIND_RESOURCES: Readonly<Record<string, string>> = {
  CronJob: 'cronjobs',
  Job: 'jobs',
  Pod: 'pods',
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  ReplicationController: 'replicationcontrollers',
  PodTemplate: 'podtemplates',
};

const RESOURCE_KINDS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(KIND_RESOURCES).map(([kind, resource]) => [resource, kind]),
);

const VERBS = new Set(['create', 'update', 'patch']);

/** The seed's resources plus those of the policy's kinds, lowercased. */
export function scoredResources(kinds: readonly string[]): Set<string> {
  const resources = new Set(['cronjobs', 'jobs']);
  for (const kind of kinds) {
    const resource = KIND_RESOURCES[kind];
    if (resource) resources.add(resource);
  }
  return resources;
}

export interface Replay {
  object: KubeObject;
  /** The object is a patch body, not the whole object. */
  partial: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Remembers recent auditID+stage keys. Bounded, so memory stays constant however long the log:
 * duplicates from overlapping exports sit close together in time, and so in the log.
 */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = 65_536) {}

  /** True when the key was seen recently; records it either way. */
  seen(key: string): boolean {
    if (this.keys.has(key)) return true;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return false;
  }
}

/** The reason a record is not scored, or undefined when it passes the filter. */
export function filterRecord(
  record: AuditRecord,
  resources: ReadonlySet<string>,
  recent: RecentKeys,
): string | undefined {
  const resource = record.resource.toLowerCase();
  if (!resources.has(resource)) return `resource ${resource || '(none)'}`;
  if (record.subresource !== '') return `subresource ${resource}/${record.subresource}`;
  const verb = record.verb.toLowerCase();
  if (!VERBS.has(verb)) return `verb ${verb || '(none)'}`;
  if (record.stage !== undefined && record.stage !== 'ResponseComplete') return `stage ${record.stage}`;
  if (record.auditID !== '' && recent.seen(`${record.auditID}\u0000${record.stage ?? ''}`))
    return 'duplicate event';
  return undefined;
}

/** The object to score, or the reason there is none. */
export function replayObject(record: AuditRecord): Replay | { skip: string } {
  const response = record.responseObject;
  const request = record.requestObject;
  let body: Record<string, unknown>;
  let partial = false;
  // A refused or failed write logs the API server's Status as its responseObject: the object
  // that was asked for is then only in requestObject.
  if (isObject(response) && typeof response.kind === 'string' && response.kind !== 'Status') body = response;
  else if (isObject(request)) {
    body = request;
    partial = record.verb.toLowerCase() === 'patch';
  } else if (response === TOO_BIG || request === TOO_BIG) return { skip: `object too big (${TOO_BIG})` };
  else if (Array.isArray(request)) return { skip: 'JSON patch body (a list of operations) cannot be scored' };
  else return { skip: 'no request or response object (audit level Metadata)' };

  // Patch bodies and some request bodies carry no type; the audit record says what was written.
  if (typeof body.kind === 'string' && typeof body.apiVersion === 'string') return { object: body, partial };
  const kind = typeof body.kind === 'string' ? body.kind : RESOURCE_KINDS[record.resource.toLowerCase()];
  const group = record.apiGroup === '' ? '' : `${record.apiGroup}/`;
  const apiVersion =
    typeof body.apiVersion === 'string'
      ? body.apiVersion
      : record.apiVersion === ''
        ? ''
        : `${group}${record.apiVersion}`;
  return { object: { ...body, apiVersion, kind }, partial };
}
