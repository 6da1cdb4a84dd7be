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

export const MODES = ['enforce', 'warn', 'audit', 'off'] as const;
const modeSchema = z.enum(MODES);
export type Mode = z.infer<typeof modeSchema>;

export const profileSchema = z.enum(['default', 'kql']);

const threshold = z.number().int().min(1).max(1000);

const thresholdsSchema = z
  .object({ annotate: threshold, warn: threshold, deny: threshold })
  .partial()
  .strict();

/** `rules.<id>`: enabled, weight, and the rule's own parameters (checked against the rule's schema at resolve time). */
const ruleOverrideSchema = z
  .object({ enabled: z.boolean().optional(), weight: z.number().int().min(0).max(100).optional() })
  .catchall(z.unknown());

const glob = z.string().min(1);

const namespaceOverrideSchema = z.object({ names: z.array(glob).min(1), mode: modeSchema }).strict();

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
const expiry = z
  .string()
  .refine(isRfc3339, {
    error: 'expected a date like 2027-06-30 or a date-time like 2027-06-30T18:00:00Z',
  })
  // The refinement as JSON Schema (json-schema.ts): the form, not the calendar check.
  .meta({ pattern: RFC3339.source });

/** `.trim().min(1)` as JSON Schema says it: some character that is not white space. */
const NOT_BLANK = { pattern: '\\S' };

/** A selector list matches any entry; an empty one would match nothing, so it is a mistake worth naming. */
const selector = <T extends z.ZodType>(entry: T) =>
  z.array(entry).min(1, {
    error: 'expected at least one entry (an empty list matches nothing); remove the field instead',
  });

/** What identifies the exempt workload; `kinds` only narrows (alone it would exempt every CronJob). */
const EXEMPTION_SELECTORS = ['namespaces', 'names', 'users', 'groups', 'serviceAccounts', 'images'] as const;

/** A Kubernetes object name (RFC 1123 label): what metrics, annotations and logs call an exemption. */
const exemptionName = z
  .string()
  .max(63, { error: 'at most 63 characters' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: 'expected lower-case letters, digits and "-", starting and ending with a letter or digit',
  });

/** The selectors and waivers an exemption shares with a JobguardException's spec. */
const exemptionFields = {
  reason: z.string().trim().min(1, { error: 'an exemption needs a reason' }).meta(NOT_BLANK),
  expires: expiry.optional(),
  namespaces: selector(glob).optional(),
  users: selector(glob).optional(),
  groups: selector(glob).optional(),
  serviceAccounts: selector(glob).optional(),
  images: selector(glob).optional(),
  names: selector(glob).optional(),
  kinds: selector(z.enum(WORKLOAD_KINDS)).optional(),
  rules: selector(z.string().min(1)).optional(),
};

const exemptionSchema = z
  .object({
    /** How metrics, the `exempted-by` annotation and logs name it; default: derived from the reason. */
    name: exemptionName.optional(),
    ...exemptionFields,
  })
  .strict()
  // With only a reason (perhaps kinds and rules) an exemption would match every object in the cluster.
  .refine((exemption) => EXEMPTION_SELECTORS.some((key) => exemption[key] !== undefined), {
    error: `an exemption needs at least one selector (${EXEMPTION_SELECTORS.join(', ')}); without one it would exempt everything`,
  })
  .meta({ anyOf: EXEMPTION_SELECTORS.map((key) => ({ required: [key] })) });

/**
 * A JobguardException's `spec`: the exemption fields without `name` (the object's own name is the
 * name). Its namespace already scopes it, so the selectors that identify a workload are what it
 * must add: with none, it would waive the rules for everything in the namespace. Unknown fields are
 * refused, not dropped: a field from a newer version may narrow the exception, and ignoring it would
 * widen it.
 */
const EXCEPTION_SELECTORS = ['names', 'users', 'groups', 'serviceAccounts', 'images'] as const;

export const exceptionSpecSchema = z
  .object(exemptionFields)
  .strict()
  .refine((spec) => EXCEPTION_SELECTORS.some((key) => spec[key] !== undefined), {
    error: `an exception needs at least one of ${EXCEPTION_SELECTORS.join(', ')}; without one it would exempt everything in its namespace`,
  });

/**
 * Who creates workloads from other workloads: the controller-manager's controllers, under their own
 * service accounts (`--use-service-account-credentials`, the kubeadm, EKS, AKS and GKE default) or
 * under its own identity. An object such a user creates with a controller ownerReference (a Job's
 * Pod, a CronJob's Job) also matches the exemptions of its owner.
 */
const DEFAULT_CONTROLLER_USERS = [
  'system:serviceaccount:kube-system:cronjob-controller',
  'system:serviceaccount:kube-system:job-controller',
  'system:serviceaccount:kube-system:deployment-controller',
  'system:serviceaccount:kube-system:replicaset-controller',
  'system:serviceaccount:kube-system:statefulset-controller',
  'system:serviceaccount:kube-system:daemon-set-controller',
  'system:serviceaccount:kube-system:replication-controller',
  'system:kube-controller-manager',
];

