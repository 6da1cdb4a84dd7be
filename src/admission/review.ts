import { assess, type Engine } from '../engine.js';
import type { CompiledExemption } from '../policy/decide.js';
import type { Decision } from '../policy/decision.js';
import type { Score } from '../scoring/types.js';
import type { Budget } from '../workload/action.js';
import type { KubeObject } from '../workload/types.js';
import { auditAnnotationsFor, denyMessage, warningsFor } from './messages.js';
import { isRecord } from '../workload/template.js';
import type {
  AdmissionRequest,
  AdmissionResponse,
  AdmissionReviewRequest,
  AdmissionReviewResponse,
} from './schema.js';

export interface ReviewContext {
  engine: Engine;
  /** Labels of a namespace from the cache; never does I/O. */
  namespaceLabels?: (namespace: string) => Readonly<Record<string, string>> | undefined;
  /** JobguardExceptions from the cache (kube/exceptions.ts); never does I/O. */
  exceptions?: readonly CompiledExemption[];
  now: Date;
  /** The work the analysis may spend; see AssessContext.budget. */
  budget?: Budget;
  /** The object's score when computed elsewhere (the webhook's analysis worker); see AssessContext.score. */
  score?: Score;
}

/** What the decision log line and the metrics need to know about one review. */
export interface ReviewOutcome {
  /** Why the object was not scored, when it was not. */
  skipped?: 'operation' | 'subresource' | 'kind' | 'no-object' | 'no-pod-template';
  decision?: Decision;
  /** The object's name: `request.name`, else the object's own (or its generateName) — for the log line. */
  name: string;
}

/** Subresources whose object is a whole Pod worth scoring: `kubectl debug` adds ephemeral containers this way. */
const SCORED_SUBRESOURCES = new Set(['', 'ephemeralcontainers']);

function allow(uid: string): AdmissionResponse {
  return { uid, allowed: true };
}

function toResponse(
  request: AdmissionRequest,
  decision: Decision,
  kind: string,
  name: string,
): AdmissionResponse {
  const response: AdmissionResponse = allow(request.uid);
  if (decision.action === 'allow' && decision.exemptions.length === 0 && decision.errors.length === 0)
    return response;
  const target = { kind, name, object: request.object };
  if (decision.action !== 'allow' || decision.exemptions.length > 0) {
    response.auditAnnotations = auditAnnotationsFor(decision);
  }
  if (
    decision.action === 'warn' ||
    decision.action === 'deny' ||
    (decision.errors.length > 0 && decision.mode !== 'off')
  ) {
    const warnings = warningsFor(decision, target);
    if (warnings.length > 0) response.warnings = warnings;
  }
  if (decision.action === 'deny') {
    response.allowed = false;
    response.status = {
      code: 403,
      reason: 'Forbidden',
      status: 'Failure',
      message: denyMessage(decision, target),
    };
  }
  return response;
}

function why(request: AdmissionRequest, engine: Engine): ReviewOutcome['skipped'] {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return 'operation';
  if (!SCORED_SUBRESOURCES.has(request.subResource ?? '')) return 'subresource';
  if (!(engine.policy.kinds as readonly string[]).includes(request.kind.kind)) return 'kind';
  if (!isRecord(request.object)) return 'no-object';
  return undefined;
}

/** The object a review scores: the request's, with the request's kind when it carries none. */
export function reviewedObject(object: KubeObject, kind: string): KubeObject {
  const copy = { ...object };
  if (typeof copy.kind !== 'string') copy.kind = kind;
  return copy;
}

/**
 * One AdmissionReview in, one out: same apiVersion and kind, `response.uid` = `request.uid`.
 * Dry-run requests are scored exactly like real ones (the webhook has no side effects).
 */
export function handleReview(
  review: AdmissionReviewRequest,
  context: ReviewContext,
): { reply: AdmissionReviewResponse; outcome: ReviewOutcome } {
  const { request } = review;
  const envelope = (response: AdmissionResponse): AdmissionReviewResponse => ({
    apiVersion: review.apiVersion,
    kind: 'AdmissionReview',
    response,
  });
  const skipped = why(request, context.engine);
  const meta = isRecord(request.object?.metadata) ? request.object.metadata : {};
  const ownName =
    typeof meta.name === 'string'
      ? meta.name
      : typeof meta.generateName === 'string'
        ? meta.generateName
        : '';
  const name = request.name || ownName;
  if (skipped !== undefined || !request.object) {
    return { reply: envelope(allow(request.uid)), outcome: { skipped: skipped ?? 'no-object', name } };
  }
  const kind = request.kind.kind;
  const object = reviewedObject(request.object, kind);
  const namespace = request.namespace ?? '';
  const labels = namespace ? context.namespaceLabels?.(namespace) : undefined;
  const assessment = assess(context.engine, object, {
    requester: {
      ...(request.userInfo.username ? { username: request.userInfo.username } : {}),
      groups: request.userInfo.groups ?? [],
    },
    namespace,
    ...(labels ? { namespaceLabels: labels } : {}),
    ...(context.exceptions ? { exceptions: context.exceptions } : {}),
    ...(context.budget ? { budget: context.budget } : {}),
    ...(context.score ? { score: context.score } : {}),
    now: context.now,
  });
  if (!assessment)
    return { reply: envelope(allow(request.uid)), outcome: { skipped: 'no-pod-template', name } };
  return {
    reply: envelope(toResponse(request, assessment.decision, kind, name)),
    outcome: { decision: assessment.decision, name },
  };
}
