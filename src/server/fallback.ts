/**
 * Answers for reviews the engine did not decide: one it failed on (a bug of ours: the policy's
 * onError decides) and one past the analysis limits (server/limits.ts; fail closed: it is treated
 * as a deny verdict, and the namespace's mode turns that into deny, warn, annotate or nothing, as it
 * would for a scored object).
 */
import type {
  AdmissionResponse,
  AdmissionReviewRequest,
  AdmissionReviewResponse,
} from '../admission/schema.js';
import type { Verdict } from '../policy/decision.js';
import type { Mode } from '../policy/schema.js';
import { actionFor } from '../policy/decide.js';

function envelope(review: AdmissionReviewRequest, response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response };
}

function forbidden(uid: string, message: string): AdmissionResponse {
  return { uid, allowed: false, status: { code: 403, reason: 'Forbidden', status: 'Failure', message } };
}

export function failedReview(
  review: AdmissionReviewRequest,
  onError: 'allow' | 'deny',
): AdmissionReviewResponse {
  const message = 'jobguard could not evaluate this object (internal error)';
  const { uid } = review.request;
  return envelope(
    review,
    onError === 'allow'
      ? { uid, allowed: true, warnings: [`${message}; allowed (onError: allow)`] }
      : forbidden(uid, `${message}; denied (onError: deny)`),
  );
}

/** kubectl shows warnings of up to 120 characters well; a long kind name must not push past that. */
function shortest(warning: string, reason: string): string {
  return warning.length <= 120
    ? warning
    : `jobguard could not analyse this object: ${reason}; denied in enforce mode`;
}

/** A review not analysed (`reason`: "it holds more than 100 containers"); the action its mode gives a deny verdict. */
export function unanalysedReview(
  review: AdmissionReviewRequest,
  mode: Mode,
  reason: string,
): { reply: AdmissionReviewResponse; action: Verdict } {
  const action = actionFor('deny', mode);
  const summary = { uid: review.request.uid, kind: review.request.kind.kind };
  const what = `jobguard could not analyse this ${summary.kind || 'object'}: ${reason}`;
  const annotations = { action, verdict: 'deny', mode, unanalysed: reason };
  switch (action) {
    case 'deny':
      return {
        action,
        reply: envelope(review, {
          ...forbidden(summary.uid, `${what}; denied (what cannot be analysed is denied)`),
          auditAnnotations: annotations,
        }),
      };
    case 'warn':
      return {
        action,
        reply: envelope(review, {
          uid: summary.uid,
          allowed: true,
          warnings: [shortest(`${what}; it would be denied in enforce mode`, reason)],
          auditAnnotations: annotations,
        }),
      };
    case 'annotate':
      return {
        action,
        reply: envelope(review, { uid: summary.uid, allowed: true, auditAnnotations: annotations }),
      };
    default:
      return { action, reply: envelope(review, { uid: summary.uid, allowed: true }) };
  }
}
