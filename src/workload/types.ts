import type { Execution } from './model.js';

/**
 * The workload model: what the scoring engine sees of a Kubernetes object.
 * Built once per object by `buildWorkload()`; rules read it and never walk raw JSON themselves.
 */

/** A Kubernetes object as decoded from JSON or YAML; only the fields we read are typed. */
export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  spec?: unknown;
  template?: unknown;
  [key: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion?: string; kind?: string; name?: string; controller?: boolean }[];
}

export type ContainerKind = 'init' | 'regular' | 'ephemeral';

/** A parsed image reference; see `parseImageReference()`. */
export interface ImageReference {
  /** The string as written in the manifest. */
  raw: string;
  /** e.g. `docker.io`, `ghcr.io`, `registry.example.com:5000`. */
  registry: string;
  /** Full repository path with docker.io's `library/` default applied, e.g. `library/alpine`. */
  repository: string;
  /** Last path segment of the repository, e.g. `alpine`, `kube-bench`. */
  name: string;
  tag?: string;
  digest?: string;
  /** `registry/repository[:tag][@digest]` with defaults applied (tag `latest` only when neither tag nor digest). */
  normalized: string;
}

/** A view that keeps what the scoring engine derives from it, so that it dies with the view (see scoring/memo.ts). */
export interface Derivable {
  /** Derived values by what derived them; created by the first. */
  derived?: Map<unknown, unknown>;
}

export interface EnvVar {
  name: string;
  /** Literal value when set with `value`; undefined for valueFrom. */
  value?: string;
  /** True when the value comes from a Secret, ConfigMap or field reference. */
  isReference: boolean;
}

export interface ContainerView extends Derivable {
  kind: ContainerKind;
  /** Index within its own list (`containers[2]` → 2). */
  index: number;
  name: string;
  /** JSON path of the container, e.g. `spec.jobTemplate.spec.template.spec.containers[0]`. */
  path: string;
  /** The raw container object from the manifest. */
  raw: Record<string, unknown>;
  image?: ImageReference;
  env: EnvVar[];
  /**
   * What the container runs and does, followed through shells, launchers, files and interpreters
   * (see execution.ts). Built lazily, once per pod template (containers share its file system).
   */
  readonly execution: Execution;
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly: boolean; subPath?: string }[];
}

export interface HostPathVolume {
  name: string;
  path: string;
  type?: string;
  /** JSON path of the volume, e.g. `spec.template.spec.volumes[1]`. */
  jsonPath: string;
}

export interface PodTemplateView extends Derivable {
  /** JSON path of the pod spec, e.g. `spec.jobTemplate.spec.template.spec` (`spec` for a Pod). */
  specPath: string;
  metadata: ObjectMeta;
  /** The raw pod spec. */
  spec: Record<string, unknown>;
  containers: ContainerView[];
  hostPathVolumes: HostPathVolume[];
}

export interface Workload extends Derivable {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  metadata: ObjectMeta;
  /** The object as received. */
  object: KubeObject;
  /** Pod templates found in the object (one for every supported kind; none for other kinds). */
  templates: PodTemplateView[];
  /** Every container of every template, init first, then regular, then ephemeral. */
  containers: ContainerView[];
  /** Compact JSON text of the object (what the seed KQL's `tostring(requestObject)` sees). Computed lazily. */
  readonly json: string;
}
