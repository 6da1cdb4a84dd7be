import type { Execution } from './model.js';
import type { Budget } from './action.js';
import { DEFAULT_BUDGET } from './execution.js';
import { executePod } from './pod.js';
import { parseImageReference } from './image.js';
import { extractPodTemplate, isRecord } from './template.js';
import type {
  ContainerKind,
  ContainerView,
  EnvVar,
  HostPathVolume,
  ImageReference,
  KubeObject,
  ObjectMeta,
  PodTemplateView,
  Workload,
} from './types.js';

const CONTAINER_LISTS: readonly [ContainerKind, string][] = [
  ['init', 'initContainers'],
  ['regular', 'containers'],
  ['ephemeral', 'ephemeralContainers'],
];

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

function toMeta(value: unknown): ObjectMeta {
  if (!isRecord(value)) return {};
  const meta: ObjectMeta = {
    labels: stringRecord(value.labels),
    annotations: stringRecord(value.annotations),
  };
  if (typeof value.name === 'string') meta.name = value.name;
  if (typeof value.generateName === 'string') meta.generateName = value.generateName;
  if (typeof value.namespace === 'string') meta.namespace = value.namespace;
  if (Array.isArray(value.ownerReferences)) {
    meta.ownerReferences = value.ownerReferences.filter(isRecord).map((ref) => ({
      ...(typeof ref.apiVersion === 'string' ? { apiVersion: ref.apiVersion } : {}),
      ...(typeof ref.kind === 'string' ? { kind: ref.kind } : {}),
      ...(typeof ref.name === 'string' ? { name: ref.name } : {}),
      ...(typeof ref.controller === 'boolean' ? { controller: ref.controller } : {}),
    }));
  }
  return meta;
}

function toEnv(value: unknown): EnvVar[] {
  const env: EnvVar[] = [];
  if (!Array.isArray(value)) return env;
  for (const entry of value as unknown[]) {
    if (!isRecord(entry)) continue;
    const name = typeof entry.name === 'string' ? entry.name : '';
    env.push(
      typeof entry.value === 'string'
        ? { name, value: entry.value, isReference: false }
        : { name, isReference: entry.valueFrom !== undefined },
    );
  }
  return env;
}

function toMounts(value: unknown): ContainerView['volumeMounts'] {
  const mounts: ContainerView['volumeMounts'] = [];
  if (!Array.isArray(value)) return mounts;
  for (const mount of value as unknown[]) {
    if (!isRecord(mount)) continue;
    const name = typeof mount.name === 'string' ? mount.name : '';
    const mountPath = typeof mount.mountPath === 'string' ? mount.mountPath : '';
    const readOnly = mount.readOnly === true;
    mounts.push(
      typeof mount.subPath === 'string'
        ? { name, mountPath, readOnly, subPath: mount.subPath }
        : { name, mountPath, readOnly },
    );
  }
  return mounts;
}

/** The containers of one pod template, and their execution models once computed. */
interface PodGroup {
  spec: Record<string, unknown>;
  containers: ContainerView[];
  /** The work the object's analysis may still spend (shared by every container). */
  budget: Budget;
  executions?: Map<ContainerView, Execution>;
}

/**
 * A container of the workload model. A class rather than an object literal with a getter: the
 * getter lives once on the prototype, so every container shares one shape and the rules' reads of
 * its fields stay monomorphic.
 */
class ContainerModel implements ContainerView {
  readonly name: string;
  readonly env: EnvVar[];
  readonly securityContext: Record<string, unknown>;
  readonly volumeMounts: ContainerView['volumeMounts'];
  readonly image: ImageReference | undefined;
  derived: Map<unknown, unknown> | undefined;
  /** The containers of the same pod template; set once they are all built. */
  pod: PodGroup | undefined;

