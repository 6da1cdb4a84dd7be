import { compilePolicy, decide, type CompiledExemption, type CompiledPolicy } from './policy/decide.js';
import type { Decision, OwnerReference, Subject } from './policy/decision.js';
import type { Policy } from './policy/schema.js';
import { compileCustomRules } from './scoring/cel.js';
import { findRule, PROFILES } from './scoring/profiles.js';
import { resolveRules, type ResolveProblem } from './scoring/resolve.js';
import { scoreWorkload } from './scoring/score.js';
import type { ActiveRule, Score } from './scoring/types.js';
import type { Budget } from './workload/action.js';
import { buildWorkload } from './workload/build.js';
import type { KubeObject, Workload } from './workload/types.js';

/** The core pipeline configured by one policy: workload → scoring → policy. Pure; build a new one on reload. */
export interface Engine {
  readonly policy: Policy;
  readonly compiled: CompiledPolicy;
  readonly rules: readonly ActiveRule[];
}

export class PolicyProblemError extends Error {
  constructor(readonly problems: readonly ResolveProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'PolicyProblemError';
  }
}

/** Throws PolicyProblemError when the policy names unknown rules or bad rule parameters. */
export function createEngine(policy: Policy): Engine {
  const profile = PROFILES[policy.profile];
  const { rules, problems } = resolveRules(profile, policy.rules);
  // Custom rules (CEL) are compiled here, once per policy load, and scored like built-in ones.
  const custom = compileCustomRules(policy.customRules, (id) => findRule(id) !== undefined);
  problems.push(...custom.problems);
  if (problems.length > 0) throw new PolicyProblemError(problems);
  return { policy, compiled: compilePolicy(policy, profile), rules: [...rules, ...custom.rules] };
}

interface Requester {
  username?: string;
  groups?: readonly string[];
}

export interface Assessment {
  workload: Workload;
  score: Score;
  decision: Decision;
}

export interface AssessContext {
  requester?: Requester;
  /** The namespace the request is for (an AdmissionRequest's `namespace`); defaults to the object's own. */
  namespace?: string;
  namespaceLabels?: Readonly<Record<string, string>>;
  /** JobguardExceptions in force (the webhook's cache); undefined offline. */
  exceptions?: readonly CompiledExemption[];
  now: Date;
  /**
   * Work units the analysis may spend (workload/execution.ts DEFAULT_BUDGET when absent); the caller
   * can read `left` afterwards: at or below 0 the analysis ran out and the decision carries the limit.
   */
  budget?: Budget;
  /** The object's score when it was computed elsewhere (scoreObject, in the webhook's analysis worker). */
  score?: Score;
}

/** The ownerReference marked `controller: true` (the API server allows at most one). */
function controllerOf(workload: Workload): OwnerReference | undefined {
  const ref = workload.metadata.ownerReferences?.find((r) => r.controller === true);
  if (ref?.apiVersion === undefined || ref.kind === undefined || ref.name === undefined) return undefined;
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
}

function serviceAccountsOf(workload: Workload): string[] {
  return workload.templates.map((t) => {
    const name = t.spec.serviceAccountName ?? t.spec.serviceAccount;
    return typeof name === 'string' && name !== '' ? name : 'default';
  });
}

function imagesOf(workload: Workload): Subject['images'] {
  return workload.containers.flatMap((c) =>
    c.image
      ? [
          {
            raw: c.image.raw,
            normalized: c.image.normalized,
            ...(c.image.digest ? { digest: c.image.digest } : {}),
          },
        ]
      : [],
  );
}

/**
 * What exemptions match on. Service accounts and images are lists built from every template and
 * container, and only an exemption that names them reads them (most reviews meet none): they are
 * built on first read.
 */
function subjectOf(workload: Workload, namespace: string, requester: Requester | undefined): Subject {
  const controller = controllerOf(workload);
  let serviceAccounts: readonly string[] | undefined;
  let images: Subject['images'] | undefined;
  return {
    kind: workload.kind,
    namespace,
    name: workload.name,
    ...(requester?.username === undefined ? {} : { username: requester.username }),
    ...(requester?.groups === undefined ? {} : { groups: requester.groups }),
    get serviceAccounts() {
      return (serviceAccounts ??= serviceAccountsOf(workload));
    },
    get images() {
      return (images ??= imagesOf(workload));
    },
    labels: workload.metadata.labels ?? {},
    annotations: workload.metadata.annotations ?? {},
    ...(controller ? { controller } : {}),
  };
}

/** Scores one object and decides. Returns undefined when the object holds no pod template (nothing to score). */
export function assess(engine: Engine, object: KubeObject, context: AssessContext): Assessment | undefined {
  const workload = context.budget ? buildWorkload(object, context.budget) : buildWorkload(object);
  if (workload.templates.length === 0) return undefined;
  const namespace = context.namespace || workload.namespace || 'default';
  const score = context.score ?? scoreWorkload(workload, engine.rules);
  const decision = decide(
    {
      score,
      subject: subjectOf(workload, namespace, context.requester),
      ...(context.namespaceLabels ? { namespaceLabels: context.namespaceLabels } : {}),
      ...(context.exceptions ? { exceptions: context.exceptions } : {}),
      now: context.now,
    },
    engine.compiled,
  );
  return { workload, score, decision };
}

/**
 * The score of one object, without a decision: the part of `assess` that costs CPU, and the part the
 * webhook runs off its event loop for a heavy object (server/analysis.ts); `assess` then decides with
 * it. Plain data, so it crosses a worker boundary. Undefined when the object holds no pod template.
 */
export function scoreObject(engine: Engine, object: KubeObject, budget?: Budget): Score | undefined {
  const workload = budget ? buildWorkload(object, budget) : buildWorkload(object);
  if (workload.templates.length === 0) return undefined;
  return scoreWorkload(workload, engine.rules);
}
