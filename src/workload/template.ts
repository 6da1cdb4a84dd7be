import type { KubeObject } from './types.js';

/** Where each pod-controller kind keeps its pod template (Kubernetes API reference; PSA's PodSpecExtractor uses the same map). */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  PodTemplate: ['template'],
  ReplicationController: ['spec', 'template'],
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** `TEMPLATE_PATHS` as JSON paths (`spec.jobTemplate.spec.template`), joined once. */
const TEMPLATE_PATH_TEXT = new Map(
  Object.entries(TEMPLATE_PATHS).map(([kind, segments]) => [kind, segments.join('.')]),
);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface PodTemplateLocation {
  /** JSON path of the template object (`spec.template`), empty for a Pod. */
  path: string;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
}

/** The pod template of a pod-controller object, or undefined when the kind has none or the object lacks one. */
export function extractPodTemplate(object: KubeObject): PodTemplateLocation | undefined {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const segments = Object.hasOwn(TEMPLATE_PATHS, kind) ? TEMPLATE_PATHS[kind] : undefined;
  if (!segments) return undefined;
  let node: unknown = object;
  for (const segment of segments) {
    node = isRecord(node) ? node[segment] : undefined;
  }
  if (!isRecord(node) || !isRecord(node.spec)) return undefined;
  return {
    path: TEMPLATE_PATH_TEXT.get(kind) ?? segments.join('.'),
    metadata: isRecord(node.metadata) ? node.metadata : {},
    spec: node.spec,
  };
}
