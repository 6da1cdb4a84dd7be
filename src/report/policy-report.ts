/**
 * `report --format policyreport`: one wgpolicyk8s.io/v1alpha2 PolicyReport per namespace (the
 * Policy Reports API of the Kubernetes Policy WG, as Kyverno and Trivy publish them), written as
 * multi-document YAML to apply or to read. Each scored object gives one result per rule that fired
 * (`fail` for a deny verdict, `warn` for warn and annotate, `pass` below the annotate threshold),
 * or a single `pass` result named `score` when nothing fired.
 */
import { stringify } from 'yaml';
import type { Verdict } from '../policy/decision.js';
import type { ScanResult } from './result.js';

export const POLICY_NAME = 'jobguard';

type ReportResult = 'pass' | 'warn' | 'fail';

const RESULT: Record<Verdict, ReportResult> = { deny: 'fail', warn: 'warn', annotate: 'warn', allow: 'pass' };
const SEVERITY: Record<Verdict, string> = { deny: 'high', warn: 'medium', annotate: 'low', allow: 'info' };

export interface ReportedObject {
  result: ScanResult;
  uid?: string;
}

interface Entry {
  policy: string;
  rule: string;
  result: ReportResult;
  severity: string;
  scored: boolean;
  source: string;
  message: string;
  category: string;
  timestamp: { seconds: number; nanos: number };
  resources: Record<string, string>[];
  properties: Record<string, string>;
}

export function buildPolicyReports(objects: readonly ReportedObject[], now: Date): Record<string, unknown>[] {
  const byNamespace = new Map<string, Entry[]>();
  const timestamp = { seconds: Math.floor(now.getTime() / 1000), nanos: 0 };
  for (const { result, uid } of objects) {
    const resource: Record<string, string> = {
      apiVersion: result.apiVersion,
      kind: result.kind,
      namespace: result.namespace,
      name: result.name,
      ...(uid === undefined ? {} : { uid }),
    };
    const properties = {
      score: String(result.score),
      verdict: result.verdict,
      mode: result.mode,
      action: result.action,
    };
    const common = {
      policy: POLICY_NAME,
      scored: true,
      source: POLICY_NAME,
      category: 'T1053.007 Container Orchestration Job',
      timestamp,
      resources: [resource],
    };
    const entries: Entry[] =
      result.findings.length === 0
        ? [
            {
              ...common,
              rule: 'score',
              result: 'pass',
              severity: 'info',
              message: `score ${result.score}`,
              properties,
            },
          ]
        : result.findings.map((finding) => ({
            ...common,
            rule: finding.rule,
            result: RESULT[result.verdict],
            severity: SEVERITY[result.verdict],
            message: `${finding.message}${finding.detail === undefined ? '' : `: ${finding.detail}`}`,
            properties: {
              ...properties,
              weight: String(finding.weight),
              ...(finding.path ? { path: finding.path } : {}),
            },
          }));
    const list = byNamespace.get(result.namespace) ?? [];
    list.push(...entries);
    byNamespace.set(result.namespace, list);
  }
  return [...byNamespace.keys()].sort().map((namespace) => {
    const results = byNamespace.get(namespace) ?? [];
    const summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
    for (const entry of results) summary[entry.result] += 1;
    return {
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: 'PolicyReport',
      metadata: {
        name: POLICY_NAME,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': POLICY_NAME },
      },
      summary,
      results,
    };
  });
}

export function formatPolicyReports(reports: readonly Record<string, unknown>[]): string {
  return reports.map((report) => `---\n${stringify(report, { lineWidth: 0 })}`).join('');
}
