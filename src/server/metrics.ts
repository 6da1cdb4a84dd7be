import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Decision } from '../policy/decision.js';
import { WORKLOAD_KINDS } from '../policy/schema.js';
import { VERSION } from '../version.js';
import type { ExceptionState, ExceptionStatus } from '../policy/exception.js';

/**
 * JobguardExceptions are created by namespace users, so their names are label values anyone with
 * `create` may mint: past this many, exceptions are counted under `(other)` instead of by name,
 * so one namespace cannot blow up Prometheus' series count.
 * @internal
 */
export const EXCEPTION_LABELS_MAX = 200;
const OTHER_EXCEPTIONS = '(other)';
const EXCEPTION_STATES: readonly ExceptionState[] = ['Active', 'Expired', 'Invalid', 'Ignored'];

/**
 * Every metric jobguard exports; one registry per app so tests never share state. Names are a
 * public contract (dashboards, alerts).
 *
 * Every label value comes from a set known before the first request: a value taken from a request
 * would let anyone who reaches the port create series without end (each costs memory for the life
 * of the process, and /metrics grows with them). Per label:
 * - `kind`: the pod-controller kinds jobguard can score, else `other`;
 * - `namespace`: the namespaces named in `namespaces` (the `--metrics-namespace` flag), else
 *   `(other)`, and `(cluster)` for cluster-scoped requests;
 * - `operation`: CREATE, UPDATE, DELETE, CONNECT (the review schema refuses anything else);
 * - `action`: a verdict (allow, annotate, warn, deny); `dry_run`: true or false;
 * - `rule`: ids of the rule registry; `exemption`: `exemptions[N]` of the loaded policy, or `self`;
 * - `result`, `kind` of errors, `version`, `node`: fixed by the code.
 */
export interface Metrics {
  registry: Registry;
  requests: Counter<'kind' | 'operation' | 'action' | 'dry_run'>;
  duration: Histogram<'kind'>;
  score: Histogram;
  ruleHits: Counter<'rule'>;
  namespaceDecisions: Counter<'namespace' | 'action'>;
  exemptionsApplied: Counter<'exemption'>;
  exemptionsExpired: Gauge;
  exceptions: Gauge<'state'>;
  exceptionStatus: Gauge<'exception' | 'state'>;
  /** Exception ids that may be label values (bounded by EXCEPTION_LABELS_MAX). */
  exceptionLabels: Set<string>;
  events: Counter<'result'>;
  policyReloads: Counter<'result'>;
  policyLastReloadSuccess: Gauge;
  certificateExpiry: Gauge;
  errors: Counter<'kind'>;
  /** Refusals before analysis: `busy` (body budget, worker queue), `too_large`. */
  refused: Counter<'reason'>;
  /** The `kind` label for a request's `kind.kind`. */
  kindLabel(kind: string): string;
  /** The `namespace` label for a request's namespace. */
  namespaceLabel(namespace: string): string;
}

export interface MetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag); off in tests. Default on. */
  processMetrics?: boolean;
  /** Namespaces that get a `namespace` label value of their own; every other one counts as `(other)`. */
  namespaces?: readonly string[];
}

/**
 * Admission latency buckets, seconds. They reach past the chart's webhook timeout (3 s), the API
 * server's default (10 s) and the longest timeout it allows (30 s): a p99 alert needs buckets
 * above its threshold, or histogram_quantile can never report more than the top finite bucket.
 * @internal
 */
export const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30,
] as const;

