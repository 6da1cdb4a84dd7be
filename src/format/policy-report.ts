/**
 * wgpolicyk8s.io/v1alpha2 PolicyReports (the Policy Reports API of the Kubernetes Policy WG, which
 * Kyverno, Trivy and Policy Reporter read and write), from scored objects. Pure: `report
 * --format policyreport` prints what this builds, and `report --watch` writes it to the cluster.
 *
 * Layout: one PolicyReport per namespace, named `jobguard` (split into `jobguard-2`, `jobguard-3`…
 * when it would pass MAX_REPORT_BYTES: etcd refuses objects over 1.5 MiB), whose `scope` is the
 * Namespace and whose results each name their object in `resources` (with its uid); and one
 * ClusterPolicyReport, `jobguard`, with one result per namespace (its worst result, counts and
 * mode) and an `error` result per kind that could not be read.
 *
 * Each finding is one result, judged on its own (field meanings from the v1alpha2 types):
 * - `result`: `fail` when the finding counts toward a score that reaches the warn threshold;
 *   `warn` ("requirements not met, the policy is not scored") when it is context (weight 0) or
 *   the object stays below warn; `error` for a rule that failed (`engine-error`). An object with
 *   no finding gives one `pass` result; one whose findings an exemption waived, one `skip`.
 * - `scored`: true for pass and fail only.
 * - `severity`: the finding's own weight against the thresholds: `critical` when it alone
 *   reaches deny, `high` warn, `medium` annotate, `low` below, `info` for weight 0.
 * - `category`: the rule's ATT&CK technique; `properties`: score, verdict, mode, action, weight,
 *   path and technique, all strings as the API requires.
 */
import { stringify } from 'yaml';
import type { Verdict } from '../policy/decision.js';
import type { Mode } from '../policy/schema.js';
import { ENGINE_ERROR_RULE, type Thresholds } from '../scoring/types.js';
import type { ResultFinding, ScanResult } from './result.js';

const POLICY_NAME = 'jobguard';
const REPORT_API_VERSION = 'wgpolicyk8s.io/v1alpha2';
/** Label on every report jobguard writes; `report --watch` finds (and prunes) its own reports by it. */
const MANAGED_BY = { 'app.kubernetes.io/managed-by': POLICY_NAME } as const;
/** A report's results stay under this many bytes of JSON (etcd's default request limit is 1.5 MiB). */
const MAX_REPORT_BYTES = 768 * 1024;

type ReportResultValue = 'pass' | 'fail' | 'warn' | 'error' | 'skip';
type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

/** @internal */
export interface PolicyReportResult {
  source: string;
  policy: string;
  rule: string;
  category?: string;
  severity?: Severity;
  timestamp: { seconds: number; nanos: number };
  result: ReportResultValue;
  scored: boolean;
  resources?: ObjectReference[];
  message: string;
  properties: Record<string, string>;
}

interface ReportSummary {
  pass: number;
  fail: number;
  warn: number;
  error: number;
  skip: number;
}

export interface PolicyReport {
  apiVersion: typeof REPORT_API_VERSION;
  kind: 'PolicyReport' | 'ClusterPolicyReport';
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  scope?: ObjectReference;
  summary: ReportSummary;
  results: PolicyReportResult[];
}

export interface ReportedObject {
  result: ScanResult;
  uid?: string;
}

export interface ReportOptions {
  thresholds: Thresholds;
  /** A rule's ATT&CK technique, for `category`; undefined for rules it does not know. */
  techniqueOf(rule: string): string | undefined;
}

const RESULT_ORDER: readonly ReportResultValue[] = ['pass', 'skip', 'warn', 'error', 'fail'];
const SEVERITY_ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

function severityOf(weight: number, thresholds: Thresholds): Severity {
  if (weight <= 0) return 'info';
  if (weight >= thresholds.deny) return 'critical';
  if (weight >= thresholds.warn) return 'high';
  return weight >= thresholds.annotate ? 'medium' : 'low';
}

function resultOf(finding: ResultFinding, verdict: Verdict): ReportResultValue {
  if (finding.rule === ENGINE_ERROR_RULE) return 'error';
  if (finding.weight <= 0) return 'warn';
  return verdict === 'deny' || verdict === 'warn' ? 'fail' : 'warn';
}

