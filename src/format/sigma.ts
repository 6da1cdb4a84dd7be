/**
 * Sigma rules (https://sigmahq.io, specification v2) for SIEMs other than Sentinel, from the loaded
 * policy, over Kubernetes audit events (`logsource: product: kubernetes, service: audit`) with the
 * audit.k8s.io/v1 field names SigmaHQ's own Kubernetes rules use (`verb`, `objectRef.resource`, …):
 *
 * - the seed rule: the seed query's shape. Its indicators search `requestObject` with `contains`,
 *   a substring match, where KQL's `has` matches whole terms; so the rule fires on everything the
 *   seed query fires on, and on a little more (`eval` inside `evaluate`). A weighted threshold
 *   becomes the minimal sets of indicators whose weights reach it, since Sigma has no sum.
 * - the verdict rules: jobguard's own audit annotations, one rule per severity (deny, warn, and
 *   exemptions or rule failures), with the policy's thresholds.
 *
 * And a pySigma processing pipeline per Log Analytics table, for `sigma convert -t kusto -p FILE`:
 * the Kusto backend quotes dotted field names as string literals, so the pipeline maps every field
 * to a column it defines itself from the table's audit columns, the way `jobguard kql` does.
 */
import { stringify } from 'yaml';
import { scoredResources } from '../audit/replay.js';
import type { Policy } from '../policy/schema.js';
import { RULES_DOC_URL, techniqueUrl } from '../scoring/docs.js';
import { KQL_RULES, PROFILES } from '../scoring/profiles.js';
import { resolveRules } from '../scoring/resolve.js';
import type { TermsParams } from '../scoring/rules/kql-indicator.js';
import { VERSION } from '../version.js';
import { annotationKey, type AnnotationKey } from './annotation.js';
import {
  ANNOTATION_COLUMNS,
  kqlAnnotateThreshold,
  kqlString,
  policyThresholds,
  type AuditTable,
} from './kql.js';

/** Stable rule ids: a SIEM tracks a rule by its id across re-exports. */
const IDS = {
  seed: '67256f88-2e64-4a30-8905-572303d0ccba',
  deny: 'e75d5e81-865a-4fbe-8de8-f05bdcc15198',
  warn: 'f85f04da-08c4-4257-b8ea-cb9e7308c397',
  exempted: '8f948c9b-0221-4192-9f91-d297b3da37e0',
} as const;

/** The day these rules were first written (Sigma's `date`); the content follows the policy, the id and date do not. */
const DATE = '2026-12-03';
const AUTHOR = `jobguard ${VERSION}`;
const LOGSOURCE = { product: 'kubernetes', service: 'audit' };
const VERBS = ['create', 'update', 'patch'];
const TACTICS = ['attack.execution', 'attack.persistence', 'attack.privilege-escalation'];
const TECHNIQUE = 'T1053.007';
/** The audit fields a triage view wants next to a hit. */
const TRIAGE_FIELDS = ['user.username', 'sourceIPs', 'userAgent', 'objectRef.namespace', 'objectRef.name'];

export class SigmaExportError extends Error {
  override name = 'SigmaExportError';
}

/**
 * A Sigma string value taken literally: `*`, `?` and `\` are escaped (specification: value escaping).
 * @internal
 */
export function sigmaLiteral(value: string): string {
  return value.replace(/[\\*?]/g, (c) => `\\${c}`);
}

/** The Sigma field of one annotation: the event's `annotations` map, then the key (`annotations.validate.jobguard.dev/score`). */
function annotationField(webhookName: string, key: AnnotationKey): string {
  return `annotations.${annotationKey(webhookName, key)}`;
}

/** `detection` identifiers: `kql-suspicious-image` → `indicator_suspicious_image`. */
function indicatorName(ruleId: string): string {
  return `indicator_${ruleId.replace(/^kql-/, '').replace(/-/g, '_')}`;
}

/**
 * Every minimal set of indicators whose weights reach the threshold (no proper subset does).
 * @internal
 */
export function minimalSets(weights: ReadonlyMap<string, number>, threshold: number): string[][] {
  const names = [...weights.keys()];
  const sets: string[][] = [];
  for (let mask = 1; mask < 1 << names.length; mask++) {
    const members = names.filter((_, i) => mask & (1 << i));
    const sum = members.reduce((total, name) => total + (weights.get(name) ?? 0), 0);
    if (sum < threshold) continue;
    const minimal = members.every((name) => sum - (weights.get(name) ?? 0) < threshold);
    if (minimal) sets.push(members);
  }
  return sets.sort((a, b) => a.length - b.length);
}

function yamlDocument(rule: Record<string, unknown>): string {
  return stringify(rule, { lineWidth: 0, indent: 4 });
}

