import type { Workload } from '../workload/types.js';
import {
  ENGINE_ERROR_RULE,
  type ActiveRule,
  type Evidence,
  type Finding,
  type Rule,
  type Score,
} from './types.js';
import { hide, secretsOf } from './redact.js';

/** Sum of weights, each rule counted once (its heaviest finding). */
export function sumWeights(findings: readonly Finding[]): number {
  if (findings.length === 0) return 0;
  const byRule = new Map<string, number>();
  for (const finding of findings) {
    byRule.set(finding.rule, Math.max(byRule.get(finding.rule) ?? 0, finding.weight));
  }
  let total = 0;
  for (const weight of byRule.values()) total += weight;
  return total;
}

function byWeight(a: Finding, b: Finding): number {
  return b.weight - a.weight || a.rule.localeCompare(b.rule);
}

function toFinding(
  rule: Rule,
  weight: number,
  evidence: Evidence,
  secrets: () => readonly string[],
): Finding {
  const reason = evidence.reason ?? rule.reason;
  const message = evidence.reason === undefined ? reason : hide(reason, secrets());
  // Two literals rather than a spread: no temporary object, and the keys keep their order.
  return evidence.detail === undefined
    ? { rule: rule.id, weight, technique: rule.technique, message, path: evidence.path }
    : {
        rule: rule.id,
        weight,
        technique: rule.technique,
        message,
        detail: hide(evidence.detail, secrets()),
        path: evidence.path,
      };
}

/**
 * Weight of an `engine-error` finding: none. Whether an object a rule could not judge is denied is
 * the policy's `onError` (documented as the one switch for it; deny by default, so it fails closed);
 * analysis the model cut short is scored by `analysis-incomplete`, which fails closed by weight.
 */
const ENGINE_ERROR_WEIGHT = 0;

/** Runs every active rule over the workload. A rule that throws becomes an `engine-error` finding, never an exception. */
export function scoreWorkload(workload: Workload, rules: readonly ActiveRule[]): Score {
  const findings: Finding[] = [];
  const errors: string[] = [];
  // Values this workload carries that no finding may print (expanded env secrets, decoded payloads),
  // looked for only once a finding quotes something: most objects pay nothing.
  let found: readonly string[] | undefined;
  const secrets = (): readonly string[] => (found ??= secretsOf(workload.containers));
  for (const { rule, weight, params } of rules) {
    try {
      for (const evidence of rule.check(workload, params))
        findings.push(toFinding(rule, weight, evidence, secrets));
    } catch (error) {
      errors.push(rule.id);
      findings.push({
        rule: ENGINE_ERROR_RULE,
        weight: ENGINE_ERROR_WEIGHT,
        technique: '',
        message: `rule ${rule.id} failed`,
        detail: error instanceof Error ? error.message.slice(0, 200) : 'unknown error',
        path: '',
      });
    }
  }
  findings.sort(byWeight);
  return { score: sumWeights(findings), findings, errors };
}