function isScored(result: ReportResultValue): boolean {
  return result === 'pass' || result === 'fail';
}

function timestampOf(date: Date): { seconds: number; nanos: number } {
  return { seconds: Math.floor(date.getTime() / 1000), nanos: 0 };
}

/**
 * The results one scored object contributes, stamped with when it was scored.
 * @internal
 */
export function objectResults(
  { result, uid }: ReportedObject,
  scoredAt: Date,
  options: ReportOptions,
): PolicyReportResult[] {
  const resource: ObjectReference = {
    apiVersion: result.apiVersion,
    kind: result.kind,
    namespace: result.namespace,
    name: result.name,
    ...(uid === undefined ? {} : { uid }),
  };
  const objectProperties = {
    score: String(result.score),
    verdict: result.verdict,
    mode: result.mode,
    action: result.action,
  };
  // Fresh objects per result: shared ones would come out of the YAML writer as anchors and aliases.
  const common = () => ({
    source: POLICY_NAME,
    policy: POLICY_NAME,
    timestamp: timestampOf(scoredAt),
    resources: [{ ...resource }],
  });
  if (result.findings.length === 0) {
    const exempt = result.exemptions.length > 0;
    return [
      {
        ...common(),
        rule: 'score',
        result: exempt ? 'skip' : 'pass',
        scored: !exempt,
        severity: 'info',
        message: exempt ? `exempt: ${result.exemptions.join('; ')}` : `score ${result.score}`,
        properties: { ...objectProperties },
      },
    ];
  }
  return result.findings.map((finding) => {
    const outcome = resultOf(finding, result.verdict);
    const technique = options.techniqueOf(finding.rule);
    return {
      ...common(),
      rule: finding.rule,
      result: outcome,
      scored: isScored(outcome),
      severity: severityOf(finding.weight, options.thresholds),
      ...(technique ? { category: `MITRE ATT&CK ${technique}` } : {}),
      message: `${finding.message}${finding.detail === undefined ? '' : `: ${finding.detail}`}`,
      properties: {
        ...objectProperties,
        weight: String(finding.weight),
        ...(finding.path ? { path: finding.path } : {}),
        ...(technique ? { technique } : {}),
      },
    };
  });
}

function summarize(results: readonly PolicyReportResult[]): ReportSummary {
  const summary: ReportSummary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const entry of results) summary[entry.result] += 1;
  return summary;
}

/** Name of the n-th (0-based) report of a namespace. */
function reportName(page: number): string {
  return page === 0 ? POLICY_NAME : `${POLICY_NAME}-${page + 1}`;
}

/**
 * A namespace's reports from its objects' results (each inner list is one object, kept whole on
 * one page), in the order given. Always at least one report, possibly empty.
 * @internal
 */
export function namespaceReports(
  namespace: string,
  objects: Iterable<readonly PolicyReportResult[]>,
  maxBytes = MAX_REPORT_BYTES,
): PolicyReport[] {
  const pages: PolicyReportResult[][] = [[]];
  let bytes = 0;
  for (const results of objects) {
    const size = results.reduce((sum, r) => sum + JSON.stringify(r).length + 1, 0);
    const page = pages[pages.length - 1] ?? [];
    if (page.length > 0 && bytes + size > maxBytes) {
      pages.push([...results]);
      bytes = size;
    } else {
      page.push(...results);
      bytes += size;
    }
  }
  return pages.map((results, i) => ({
    apiVersion: REPORT_API_VERSION,
    kind: 'PolicyReport',
    metadata: { name: reportName(i), namespace, labels: { ...MANAGED_BY } },
    scope: { apiVersion: 'v1', kind: 'Namespace', name: namespace },
    summary: summarize(results),
    results,
  }));
}

/** @internal */
export interface NamespaceOverview {
  namespace: string;
  mode: Mode;
  summary: ReportSummary;
  /** The most severe severity among the namespace's non-pass results. */
  severity: Severity;
  objects: number;
}

