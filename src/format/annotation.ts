/**
 * Where jobguard's verdicts land in the API server's audit log. The webhook returns
 * `auditAnnotations` (score, action, verdict, mode, profile, rules, rule-docs, exempted-by, waived,
 * engine-errors; src/admission/messages.ts); the API server writes each into the audit Event's
 * top-level `annotations` map under `<webhook name>/<key>`, where the webhook name is
 * `webhooks[].name` of the ValidatingWebhookConfiguration, not the configuration's name
 * (Kubernetes "Dynamic Admission Control", AdmissionResponse.auditAnnotations). They are recorded at
 * audit level Metadata and above, so they survive policies that drop request bodies.
 */

/** `webhooks[].name` in charts/jobguard/templates/webhook.yaml; change both together. */
export const DEFAULT_WEBHOOK_NAME = 'validate.jobguard.dev';

/** The annotation keys the webhook writes, in the order the exported queries show them. */
export const ANNOTATION_KEYS = [
  'score',
  'verdict',
  'action',
  'mode',
  'profile',
  'rules',
  'rule-docs',
  'exempted-by',
  'waived',
  'engine-errors',
] as const;

export type AnnotationKey = (typeof ANNOTATION_KEYS)[number];

/** A DNS subdomain (RFC 1123), as the API server requires of a webhook name: lowercase labels joined by dots. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class WebhookNameError extends Error {
  override name = 'WebhookNameError';
}

/** Checks a webhook name the way the API server would; the audit key prefix is only right for a valid one. */
export function checkWebhookName(name: string): string {
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name) || !name.includes('.'))
    throw new WebhookNameError(
      `webhook name "${name}" is not a fully qualified DNS subdomain (e.g. ${DEFAULT_WEBHOOK_NAME}); the API server refuses it`,
    );
  return name;
}

/** `validate.jobguard.dev/score`: the key of one annotation in the audit Event's `annotations`. */
export function annotationKey(webhookName: string, key: AnnotationKey): string {
  return `${webhookName}/${key}`;
}