const KINDS: ReadonlySet<string> = new Set(WORKLOAD_KINDS);

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'jobguard_' });
  const registers = [registry];
  const namespaces: ReadonlySet<string> = new Set(options.namespaces ?? []);
  new Gauge({
    name: 'jobguard_build_info',
    help: 'Always 1; the labels say which jobguard and which Node.js runs.',
    labelNames: ['version', 'node'],
    registers,
  }).set({ version: VERSION, node: process.version }, 1);
  return {
    registry,
    requests: new Counter({
      name: 'jobguard_admission_requests_total',
      help: 'Admission reviews answered, by kind, operation, action and dry-run.',
      labelNames: ['kind', 'operation', 'action', 'dry_run'],
      registers,
    }),
    duration: new Histogram({
      name: 'jobguard_admission_duration_seconds',
      help: 'Time from the arrival of a review to its reply (body, queue and analysis), in seconds.',
      labelNames: ['kind'],
      buckets: [...DURATION_BUCKETS],
      registers,
    }),
    score: new Histogram({
      name: 'jobguard_admission_score',
      help: 'Suspicion score of scored objects.',
      buckets: [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30],
      registers,
    }),
    ruleHits: new Counter({
      name: 'jobguard_rule_hits_total',
      help: 'Objects in which a rule fired, by rule id.',
      labelNames: ['rule'],
      registers,
    }),
    namespaceDecisions: new Counter({
      name: 'jobguard_namespace_decisions_total',
      help: 'Scored objects by namespace (those named by --metrics-namespace; the rest are "(other)") and action.',
      labelNames: ['namespace', 'action'],
      registers,
    }),
    exemptionsApplied: new Counter({
      name: 'jobguard_exemptions_applied_total',
      help: 'Exemptions applied, by exemption: policy:<name> (policy file), <namespace>/<name> (JobguardException), self.',
      labelNames: ['exemption'],
      registers,
    }),
    exemptionsExpired: new Gauge({
      name: 'jobguard_exemptions_expired',
      help: 'Exemptions in the loaded policy whose expiry has passed.',
      registers,
    }),
    exceptions: new Gauge({
      name: 'jobguard_exceptions',
      help: 'JobguardException objects by state (Active, Expired, Invalid, Ignored).',
      labelNames: ['state'],
      registers,
    }),
    exceptionStatus: new Gauge({
      name: 'jobguard_exception_status',
      help: `1 for the state of each JobguardException, by <namespace>/<name>; past ${EXCEPTION_LABELS_MAX} exceptions the rest are counted under (other).`,
      labelNames: ['exception', 'state'],
      registers,
    }),
    exceptionLabels: new Set(),
    events: new Counter({
      name: 'jobguard_events_total',
      help: 'Kubernetes Events for denies (and warnings), by result: sent, failed, rate_limited, duplicate.',
      labelNames: ['result'],
      registers,
    }),
    policyReloads: new Counter({
      name: 'jobguard_policy_reloads_total',
      help: 'Policy reloads, by result (success, failure).',
      labelNames: ['result'],
      registers,
    }),
    policyLastReloadSuccess: new Gauge({
      name: 'jobguard_policy_last_reload_success_timestamp_seconds',
      help: 'Unix time of the last policy load that succeeded.',
      registers,
    }),
    certificateExpiry: new Gauge({
      name: 'jobguard_tls_certificate_expiry_timestamp_seconds',
      help: 'Unix time at which the serving certificate expires (notAfter).',
      registers,
    }),
    errors: new Counter({
      name: 'jobguard_errors_total',
      help: 'Errors by kind: bad_request, rule_error, internal, unanalysed (a review whose analysis ran out of memory or time).',
      labelNames: ['kind'],
      registers,
    }),
    refused: new Counter({
      name: 'jobguard_requests_refused_total',
      help: 'Requests refused before analysis, by reason: busy (body budget or worker queue full), too_large.',
      labelNames: ['reason'],
      registers,
    }),
    kindLabel: (kind) => (KINDS.has(kind) ? kind : 'other'),
    namespaceLabel: (namespace) =>
      namespace === '' ? '(cluster)' : namespaces.has(namespace) ? namespace : '(other)',
  };
}

export function recordDecision(metrics: Metrics, namespace: string, decision: Decision): void {
  metrics.score.observe(decision.score);
  metrics.namespaceDecisions.inc({ namespace: metrics.namespaceLabel(namespace), action: decision.action });
  for (const rule of new Set(decision.findings.map((f) => f.rule))) metrics.ruleHits.inc({ rule });
  for (const exemption of decision.exemptions)
    metrics.exemptionsApplied.inc({ exemption: exemptionLabel(metrics, exemption.id) });
  if (decision.errors.length > 0) metrics.errors.inc({ kind: 'rule_error' }, decision.errors.length);
}

/** Policy-file exemptions and `self` are few and admin-named; an exception's id only if it has a label slot. */
function exemptionLabel(metrics: Metrics, id: string): string {
  if (id === 'self' || id.startsWith('policy:')) return id;
  return metrics.exceptionLabels.has(id) ? id : OTHER_EXCEPTIONS;
}

/** Sets the exception gauges from the cache's latest judgement; the first EXCEPTION_LABELS_MAX ids (sorted) keep their name. */
export function recordExceptions(metrics: Metrics, statuses: readonly ExceptionStatus[]): void {
  const counts = new Map<ExceptionState, number>(EXCEPTION_STATES.map((state) => [state, 0]));
  metrics.exceptionStatus.reset();
  metrics.exceptionLabels.clear();
  const others = new Map<ExceptionState, number>();
  for (const status of statuses) {
    counts.set(status.state, (counts.get(status.state) ?? 0) + 1);
    if (metrics.exceptionLabels.size < EXCEPTION_LABELS_MAX) {
      metrics.exceptionLabels.add(status.id);
      metrics.exceptionStatus.set({ exception: status.id, state: status.state }, 1);
    } else others.set(status.state, (others.get(status.state) ?? 0) + 1);
  }
  for (const [state, count] of others)
    metrics.exceptionStatus.set({ exception: OTHER_EXCEPTIONS, state }, count);
  for (const [state, count] of counts) metrics.exceptions.set({ state }, count);
}