/** The name an exemption goes by: its `name`, else its reason made into one (`CIS scanner (SEC-1)` → `cis-scanner-sec-1`). */
export function exemptionNameOf(exemption: { name?: string | undefined; reason: string }): string {
  if (exemption.name !== undefined) return exemption.name;
  const slug = exemption.reason
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'unnamed' : slug;
}
/** Longest CEL expression a custom rule may hold. */
const MAX_EXPRESSION_LENGTH = 8192;

/** `customRules[]`: a rule written in CEL (see docs/cel.md); compiled and checked when the policy loads. */
const customRuleSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: 'expected a kebab-case id like internal-registry-only' }),
    enabled: z.boolean().default(true),
    weight: z.number().int().min(0).max(100),
    technique: z
      .string()
      .regex(/^T\d{4}(\.\d{3})?$/, { error: 'expected an ATT&CK technique id like T1610 or T1053.007' }),
    message: z.string().trim().min(1).max(100).meta(NOT_BLANK),
    description: z.string().trim().min(1).meta(NOT_BLANK).optional(),
    expression: z.string().trim().min(1).max(MAX_EXPRESSION_LENGTH).meta(NOT_BLANK),
  })
  .strict();

export const policySchema = z
  .object({
    apiVersion: z.literal('jobguard.dev/v1'),
    kind: z.literal('Policy'),
    mode: modeSchema.default('warn').meta({
      description:
        'For namespaces without an override: enforce (deny), warn, audit (annotations only) or off.',
    }),
    profile: profileSchema.default('default').meta({
      description: "Scoring profile: default, or kql (the Sentinel query's score exactly).",
    }),
    thresholds: thresholdsSchema.default({}).meta({
      description:
        "Scores from which an object is annotated, warned about, denied; unset: the profile's own.",
    }),
    onError: z.enum(['allow', 'deny']).default('deny').meta({
      description: 'When a rule itself fails: deny fails closed; allow lets it through with a warning.',
    }),
    kinds: z
      .array(z.enum(WORKLOAD_KINDS))
      .min(1)
      .default(['CronJob', 'Job'])
      .meta({ description: 'The kinds the webhook scores.' }),
    rules: z.record(z.string(), ruleOverrideSchema).default({}),
    namespaces: z
      .array(namespaceOverrideSchema)
      .default([])
      .meta({ description: 'Per-namespace modes, first match wins.' }),
    namespaceLabels: z
      .object({
        enabled: z.boolean().default(true),
        allowDowngrade: z.boolean().default(false),
      })
      .strict()
      .default({ enabled: true, allowDowngrade: false })
      .meta({
        description: 'Whether the namespace label jobguard.dev/mode may set the mode, and lower it.',
      }),
    selfExemption: z
      .object({ namespaces: z.array(glob).default([]) })
      .strict()
      .default({ namespaces: [] })
      .meta({
        description:
          'Namespaces where a workload may opt out with the label jobguard.dev/exempt=true and a jobguard.dev/exempt-reason annotation.',
      }),
    exemptions: z.array(exemptionSchema).default([]).meta({
      description: 'Workloads whose findings are waived, each with a reason and optionally an expiry.',
    }),
    exceptions: z
      .object({
        /** Read JobguardException objects from the cluster (the chart installs their CRD). */
        enabled: z.boolean().default(true),
        /** Namespaces (globs) whose exceptions may name other namespaces in `spec.namespaces`. */
        clusterWideNamespaces: z.array(glob).default([]),
      })
      .strict()
      .default({ enabled: true, clusterWideNamespaces: [] })
      .meta({ description: 'JobguardException objects: exemptions kept as namespaced Kubernetes objects.' }),
    controllerUsers: z.array(z.string().min(1)).default(DEFAULT_CONTROLLER_USERS).meta({
      description:
        "Users that create workloads from workloads (the controller-manager's); what they create with a controller ownerReference also matches its owner's exemptions.",
    }),
    customRules: z.array(customRuleSchema).default([]).meta({
      description: 'Rules written in CEL (docs/cel.md), compiled and checked when the policy loads.',
    }),
  })
  .strict()
  .superRefine((policy, context) => {
    // Metrics and annotations name exemptions; two with one name would be counted as one.
    const seen = new Map<string, number>();
    policy.exemptions.forEach((exemption, index) => {
      const name = exemptionNameOf(exemption);
      const first = seen.get(name);
      if (first === undefined) seen.set(name, index);
      else
        context.addIssue({
          code: 'custom',
          path: ['exemptions', index, 'name'],
          message: `"${name}" already names exemptions[${first}]${exemption.name === undefined ? ' (derived from the reason)' : ''}; give each exemption its own name`,
        });
    });
  });

/** @internal */
export type PolicyFile = z.input<typeof policySchema>;
export type Policy = z.output<typeof policySchema>;
export type Exemption = z.output<typeof exemptionSchema>;
export type ExceptionSpec = z.output<typeof exceptionSpecSchema>;
export type CustomRule = z.output<typeof customRuleSchema>;

export const DEFAULT_POLICY: Policy = policySchema.parse({ apiVersion: 'jobguard.dev/v1', kind: 'Policy' });
