import picomatch from 'picomatch';
import { sumWeights } from '../scoring/score.js';
import type { Finding, Profile, Score, Thresholds } from '../scoring/types.js';
import type { AppliedExemption, Decision, Subject, Verdict } from './decision.js';
import { exemptionNameOf, type Exemption, type Mode, type Policy } from './schema.js';

/**
 * Namespace label that sets a namespace's mode, as Pod Security Admission's `pod-security.kubernetes.io/enforce` does.
 * @internal
 */
export const MODE_LABEL = 'jobguard.dev/mode';
/**
 * Object label that opts a workload out, honoured only in the policy's `selfExemption.namespaces`.
 * @internal
 */
export const SELF_EXEMPT_LABEL = 'jobguard.dev/exempt';
/** @internal */
export const SELF_EXEMPT_REASON_ANNOTATION = 'jobguard.dev/exempt-reason';

const STRICTNESS: Record<Mode, number> = { off: 0, audit: 1, warn: 2, enforce: 3 };
const RANK: Record<Verdict, number> = { allow: 0, annotate: 1, warn: 2, deny: 3 };

type Match = (value: string) => boolean;

/** The selector fields of an exemption, whether from the policy file or a JobguardException. */
export type ExemptionSelectors = Omit<Exemption, 'name'>;

/** An exemption ready to match: from the policy file, or a JobguardException (see policy/exception.ts). */
export interface CompiledExemption {
  /** `policy:<name>` or `<namespace>/<name>`; see AppliedExemption.id. */
  id: string;
  reason: string;
  /** Rule ids waived; undefined for all. */
  rules?: readonly string[];
  /** Instant after which it no longer applies; undefined when it never expires. */
  expiresAt?: number;
  test(subject: Subject): boolean;
}

/** A policy with its globs compiled once, so deciding does no parsing per request. */
export interface CompiledPolicy {
  policy: Policy;
  profile: Profile;
  thresholds: Thresholds;
  namespaceMode(namespace: string): Mode;
  isSelfExemptionAllowed(namespace: string): boolean;
  /** May this namespace's JobguardExceptions name other namespaces? */
  isClusterWideNamespace(namespace: string): boolean;
  isControllerUser(username: string): boolean;
  exemptions: CompiledExemption[];
}

function anyGlob(globs: readonly string[]): Match {
  const matchers = globs.map((glob) => picomatch(glob, { dot: true, nocase: false }));
  return (value) => matchers.some((match) => match(value));
}

/** A bare date (`2027-06-30`) means the whole of that day, UTC. */
function expiryInstant(expires: string): number {
  const instant = Date.parse(expires);
  return /^\d{4}-\d{2}-\d{2}$/.test(expires) ? instant + 24 * 60 * 60 * 1000 - 1 : instant;
}

export function compileExemption(source: ExemptionSelectors, id: string): CompiledExemption {
  const checks: ((subject: Subject) => boolean)[] = [];
  if (source.namespaces) {
    const match = anyGlob(source.namespaces);
    checks.push((s) => match(s.namespace));
  }
  if (source.names) {
    const match = anyGlob(source.names);
    checks.push((s) => match(s.name));
  }
  if (source.kinds) {
    const kinds = new Set<string>(source.kinds);
    checks.push((s) => kinds.has(s.kind));
  }
  if (source.users) {
    const match = anyGlob(source.users);
    checks.push((s) => s.username !== undefined && match(s.username));
  }
  if (source.groups) {
    const match = anyGlob(source.groups);
    checks.push((s) => (s.groups ?? []).some(match));
  }
  if (source.serviceAccounts) {
    // Every pod template must run as a listed account: one exempt template must not cover another.
    const match = anyGlob(source.serviceAccounts);
    checks.push((s) => s.serviceAccounts.length > 0 && s.serviceAccounts.every(match));
  }
  if (source.images) {
    // Every image must be listed: an exempt scanner image must not carry an unlisted sidecar through.
    const match = anyGlob(source.images);
    checks.push(
      (s) =>
        s.images.length > 0 &&
        s.images.every(
          (image) =>
            match(image.raw) ||
            match(image.normalized) ||
            (image.digest !== undefined && match(image.digest)),
        ),
    );
  }
  return {
    id,
    reason: source.reason,
    ...(source.rules === undefined ? {} : { rules: source.rules }),
    ...(source.expires === undefined ? {} : { expiresAt: expiryInstant(source.expires) }),
    test: (subject) => checks.every((check) => check(subject)),
  };
}

