/**
 * The seed query's indicator columns (IsSuspiciousImage … IsServiceAccountToken) for one workload,
 * computed with the kql profile's rules and the policy's overrides of their terms, whatever profile
 * scores the workload: the audit table always shows the seed's projection.
 */
import type { Policy } from '../policy/schema.js';
import { KQL_RULES, PROFILES } from '../scoring/profiles.js';
import { resolveRules } from '../scoring/resolve.js';
import type { TermsParams } from '../scoring/rules/kql-indicator.js';
import type { Workload } from '../workload/types.js';

export const INDICATOR_COLUMNS: readonly string[] = KQL_RULES.map((rule) => rule.column);

export function compileIndicators(policy: Policy): (workload: Workload) => boolean[] {
  const { rules } = resolveRules(PROFILES.kql, policy.rules);
  const params = new Map(rules.map((r) => [r.rule.id, r.params]));
  return (workload) =>
    KQL_RULES.map((rule) => {
      const configured = (params.get(rule.id) ?? rule.params?.defaults) as TermsParams;
      try {
        return rule.check(workload, configured).length > 0;
      } catch {
        return false;
      }
    });
}
