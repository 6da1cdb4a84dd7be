import { z } from 'zod';

/**
 * AdmissionReview `admission.k8s.io/v1` and `v1beta1` (identical request fields since 1.15;
 * Kubernetes "Dynamic Admission Control", Request and Response). Unknown fields are kept, the objects are not
 * validated deeply here: the workload layer reads them defensively.
 */
const ADMISSION_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;

const groupVersionKind = z.looseObject({ group: z.string(), version: z.string(), kind: z.string() });
const groupVersionResource = z.looseObject({ group: z.string(), version: z.string(), resource: z.string() });

const userInfoSchema = z.looseObject({
  username: z.string().optional(),
  uid: z.string().optional(),
  groups: z.array(z.string()).nullish(),
  extra: z.record(z.string(), z.array(z.string()).nullable()).nullish(),
});

const kubeObject = z.record(z.string(), z.unknown());

const admissionRequestSchema = z.looseObject({
  uid: z.string().min(1, { error: 'must not be empty' }),
  kind: groupVersionKind,
  resource: groupVersionResource,
  subResource: z.string().optional(),
  requestKind: groupVersionKind.nullish(),
  requestResource: groupVersionResource.nullish(),
  requestSubResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  userInfo: userInfoSchema.default({}),
  object: kubeObject.nullish(),
  oldObject: kubeObject.nullish(),
  dryRun: z.boolean().nullish(),
  options: z.unknown().optional(),
});

/** @internal */
export const admissionReviewSchema = z.looseObject({
  apiVersion: z.enum(ADMISSION_VERSIONS),
  kind: z.literal('AdmissionReview'),
  request: admissionRequestSchema,
});

export type AdmissionRequest = z.infer<typeof admissionRequestSchema>;
export type AdmissionReviewRequest = z.infer<typeof admissionReviewSchema>;

// What the API server sends always passes `admissionReviewSchema`; zod checks it by building a copy
// of the envelope (1.6 µs a review over the bench's mix in a loop, 5 µs between requests in the
// server). `isAdmissionReview` asks the same questions of the body as it is, without a copy (0.1 µs), and
// answers true only where the schema would accept the body and change nothing in it (an absent
// `userInfo` is defaulted by the schema, so it answers false there); every other body goes through
// zod, which says what is wrong. test/admission-envelope.test.ts holds the two to agreement.

const OPERATIONS: ReadonlySet<unknown> = new Set(admissionRequestSchema.shape.operation.options);
const VERSIONS: ReadonlySet<unknown> = new Set(ADMISSION_VERSIONS);

type Fields = Record<string, unknown>;

/**
 * An object zod would copy as it is. An own `__proto__` key (JSON.parse makes one of `"__proto__"`;
 * the server's body parser already drops them) is left out of zod's copy, so such a body goes to zod.
 */
function isPlainRecord(value: unknown): value is Fields {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !Object.hasOwn(value, '__proto__')
  );
}

const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

function isStringList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value as unknown[]) if (typeof item !== 'string') return false;
  return true;
}

function isGroupVersion(value: unknown, last: 'kind' | 'resource'): boolean {
  return (
    isPlainRecord(value) &&
    typeof value.group === 'string' &&
    typeof value.version === 'string' &&
    typeof value[last] === 'string'
  );
}

const isNullishOr = (value: unknown, test: (value: unknown) => boolean): boolean =>
  value === undefined || value === null || test(value);

function isUserInfo(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  if (!isOptionalString(value.username) || !isOptionalString(value.uid)) return false;
  if (!isNullishOr(value.groups, isStringList)) return false;
  const extra = value.extra;
  if (extra === undefined || extra === null) return true;
  if (!isPlainRecord(extra)) return false;
  for (const key in extra) {
    if (!Object.hasOwn(extra, key)) continue;
    const values = extra[key];
    if (values !== null && !isStringList(values)) return false;
  }
  return true;
}

function isRequest(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  return (
    typeof value.uid === 'string' &&
    value.uid.length > 0 &&
    isGroupVersion(value.kind, 'kind') &&
    isGroupVersion(value.resource, 'resource') &&
    isOptionalString(value.subResource) &&
    isNullishOr(value.requestKind, (v) => isGroupVersion(v, 'kind')) &&
    isNullishOr(value.requestResource, (v) => isGroupVersion(v, 'resource')) &&
    isOptionalString(value.requestSubResource) &&
    isOptionalString(value.name) &&
    isOptionalString(value.namespace) &&
    OPERATIONS.has(value.operation) &&
    isUserInfo(value.userInfo) &&
    isNullishOr(value.object, isPlainRecord) &&
    isNullishOr(value.oldObject, isPlainRecord) &&
    isNullishOr(value.dryRun, (v) => typeof v === 'boolean')
  );
}

/**
 * True when `body` is an AdmissionReview the schema accepts as it is; false says nothing (ask zod).
 * @internal
 */
export function isAdmissionReview(body: unknown): body is AdmissionReviewRequest {
  return (
    isPlainRecord(body) &&
    VERSIONS.has(body.apiVersion) &&
    body.kind === 'AdmissionReview' &&
    isRequest(body.request)
  );
}

/** The body as an AdmissionReview, or why it is not one: zod's answer, without its copy for a well-formed body. */
export function parseAdmissionReview(body: unknown): ReturnType<typeof admissionReviewSchema.safeParse> {
  if (isAdmissionReview(body)) return { success: true, data: body };
  return admissionReviewSchema.safeParse(body);
}

interface AdmissionStatus {
  code: number;
  message: string;
  reason: string;
  status: 'Failure';
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReviewResponse {
  apiVersion: (typeof ADMISSION_VERSIONS)[number];
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}