  constructor(
    readonly kind: ContainerKind,
    readonly index: number,
    readonly path: string,
    readonly raw: Record<string, unknown>,
  ) {
    this.name = typeof raw.name === 'string' ? raw.name : '';
    this.env = toEnv(raw.env);
    this.securityContext = isRecord(raw.securityContext) ? raw.securityContext : {};
    this.volumeMounts = toMounts(raw.volumeMounts);
    this.image = typeof raw.image === 'string' ? parseImageReference(raw.image) : undefined;
  }

  get execution(): Execution {
    const pod: PodGroup = this.pod ?? { spec: {}, containers: [this], budget: { left: DEFAULT_BUDGET } };
    this.pod = pod;
    pod.executions ??= executePod(pod.spec, pod.containers, pod.budget);
    return pod.executions.get(this) ?? EMPTY_EXECUTION;
  }
}

const EMPTY_EXECUTION: Execution = {
  invocations: [],
  actions: [],
  flows: [],
  obfuscation: [],
  scripts: [],
  limits: [],
  problems: [],
};

function toContainers(spec: Record<string, unknown>, specPath: string, budget: Budget): ContainerView[] {
  const out: ContainerModel[] = [];
  for (const [kind, key] of CONTAINER_LISTS) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    const listPath = join(specPath, key);
    for (let index = 0; index < list.length; index++) {
      const raw: unknown = list[index];
      if (isRecord(raw)) out.push(new ContainerModel(kind, index, `${listPath}[${index}]`, raw));
    }
  }
  const pod: PodGroup = { spec, containers: out, budget };
  for (const container of out) container.pod = pod;
  return out;
}

function toHostPaths(spec: Record<string, unknown>, specPath: string): HostPathVolume[] {
  const volumes = spec.volumes;
  if (!Array.isArray(volumes)) return [];
  const out: HostPathVolume[] = [];
  volumes.forEach((volume: unknown, index) => {
    if (!isRecord(volume) || !isRecord(volume.hostPath)) return;
    const { path, type } = volume.hostPath;
    out.push({
      name: typeof volume.name === 'string' ? volume.name : '',
      path: typeof path === 'string' ? path : '',
      ...(typeof type === 'string' ? { type } : {}),
      jsonPath: `${join(specPath, 'volumes')}[${index}]`,
    });
  });
  return out;
}

/** The workload model of an object; a class for the same reason as `ContainerModel`. */
class WorkloadModel implements Workload {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  derived: Map<unknown, unknown> | undefined;
  #json: string | undefined;

  constructor(
    readonly metadata: ObjectMeta,
    readonly object: KubeObject,
    readonly templates: PodTemplateView[],
    readonly containers: ContainerView[],
  ) {
    this.apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
    this.kind = typeof object.kind === 'string' ? object.kind : '';
    this.name = metadata.name ?? metadata.generateName ?? '';
    this.namespace = metadata.namespace ?? '';
  }

  get json(): string {
    this.#json ??= JSON.stringify(this.object);
    return this.#json;
  }
}

/**
 * The workload model of an object: its pod template, every container with its JSON path, and the raw
 * object. `budget` is the work its analysis may spend, counted down as the rules read the execution
 * model (lazily); a caller that passes its own can tell afterwards whether it ran out (`left <= 0`).
 */
export function buildWorkload(object: KubeObject, budget: Budget = { left: DEFAULT_BUDGET }): Workload {
  const metadata = toMeta(object.metadata);
  const location = extractPodTemplate(object);
  if (location === undefined) return new WorkloadModel(metadata, object, [], []);
  const specPath = join(location.path, 'spec');
  const containers = toContainers(location.spec, specPath, budget);
  const template: PodTemplateView = {
    specPath,
    metadata: toMeta(location.metadata),
    spec: location.spec,
    containers,
    hostPathVolumes: toHostPaths(location.spec, specPath),
  };
  // One template at most: its containers are the workload's.
  return new WorkloadModel(metadata, object, [template], containers);
}
