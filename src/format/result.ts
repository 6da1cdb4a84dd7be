/**
 * One scored object as `scan`, `audit` and `report` print it: the JSON output contract's `results[]` (docs/architecture.md)
 * entry (`scan --format json`), plus `line` for SARIF and, for audit replay, `event` and `partial`.
 */
import type { Assessment } from '../engine.js';
import { VERDICTS, type Verdict } from '../policy/decision.js';
import type { Mode } from '../policy/schema.js';

export interface ResultFinding {
  rule: string;
  weight: number;
  message: string;
  path: string;
  detail?: string;
}

interface AuditEventRef {
  auditID: string;
  time: string;
  verb: string;
  user: string;
  userAgent: string;
  sourceIP: string;
}

export interface ScanResult {
  source: string;
  /** Position of the object in its input (see source/manifest.ts; for audit logs the line or array index). */
  document: number;
  /** 1-based line where the object (or the audit event) starts. */
  line: number;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  score: number;
  verdict: Verdict;
  mode: Mode;
  action: Verdict;
  /** Reasons of the exemptions that applied. */
  exemptions: string[];
  findings: ResultFinding[];
  /** Audit replay: the object is a patch body, scored as it is (not the whole object). */
  partial?: boolean;
  event?: AuditEventRef;
}

export interface Summary {
  objects: number;
  skipped: number;
  allow: number;
  annotate: number;
  warn: number;
  deny: number;
}

export interface Location {
  source: string;
  document: number;
  line: number;
  /** Where the object was sent (an audit event's objectRef), when its body does not say. */
  namespace?: string;
  name?: string;
}

export function toResult(assessment: Assessment, location: Location): ScanResult {
  const { workload, decision } = assessment;
  return {
    source: location.source,
    document: location.document,
    line: location.line,
    apiVersion: workload.apiVersion,
    kind: workload.kind,
    namespace: location.namespace || workload.namespace || 'default',
    name: workload.name || location.name || '',
    score: decision.score,
    verdict: decision.verdict,
    mode: decision.mode,
    action: decision.action,
    exemptions: decision.exemptions.map((e) => e.reason),
    findings: decision.findings.map((f) => ({
      rule: f.rule,
      weight: f.weight,
      message: f.message,
      path: f.path,
      ...(f.detail === undefined ? {} : { detail: f.detail }),
    })),
  };
}

export function emptySummary(): Summary {
  return { objects: 0, skipped: 0, allow: 0, annotate: 0, warn: 0, deny: 0 };
}

export function count(summary: Summary, verdict: Verdict): void {
  summary.objects += 1;
  summary[verdict] += 1;
}

export const FAIL_ON = ['deny', 'warn', 'never'] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** True when any counted verdict is at or above `failOn`. */
export function isFailing(summary: Summary, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  const from = VERDICTS.indexOf(failOn);
  return VERDICTS.slice(from).some((verdict) => summary[verdict] > 0);
}

/** A result with what only the text and SARIF outputs use (never part of the JSON contract). */
export interface ScoredObject {
  result: ScanResult;
  /** The helm template a document was rendered from (`# Source:`). */
  template?: string;
  /** 1-based line of each finding (same order as `result.findings`), where the input has lines. */
  findingLines?: number[];
}
