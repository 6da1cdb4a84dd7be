import { kqlHostNetwork } from './rules/kql-host-network.js';
import { kqlHostPathMount } from './rules/kql-host-path-mount.js';
import { kqlPrivileged } from './rules/kql-privileged.js';
import { kqlSensitiveMount } from './rules/kql-sensitive-mount.js';
import { kqlServiceAccountToken } from './rules/kql-service-account-token.js';
import { kqlSuspiciousCommand } from './rules/kql-suspicious-command.js';
import { kqlSuspiciousImage } from './rules/kql-suspicious-image.js';
import { DEFAULT_RULES } from './rules/index.js';
import type { Profile, ProfileName, Rule } from './types.js';

/** The seed query's indicators in its `SuspicionScore` order, then the unscored token flag. */
export const KQL_RULES = [
  kqlSuspiciousImage,
  kqlSuspiciousCommand,
  kqlHostPathMount,
  kqlPrivileged,
  kqlHostNetwork,
  kqlSensitiveMount,
  kqlServiceAccountToken,
] as const;

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  kql: { name: 'kql', rules: KQL_RULES, thresholds: { annotate: 1, warn: 1, deny: 3 } },
  default: { name: 'default', rules: DEFAULT_RULES, thresholds: { annotate: 2, warn: 4, deny: 8 } },
};

const RULE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Checks the registry at start-up: kebab-case unique ids, weights in range, doc blocks filled. Throws on the first problem. */
export function checkRegistry(profiles: Readonly<Record<string, Profile>> = PROFILES): void {
  const seen = new Set<string>();
  for (const profile of Object.values(profiles)) {
    for (const rule of profile.rules) {
      const where = `rule ${rule.id} (${profile.name})`;
      if (!RULE_ID.test(rule.id)) throw new Error(`${where}: id must be kebab-case`);
      if (seen.has(rule.id)) throw new Error(`${where}: duplicate id`);
      seen.add(rule.id);
      if (rule.profile !== profile.name) throw new Error(`${where}: registered in the wrong profile`);
      if (!Number.isInteger(rule.weight) || rule.weight < 0 || rule.weight > 100)
        throw new Error(`${where}: weight must be an integer 0..100`);
      if (!/^T\d{4}(\.\d{3})?$/.test(rule.technique))
        throw new Error(`${where}: technique must be an ATT&CK id`);
      if (!rule.description || !rule.reason || !rule.doc.reads || !rule.doc.why || !rule.doc.benign)
        throw new Error(`${where}: description, reason and doc are required`);
    }
  }
}

/** Every registered rule by id, the first profile's first (the registry is fixed once loaded). */
let RULES_BY_ID: Map<string, Rule> | undefined;

export function findRule(id: string): Rule | undefined {
  if (RULES_BY_ID === undefined) {
    RULES_BY_ID = new Map();
    for (const profile of Object.values(PROFILES))
      for (const rule of profile.rules) if (!RULES_BY_ID.has(rule.id)) RULES_BY_ID.set(rule.id, rule);
  }
  return RULES_BY_ID.get(id);
}