export function compilePolicy(policy: Policy, profile: Profile): CompiledPolicy {
  const overrides = policy.namespaces.map((entry) => ({ match: anyGlob(entry.names), mode: entry.mode }));
  const selfExempt = anyGlob(policy.selfExemption.namespaces);
  const clusterWide = anyGlob(policy.exceptions.clusterWideNamespaces);
  const controllers = new Set(policy.controllerUsers);
  return {
    policy,
    profile,
    thresholds: { ...profile.thresholds, ...policy.thresholds },
    namespaceMode: (namespace) => overrides.find((entry) => entry.match(namespace))?.mode ?? policy.mode,
    isSelfExemptionAllowed: (namespace) => selfExempt(namespace),
    isClusterWideNamespace: (namespace) => clusterWide(namespace),
    isControllerUser: (username) => controllers.has(username),
    exemptions: policy.exemptions.map((exemption) =>
      compileExemption(exemption, `policy:${exemptionNameOf(exemption)}`),
    ),
  };
}

export interface ExpiredExemption {
  /** `policy:<name>`, as metrics and the `exempted-by` annotation name it. */
  id: string;
  /** `exemptions[2]`, as `policy check` and load errors name it. */
  path: string;
  reason: string;
  expires: string;
}

/** Exemptions whose `expires` lies before `now`: they no longer apply, and people should hear so. */
export function expiredExemptions(policy: Policy, now: Date): ExpiredExemption[] {
  return policy.exemptions.flatMap((exemption, index) =>
    exemption.expires !== undefined && expiryInstant(exemption.expires) < now.getTime()
      ? [
          {
            id: `policy:${exemptionNameOf(exemption)}`,
            path: `exemptions[${index}]`,
            reason: exemption.reason,
            expires: exemption.expires,
          },
        ]
      : [],
  );
}

/** The mode for a namespace: the policy's (or its `namespaces:` entry), then the namespace label where allowed. */
export function resolveMode(
  compiled: CompiledPolicy,
  namespace: string,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): Mode {
  const base = compiled.namespaceMode(namespace);
  if (!compiled.policy.namespaceLabels.enabled) return base;
  const label = namespaceLabels?.[MODE_LABEL];
  // hasOwn, not `in`: a label value such as `constructor` must not pass for a mode.
  if (label === undefined || !Object.hasOwn(STRICTNESS, label)) return base;
  const labelled = label as Mode;
  if (STRICTNESS[labelled] >= STRICTNESS[base]) return labelled;
  return compiled.policy.namespaceLabels.allowDowngrade ? labelled : base;
}

function verdictFor(score: number, thresholds: Thresholds): Verdict {
  if (score >= thresholds.deny) return 'deny';
  if (score >= thresholds.warn) return 'warn';
  if (score >= thresholds.annotate) return 'annotate';
  return 'allow';
}

export function actionFor(verdict: Verdict, mode: Mode): Verdict {
  switch (mode) {
    case 'enforce':
      return verdict;
    case 'warn':
      return verdict === 'deny' ? 'warn' : verdict;
    case 'audit':
      return RANK[verdict] > RANK.annotate ? 'annotate' : verdict;
    case 'off':
      return 'allow';
  }
}

function selfExemption(compiled: CompiledPolicy, subject: Subject): AppliedExemption | undefined {
  if (subject.labels[SELF_EXEMPT_LABEL] !== 'true') return undefined;
  if (!compiled.isSelfExemptionAllowed(subject.namespace)) return undefined;
  const reason = subject.annotations[SELF_EXEMPT_REASON_ANNOTATION]?.trim();
  if (!reason) return undefined;
  return { id: 'self', reason: `self-exemption: ${reason}`, rules: ['*'] };
}

/**
 * Which kinds a controller creates from which owners, and the owner's API group (the controllers of
 * kube-controller-manager; Kubernetes docs, "Controllers").
 */
const OWNER_KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Pod: {
    Job: 'batch',
    ReplicaSet: 'apps',
    StatefulSet: 'apps',
    DaemonSet: 'apps',
    ReplicationController: '',
  },
  Job: { CronJob: 'batch' },
  ReplicaSet: { Deployment: 'apps' },
};