/** The seed query as one Sigma rule. */
export function buildSeedSigma(policy: Policy): string {
  const { rules } = resolveRules(PROFILES.kql, policy.rules);
  const active = new Map(rules.map((r) => [r.rule.id, r]));
  const detection: Record<string, unknown> = {
    selection: { 'objectRef.resource': [...scoredResources(policy.kinds)], verb: VERBS },
  };
  const weights = new Map<string, number>();
  for (const rule of KQL_RULES) {
    const configured = active.get(rule.id);
    if (!configured || configured.weight === 0) continue;
    const { terms } = configured.params as TermsParams;
    const name = indicatorName(rule.id);
    detection[name] = { 'requestObject|contains': terms.map(sigmaLiteral) };
    weights.set(name, configured.weight);
  }
  const threshold = kqlAnnotateThreshold(policy);
  const sets = minimalSets(weights, threshold);
  if (sets.length === 0)
    throw new SigmaExportError(
      `the kql indicators the policy scores cannot reach its threshold ${threshold}: the seed rule would match nothing`,
    );
  const everySingle = sets.every((set) => set.length === 1) && sets.length === weights.size;
  detection.condition = everySingle
    ? 'selection and 1 of indicator_*'
    : `selection and (${sets.map((set) => (set.length === 1 ? set[0] : `(${set.join(' and ')})`)).join(' or ')})`;
  return yamlDocument({
    title: 'Suspicious Kubernetes CronJob or Job in the audit log (jobguard seed query)',
    id: IDS.seed,
    status: 'experimental',
    description:
      'A CronJob or Job is created or changed with a request body that names a generic or attack-tool image, ' +
      'a download, shell or reverse-shell command, a hostPath or sensitive mount, privilege or the host network: ' +
      'the indicators of the Sentinel query `jobguard kql` prints, with the policy’s terms, weights and threshold ' +
      `(score at least ${threshold}). The body is searched as a substring (contains), where KQL’s has matches whole terms, ` +
      'so this rule fires on everything the Sentinel query fires on and on slightly more. Generated by `jobguard export --format sigma`.',
    references: [techniqueUrl(TECHNIQUE), `${RULES_DOC_URL}#profile-kql`],
    author: AUTHOR,
    date: DATE,
    tags: [...TACTICS, `attack.${TECHNIQUE.toLowerCase()}`],
    logsource: LOGSOURCE,
    detection,
    fields: [...TRIAGE_FIELDS, 'requestObject'],
    falsepositives: [
      'CI/CD jobs on generic base images (alpine, ubuntu) with shell commands',
      'Maintenance CronJobs that call curl or wget to check service health',
      'Security scanners (kube-bench, Trivy, Falco) that mount host paths',
      'Operators that create Jobs programmatically',
    ],
    level: 'high',
  });
}

/** jobguard's verdict annotations as three Sigma rules (one YAML stream): deny, warn, exemption or rule failure. */
export function buildVerdictSigma(policy: Policy, webhookName: string): string {
  const { warn, deny } = policyThresholds(policy);
  const key = (name: AnnotationKey): string => annotationField(webhookName, name);
  const common = {
    author: AUTHOR,
    date: DATE,
    tags: [...TACTICS, `attack.${TECHNIQUE.toLowerCase()}`],
    logsource: LOGSOURCE,
  };
  const fields = [
    ...TRIAGE_FIELDS,
    key('score'),
    key('verdict'),
    key('action'),
    key('rules'),
    key('exempted-by'),
  ];
  const references = [
    techniqueUrl(TECHNIQUE),
    RULES_DOC_URL,
    RULES_DOC_URL.replace(/rules\.md$/, 'playbook.md'),
  ];
  const source = `the audit annotations the API server records for the webhook ${webhookName} (keys ${webhookName}/<key>)`;
  const rules = [
    {
      title: 'jobguard scored a Kubernetes request at or above its deny threshold',
      id: IDS.deny,
      status: 'experimental',
      description:
        `jobguard, the admission webhook, scored a request at or above the deny threshold (${deny}): refused in enforce mode, ` +
        `allowed with a warning in warn mode, only annotated in audit mode (the action annotation says which). Reads ${source}. ` +
        'Generated by `jobguard export --format sigma --detection verdicts`.',
      references,
      ...common,
      detection: {
        deny_score: { [`${key('score')}|gte`]: deny },
        deny_verdict: { [key('verdict')]: 'deny' },
        condition: '1 of deny_*',
      },
      fields,
      falsepositives: [
        'Workloads the policy should exempt (node agents, scanners): add an exemption with a reason',
      ],
      level: 'high',
    },
    {
      title: 'jobguard scored a Kubernetes request at or above its warn threshold',
      id: IDS.warn,
      status: 'experimental',
      description:
        `jobguard scored a request at or above the warn threshold (${warn}) and below the deny threshold (${deny}): ` +
        `kubectl showed a warning. Reads ${source}. Generated by \`jobguard export --format sigma --detection verdicts\`.`,
      references,
      ...common,
      detection: {
        warn_score: { [`${key('score')}|gte`]: warn },
        warn_verdict: { [key('verdict')]: 'warn' },
        deny_score: { [`${key('score')}|gte`]: deny },
        deny_verdict: { [key('verdict')]: 'deny' },
        condition: '1 of warn_* and not 1 of deny_*',
      },
      fields,
      falsepositives: ['Everyday jobs with one risky trait (a generic image, a host path)'],
      level: 'medium',
    },
    {
      title: 'jobguard waived findings by exemption, or could not evaluate a rule',
      id: IDS.exempted,
      status: 'experimental',
      description:
        'An exemption of the jobguard policy waived findings on a request, or a rule failed while scoring it. ' +
        'Exemptions are what an attacker who knows the policy aims for: review who matched them. ' +
        `Reads ${source}. Generated by \`jobguard export --format sigma --detection verdicts\`.`,
      references,
      ...common,
      detection: {
        exempted: { [`${key('exempted-by')}|exists`]: true },
        rule_failed: { [`${key('engine-errors')}|exists`]: true },
        condition: 'exempted or rule_failed',
      },
      fields: [...fields, key('waived'), key('engine-errors')],
      falsepositives: ['Every use of a legitimate exemption'],
      level: 'low',
    },
  ];
  return rules.map(yamlDocument).join('---\n');
}

