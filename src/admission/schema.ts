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

export const admissionReviewSchema = z.looseObject({
  apiVersion: z.enum(ADMISSION_VERSIONS),
  kind: z.literal('AdmissionReview'),
  request: admissionRequestSchema,
});

export type AdmissionRequest = z.infer<typeof admissionRequestSchema>;
export type AdmissionReviewRequest = z.infer<typeof admissionReviewSchema>;

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
