import type { Profile, ActiveRule, Rule } from './types.js';
import { findRule } from './profiles.js';

export interface RuleOverride {
  enabled?: boolean;
  weight?: number;
  [param: string]: unknown;
}

export interface ResolveProblem {
  /** Path inside the policy, e.g. `rules.generic-image.images`. */
  path: string;
  message: string;
}

function resolveParams(rule: Rule, override: RuleOverride, problems: ResolveProblem[]): unknown {
  const { enabled: _enabled, weight: _weight, ...given } = override;
  if (!rule.params) {
    for (const key of Object.keys(given))
      problems.push({
        path: `rules.${rule.id}.${key}`,
        message: `rule ${rule.id} has no parameter "${key}"`,
      });
    return undefined;
  }
  const merged = { ...(rule.params.defaults as object), ...given };
  const parsed = rule.params.schema.safeParse(merged);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const tail = issue.path.length > 0 ? `.${issue.path.map(String).join('.')}` : '';
    problems.push({ path: `rules.${rule.id}${tail}`, message: issue.message });
  }
  return rule.params.defaults;
}

/**
 * The profile's rules as the policy configures them: disabled rules dropped, weights and
 * parameters overridden. Overrides for rules of the other profile are accepted and unused;
 * unknown ids and bad parameters are problems (the loader turns them into a start-up error).
 */
export function resolveRules(
  profile: Profile,
  overrides: Readonly<Record<string, RuleOverride>>,
): { rules: ActiveRule[]; problems: ResolveProblem[] } {
  const problems: ResolveProblem[] = [];
  for (const id of Object.keys(overrides)) {
    const rule = findRule(id);
    if (!rule) problems.push({ path: `rules.${id}`, message: `unknown rule "${id}" (see jobguard rules)` });
    else if (rule.profile !== profile.name) resolveParams(rule, overrides[id] ?? {}, problems);
  }
  const rules: ActiveRule[] = [];
  for (const rule of profile.rules) {
    const override = overrides[rule.id] ?? {};
    const params = resolveParams(rule, override, problems);
    if (override.enabled === false) continue;
    rules.push({ rule, weight: override.weight ?? rule.weight, params: params ?? rule.params?.defaults });
  }
  return { rules, problems };
}
