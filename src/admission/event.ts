/**
 * The Kubernetes Event (events.k8s.io/v1) that tells a namespace what jobguard did to a request:
 * `kubectl events -n team-a` and event exporters then show a deny (or, opt-in, a warning) next to
 * the object's other events, which the person who ran `kubectl apply` may not have seen. Pure:
 * the request and its answer in, the Event out (kube/events.ts sends it).
 */
import type { Decision } from '../policy/decision.js';
import { truncate } from '../scoring/redact.js';
import type { AdmissionRequest, AdmissionResponse } from './schema.js';

/** Which answers get an Event: none, denies, or denies and warnings. */
export type EventMode = 'off' | 'deny' | 'warn';

/**
 * `reportingController` of every Event jobguard writes.
 * @internal
 */
export const REPORTING_CONTROLLER = 'jobguard.dev/jobguard';
/** The API server refuses an Event whose note exceeds 1 kB. */
const NOTE_MAX = 1024;

export interface KubeEvent {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  metadata: { generateName: string; namespace: string };
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: 'Denied' | 'Warned';
  type: 'Warning';
  regarding: { apiVersion: string; kind: string; namespace: string; name: string };
  note: string;
}

/** At most NOTE_MAX bytes, as the API server counts them. */
function clip(note: string): string {
  let text = truncate(note, NOTE_MAX);
  while (Buffer.byteLength(text) > NOTE_MAX) text = truncate(text, Array.from(text).length - 16);
  return text;
}

/** `metav1.MicroTime`: RFC 3339 with six fractional digits. */
function microTime(now: Date): string {
  return now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * The Event for one answered review, or undefined when none is due: mode off, a dry run (the
 * webhook declares `sideEffects: NoneOnDryRun`), a namespace-less object, or an answer that is
 * neither a deny nor (with mode warn) a warning.
 */
export function eventFor(
  request: AdmissionRequest,
  decision: Decision,
  response: AdmissionResponse,
  options: { mode: EventMode; instance: string; name: string; now: Date },
): KubeEvent | undefined {
  if (options.mode === 'off' || request.dryRun === true) return undefined;
  const namespace = request.namespace ?? '';
  if (namespace === '') return undefined;
  let reason: KubeEvent['reason'];
  let note: string;
  if (!response.allowed) {
    reason = 'Denied';
    note = response.status?.message ?? 'denied by jobguard';
  } else if (options.mode === 'warn' && decision.action === 'warn' && response.warnings?.length) {
    reason = 'Warned';
    note = response.warnings.join('\n');
  } else return undefined;
  const { group, version, kind } = request.kind;
  const name = options.name;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    // The object may not exist (a denied create): the Event is named after it, not owned by it.
    metadata: { generateName: `${(name || kind.toLowerCase()).slice(0, 200)}.`, namespace },
    eventTime: microTime(options.now),
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: options.instance.slice(0, 128),
    action: request.operation === 'UPDATE' ? 'Update' : 'Create',
    reason,
    type: 'Warning',
    regarding: { apiVersion: group ? `${group}/${version}` : version, kind, namespace, name },
    note: clip(note),
  };
}