/**
 * A pySigma processing pipeline for the Kusto backend: maps the rules' audit fields to columns and
 * wraps the converted condition in the table's source lines (AzureDiagnostics: the event in
 * `log_s`; AKSAudit / AKSAuditAdmin: typed columns), so `sigma convert -t kusto -p FILE` prints a
 * query Sentinel runs as is.
 */
export function buildKustoPipeline(table: AuditTable, webhookName: string): string {
  const event = table === 'AzureDiagnostics' ? 'AuditLog.' : '';
  const ref = table === 'AzureDiagnostics' ? 'AuditLog.objectRef' : 'ObjectRef';
  const annotations = table === 'AzureDiagnostics' ? 'AuditLog.annotations' : 'Annotations';
  const columns: [field: string, column: string, expression: string][] = [
    ['verb', 'Verb', `tostring(${event}${table === 'AzureDiagnostics' ? 'verb' : 'Verb'})`],
    ['objectRef.resource', 'Resource', `tostring(${ref}.resource)`],
    ['objectRef.namespace', 'Namespace', `tostring(${ref}.namespace)`],
    ['objectRef.name', 'Name', `tostring(${ref}.name)`],
    [
      'user.username',
      'User',
      table === 'AzureDiagnostics' ? 'tostring(AuditLog.user.username)' : 'tostring(User.username)',
    ],
    [
      'userAgent',
      'UserAgent',
      table === 'AzureDiagnostics' ? 'tostring(AuditLog.userAgent)' : 'tostring(UserAgent)',
    ],
    [
      'sourceIPs',
      'SourceIP',
      table === 'AzureDiagnostics' ? 'tostring(AuditLog.sourceIPs[0])' : 'tostring(SourceIps[0])',
    ],
    [
      'requestObject',
      'RequestBody',
      table === 'AzureDiagnostics' ? 'tostring(AuditLog.requestObject)' : 'tostring(RequestObject)',
    ],
    ...(Object.entries(ANNOTATION_COLUMNS) as [AnnotationKey, string][]).map(
      ([key, column]): [string, string, string] => {
        const value = `${annotations}[${kqlString(annotationKey(webhookName, key))}]`;
        return [
          annotationField(webhookName, key),
          column,
          key === 'score' ? `toint(${value})` : `tostring(${value})`,
        ];
      },
    ),
  ];
  const source =
    table === 'AzureDiagnostics'
      ? [
          'AzureDiagnostics',
          '| where Category == "kube-audit" or Category == "kube-audit-admin"',
          '| extend AuditLog = parse_json(log_s)',
        ]
      : [table];
  const template = [
    ...source,
    '| extend',
    ...columns.map(
      ([, column, expression], i) => `    ${column} = ${expression}${i === columns.length - 1 ? '' : ','}`,
    ),
    '| where {{ query }}',
  ].join('\n');
  return yamlDocument({
    name: `jobguard: Kubernetes audit events in ${table}`,
    priority: 100,
    transformations: [
      {
        id: 'jobguard_audit_columns',
        type: 'field_name_mapping',
        mapping: Object.fromEntries(columns.map(([field, column]) => [field, column])),
        rule_conditions: [{ type: 'logsource', product: 'kubernetes', service: 'audit' }],
      },
    ],
    postprocessing: [{ type: 'template', template }],
  });
}