/**
 * The object seen as its owner, when exemptions of the owner may cover it: a Pod the Job controller
 * creates for an exempt Job is the Job's work, already judged when the Job was. An ownerReference
 * alone proves nothing — anyone who may create Pods may write one naming any Job — so it counts
 * only when the request comes from a controller's own identity (`controllerUsers`), which only
 * kube-controller-manager holds, and only for an owner that controller does own (OWNER_KINDS).
 * One step only: a Pod's Job is known, the Job's CronJob is not (that would need the Job itself).
 */
function asOwner(compiled: CompiledPolicy, subject: Subject): Subject | undefined {
  const owner = subject.controller;
  if (owner === undefined || subject.username === undefined) return undefined;
  if (!compiled.isControllerUser(subject.username)) return undefined;
  const owners = Object.hasOwn(OWNER_KINDS, subject.kind) ? OWNER_KINDS[subject.kind] : undefined;
  if (!owners || !Object.hasOwn(owners, owner.kind)) return undefined;
  const slash = owner.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : owner.apiVersion.slice(0, slash);
  if (group !== owners[owner.kind]) return undefined;
  // The lists are read through the object's own subject (built on first read), not copied by a
  // spread that would build them for every Job the CronJob controller creates.
  return {
    kind: owner.kind,
    namespace: subject.namespace,
    name: owner.name,
    username: subject.username,
    ...(subject.groups === undefined ? {} : { groups: subject.groups }),
    get serviceAccounts() {
      return subject.serviceAccounts;
    },
    get images() {
      return subject.images;
    },
    labels: subject.labels,
    annotations: subject.annotations,
    controller: owner,
  };
}

export interface DecideInput {
  score: Score;
  subject: Subject;
  /** Labels of the subject's namespace, when known (the webhook's cache); undefined offline. */
  namespaceLabels?: Readonly<Record<string, string>>;
  /** JobguardExceptions from the cluster, compiled (policy/exception.ts); matched after the file's exemptions. */
  exceptions?: readonly CompiledExemption[];
  now: Date;
}

function applyExemptions(
  exemptions: readonly CompiledExemption[],
  subject: Subject,
  owner: Subject | undefined,
  now: number,
  applied: AppliedExemption[],
): void {
  for (const exemption of exemptions) {
    if (exemption.expiresAt !== undefined && exemption.expiresAt < now) continue;
    const rules = exemption.rules ? [...exemption.rules] : ['*'];
    if (exemption.test(subject)) applied.push({ id: exemption.id, reason: exemption.reason, rules });
    else if (owner && exemption.test(owner))
      applied.push({ id: exemption.id, reason: exemption.reason, rules, via: `${owner.kind}/${owner.name}` });
  }
}

/** Pure: a score, who asked, the namespace's labels and the policy in; the decision out. */
export function decide(input: DecideInput, compiled: CompiledPolicy): Decision {
  const { score, subject, now } = input;
  const applied: AppliedExemption[] = [];
  const owner = asOwner(compiled, subject);
  applyExemptions(compiled.exemptions, subject, owner, now.getTime(), applied);
  if (input.exceptions) applyExemptions(input.exceptions, subject, owner, now.getTime(), applied);
  const self = selfExemption(compiled, subject);
  if (self) applied.push(self);

  const waivedRules = new Set(applied.flatMap((e) => e.rules));
  const waivesAll = waivedRules.has('*');
  const findings: Finding[] = [];
  const waived: Finding[] = [];
  for (const finding of score.findings) {
    if (waivesAll || waivedRules.has(finding.rule)) waived.push(finding);
    else findings.push(finding);
  }
  const errors = waivesAll ? [] : score.errors.filter((rule) => !waivedRules.has(rule));
  const total = applied.length === 0 ? score.score : sumWeights(findings);
  const thresholds = compiled.thresholds;
  let verdict = verdictFor(total, thresholds);
  if (errors.length > 0 && compiled.policy.onError === 'deny') verdict = 'deny';
  const mode = resolveMode(compiled, subject.namespace, input.namespaceLabels);
  return {
    profile: compiled.profile.name,
    score: total,
    verdict,
    mode,
    action: actionFor(verdict, mode),
    thresholds,
    findings,
    waived,
    exemptions: applied,
    errors,
  };
}