/** What a namespace's results add up to, for the cluster report. */
function overview(
  namespace: string,
  mode: Mode,
  objects: Iterable<readonly PolicyReportResult[]>,
): NamespaceOverview {
  const summary: ReportSummary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  let severity: Severity = 'info';
  let count = 0;
  for (const results of objects) {
    count += 1;
    for (const entry of results) {
      summary[entry.result] += 1;
      if (entry.result !== 'pass' && entry.severity !== undefined) {
        if (SEVERITY_ORDER.indexOf(entry.severity) > SEVERITY_ORDER.indexOf(severity))
          severity = entry.severity;
      }
    }
  }
  return { namespace, mode, summary, severity, objects: count };
}

export interface ReadProblem {
  /** The kind that could not be listed or watched. */
  kind: string;
  message: string;
}

/**
 * The ClusterPolicyReport: one result per namespace (its worst outcome), one `error` per unreadable kind.
 * @internal
 */
export function clusterReport(
  namespaces: readonly NamespaceOverview[],
  problems: readonly ReadProblem[],
  now: Date,
): PolicyReport {
  const results: PolicyReportResult[] = [];
  for (const ns of [...namespaces].sort((a, b) => a.namespace.localeCompare(b.namespace))) {
    const worst = [...RESULT_ORDER].reverse().find((r) => ns.summary[r] > 0) ?? 'pass';
    const counts = RESULT_ORDER.filter((r) => ns.summary[r] > 0)
      .map((r) => `${ns.summary[r]} ${r}`)
      .join(', ');
    results.push({
      source: POLICY_NAME,
      policy: POLICY_NAME,
      rule: 'namespace',
      result: worst,
      scored: isScored(worst),
      severity: ns.severity,
      timestamp: timestampOf(now),
      resources: [{ apiVersion: 'v1', kind: 'Namespace', name: ns.namespace }],
      message: `${ns.objects} object${ns.objects === 1 ? '' : 's'} scored in ${ns.mode} mode: ${counts || 'no results'}`,
      properties: {
        mode: ns.mode,
        objects: String(ns.objects),
        ...Object.fromEntries(RESULT_ORDER.map((r) => [r, String(ns.summary[r])])),
      },
    });
  }
  for (const problem of problems) {
    results.push({
      source: POLICY_NAME,
      policy: POLICY_NAME,
      rule: 'read',
      result: 'error',
      scored: false,
      severity: 'high',
      timestamp: timestampOf(now),
      message: `cannot read ${problem.kind} objects: ${problem.message}`,
      properties: { kind: problem.kind },
    });
  }
  return {
    apiVersion: REPORT_API_VERSION,
    kind: 'ClusterPolicyReport',
    metadata: { name: POLICY_NAME, labels: { ...MANAGED_BY } },
    summary: summarize(results),
    results,
  };
}

/** Every report of one run: the namespaces' reports in name order, then the cluster report (with the kinds that could not be read). */
export function buildPolicyReports(
  objects: readonly ReportedObject[],
  now: Date,
  options: ReportOptions,
  problems: readonly ReadProblem[] = [],
): PolicyReport[] {
  const byNamespace = new Map<string, { mode: Mode; objects: PolicyReportResult[][] }>();
  for (const object of objects) {
    const { namespace, mode } = object.result;
    const entry = byNamespace.get(namespace) ?? { mode, objects: [] };
    entry.objects.push(objectResults(object, now, options));
    byNamespace.set(namespace, entry);
  }
  const names = [...byNamespace.keys()].sort();
  const reports = names.flatMap((ns) => namespaceReports(ns, byNamespace.get(ns)?.objects ?? []));
  const overviews = names.map((ns) => {
    const entry = byNamespace.get(ns);
    return overview(ns, entry?.mode ?? 'warn', entry?.objects ?? []);
  });
  return [...reports, clusterReport(overviews, problems, now)];
}

/** Multi-document YAML; no anchors or aliases (`&a1`/`*a1`), which `kubectl apply` accepts but people and some tools trip on. */
export function formatPolicyReports(reports: readonly PolicyReport[]): string {
  return reports
    .map((report) => `---\n${stringify(report, { lineWidth: 0, aliasDuplicateObjects: false })}`)
    .join('');
}
