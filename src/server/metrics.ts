import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Decision } from '../policy/decision.js';

/** Every metric jobguard exports; one registry per app so tests never share state. Names are a public contract (dashboards, alerts). */
export interface Metrics {
  registry: Registry;
  requests: Counter<'kind' | 'operation' | 'action' | 'dry_run'>;
  duration: Histogram<'kind'>;
  score: Histogram;
  ruleHits: Counter<'rule'>;
  namespaceDecisions: Counter<'namespace' | 'action'>;
  exemptionsApplied: Counter<'exemption'>;
  exemptionsExpired: Gauge;
  policyReloads: Counter<'result'>;
  policyLastReloadSuccess: Gauge;
  certificateExpiry: Gauge;
  errors: Counter<'kind'>;
}

export function createMetrics(options: { processMetrics: boolean } = { processMetrics: true }): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'jobguard_' });
  const registers = [registry];
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
      help: 'Time from a parsed review to its reply, in seconds.',
      labelNames: ['kind'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
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
      help: 'Scored objects by namespace and action.',
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
      help: 'Errors by kind: bad_request, rule_error, internal.',
      labelNames: ['kind'],
      registers,
    }),
  };
}

export function recordDecision(metrics: Metrics, namespace: string, decision: Decision): void {
  metrics.score.observe(decision.score);
  metrics.namespaceDecisions.inc({ namespace: namespace || '(cluster)', action: decision.action });
  for (const rule of new Set(decision.findings.map((f) => f.rule))) metrics.ruleHits.inc({ rule });
  for (const exemption of decision.exemptions) metrics.exemptionsApplied.inc({ exemption: exemption.id });
  if (decision.errors.length > 0) metrics.errors.inc({ kind: 'rule_error' }, decision.errors.length);
}
