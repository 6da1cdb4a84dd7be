import { z } from 'zod';

/** Which pod-controller kinds exist; the policy's `kinds` chooses which the webhook scores. */
export const WORKLOAD_KINDS = [
  'CronJob',
  'Job',
  'Pod',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'ReplicationController',
  'PodTemplate',
] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export const MODES = ['enforce', 'warn', 'audit', 'off'] as const;
export const modeSchema = z.enum(MODES);
export type Mode = z.infer<typeof modeSchema>;

export const profileSchema = z.enum(['default', 'kql']);

const threshold = z.number().int().min(1).max(1000);

export const thresholdsSchema = z
  .object({ annotate: threshold, warn: threshold, deny: threshold })
  .partial()
  .strict();

/** `rules.<id>`: enabled, weight, and the rule's own parameters (checked against the rule's schema at resolve time). */
export const ruleOverrideSchema = z
  .object({ enabled: z.boolean().optional(), weight: z.number().int().min(0).max(100).optional() })
  .catchall(z.unknown());

const glob = z.string().min(1);

export const namespaceOverrideSchema = z.object({ names: z.array(glob).min(1), mode: modeSchema }).strict();

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/** A real calendar date in RFC 3339 form: Date.parse alone accepts `2027-02-30`, `1` and zone-less local times. */
function isRfc3339(value: string): boolean {
  const match = RFC3339.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** An RFC 3339 date (`2027-06-30`) or date-time with offset; an exemption stops applying at that instant (a bare date: its end, UTC). */
const expiry = z.string().refine(isRfc3339, {
  error: 'expected a date like 2027-06-30 or a date-time like 2027-06-30T18:00:00Z',
});

/** A selector list matches any entry; an empty one would match nothing, so it is a mistake worth naming. */
const selector = <T extends z.ZodType>(entry: T) =>
  z.array(entry).min(1, {
    error: 'expected at least one entry (an empty list matches nothing); remove the field instead',
  });

/** What identifies the exempt workload; `kinds` only narrows (alone it would exempt every CronJob). */
export const EXEMPTION_SELECTORS = [
  'namespaces',
  'names',
  'users',
  'groups',
  'serviceAccounts',
  'images',
] as const;

export const exemptionSchema = z
  .object({
    reason: z.string().trim().min(1, { error: 'an exemption needs a reason' }),
    expires: expiry.optional(),
    namespaces: selector(glob).optional(),
    users: selector(glob).optional(),
    groups: selector(glob).optional(),
    serviceAccounts: selector(glob).optional(),
    images: selector(glob).optional(),
    names: selector(glob).optional(),
    kinds: selector(z.enum(WORKLOAD_KINDS)).optional(),
    rules: selector(z.string().min(1)).optional(),
  })
  .strict()
  // With only a reason (perhaps kinds and rules) an exemption would match every object in the cluster.
  .refine((exemption) => EXEMPTION_SELECTORS.some((key) => exemption[key] !== undefined), {
    error: `an exemption needs at least one selector (${EXEMPTION_SELECTORS.join(', ')}); without one it would exempt everything`,
  });

export const policySchema = z
  .object({
    apiVersion: z.literal('jobguard.dev/v1'),
    kind: z.literal('Policy'),
    mode: modeSchema.default('warn'),
    profile: profileSchema.default('default'),
    thresholds: thresholdsSchema.default({}),
    onError: z.enum(['allow', 'deny']).default('deny'),
    kinds: z.array(z.enum(WORKLOAD_KINDS)).min(1).default(['CronJob', 'Job']),
    rules: z.record(z.string(), ruleOverrideSchema).default({}),
    namespaces: z.array(namespaceOverrideSchema).default([]),
    namespaceLabels: z
      .object({
        enabled: z.boolean().default(true),
        allowDowngrade: z.boolean().default(false),
      })
      .strict()
      .default({ enabled: true, allowDowngrade: false }),
    selfExemption: z
      .object({ namespaces: z.array(glob).default([]) })
      .strict()
      .default({ namespaces: [] }),
    exemptions: z.array(exemptionSchema).default([]),
  })
  .strict();

export type PolicyFile = z.input<typeof policySchema>;
export type Policy = z.output<typeof policySchema>;
export type Exemption = z.output<typeof exemptionSchema>;
export type NamespaceOverride = z.output<typeof namespaceOverrideSchema>;

export const DEFAULT_POLICY: Policy = policySchema.parse({ apiVersion: 'jobguard.dev/v1', kind: 'Policy' });
