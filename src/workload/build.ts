import { buildCommandModel } from './command.js';
import { parseImageReference } from './image.js';
import { extractPodTemplate, isRecord } from './template.js';
import type {
  ContainerKind,
  ContainerView,
  EnvVar,
  HostPathVolume,
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
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') out[key] = v;
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
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((entry) => {
    const name = typeof entry.name === 'string' ? entry.name : '';
    return typeof entry.value === 'string'
      ? { name, value: entry.value, isReference: false }
      : { name, isReference: entry.valueFrom !== undefined };
  });
}

function toMounts(value: unknown): ContainerView['volumeMounts'] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((mount) => ({
    name: typeof mount.name === 'string' ? mount.name : '',
    mountPath: typeof mount.mountPath === 'string' ? mount.mountPath : '',
    readOnly: mount.readOnly === true,
    ...(typeof mount.subPath === 'string' ? { subPath: mount.subPath } : {}),
  }));
}

function toContainers(spec: Record<string, unknown>, specPath: string): ContainerView[] {
  const out: ContainerView[] = [];
  for (const [kind, key] of CONTAINER_LISTS) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    list.forEach((raw: unknown, index) => {
      if (!isRecord(raw)) return;
      const env = toEnv(raw.env);
      let command: ContainerView['command'] | undefined;
      const view: ContainerView = {
        kind,
        index,
        name: typeof raw.name === 'string' ? raw.name : '',
        path: `${join(specPath, key)}[${index}]`,
        raw,
        env,
        // Parsed on first use: the kql profile never reads it, and most rules stop before they need it.
        get command() {
          command ??= buildCommandModel(raw, env);
          return command;
        },
        securityContext: isRecord(raw.securityContext) ? raw.securityContext : {},
        volumeMounts: toMounts(raw.volumeMounts),
      };
      if (typeof raw.image === 'string') view.image = parseImageReference(raw.image);
      out.push(view);
    });
  }
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

/** The workload model of an object: its pod template, every container with its JSON path, and the raw object. */
export function buildWorkload(object: KubeObject): Workload {
  const metadata = toMeta(object.metadata);
  const templates: PodTemplateView[] = [];
  const location = extractPodTemplate(object);
  if (location) {
    const specPath = join(location.path, 'spec');
    templates.push({
      specPath,
      metadata: toMeta(location.metadata),
      spec: location.spec,
      containers: toContainers(location.spec, specPath),
      hostPathVolumes: toHostPaths(location.spec, specPath),
    });
  }
  let json: string | undefined;
  return {
    apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : '',
    kind: typeof object.kind === 'string' ? object.kind : '',
    name: metadata.name ?? metadata.generateName ?? '',
    namespace: metadata.namespace ?? '',
    metadata,
    object,
    templates,
    containers: templates.flatMap((t) => t.containers),
    get json() {
      json ??= JSON.stringify(object);
      return json;
    },
  };
}
