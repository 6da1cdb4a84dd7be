/**
 * Builds the execution model of every container of a pod template: what each runs (its command
 * and args with the image's entrypoint, its lifecycle hooks and exec probes), with the environment
 * Kubernetes gives it (literal values, `$(VAR)` references, Secret references as credentials) and
 * one file system shared in the order the kubelet runs them (init containers first), so a file an
 * init container downloads is known when the main container runs it.
 */
import type { Budget, Value } from './action.js';
import { canonicalPath, type MountedCredential } from './credential.js';
import { analyzeCode } from './code/analyze.js';
import { execute, newPodState, type Entry } from './execution.js';
import type { Execution, Site } from './model.js';
import { isRecord } from './template.js';
import type { ContainerView, ImageReference } from './types.js';
import { concat, literal, unknown } from './value.js';

/**
 * ENTRYPOINTs of images commonly given only `args` (the args are the entrypoint's arguments).
 * Facts from each image's published Dockerfile; an image not listed runs its args as argv.
 */
const ENTRYPOINTS: Readonly<Record<string, readonly string[]>> = {
  'alpine/socat': ['socat'],
  'alpine/curl': ['curl'],
  'curlimages/curl': ['curl'],
  'appropriate/curl': ['curl'],
  'bitnami/kubectl': ['kubectl'],
  'rancher/kubectl': ['kubectl'],
  'alpine/k8s': [],
  'subfuzion/netcat': ['nc'],
  'alpine/git': ['git'],
  'amazon/aws-cli': ['aws'],
  'mcr.microsoft.com/azure-cli': [],
  'minio/mc': ['mc'],
  'bitnami/git': [],
  'metal3d/xmrig': ['xmrig'],
  'miningcontainers/xmrig': ['xmrig'],
};

function entrypointOf(image: ImageReference | undefined): readonly string[] | undefined {
  if (image === undefined) return undefined;
  const repository = image.repository.replace(/^library\//, '');
  const withRegistry = `${image.registry}/${repository}`;
  return ENTRYPOINTS[repository] ?? ENTRYPOINTS[withRegistry];
}

/** `$(VAR)` references in command/args/env values, as the kubelet expands them (`$$` escapes). */
function expandReferences(text: string, env: ReadonlyMap<string, Value>): Value {
  if (!text.includes('$(')) return literal(text);
  const parts: Value[] = [];
  let last = 0;
  const pattern = /\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    parts.push(literal(text.slice(last, match.index)));
    if (match[0] === '$$') parts.push(literal('$'));
    else {
      const value = env.get(match[1] ?? '');
      parts.push(value ?? literal(match[0]));
    }
    last = match.index + match[0].length;
  }
  parts.push(literal(text.slice(last)));
  return concat(parts);
}

function stringsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
}

/** The container's environment as its processes see it. */
function environmentOf(raw: Record<string, unknown>): Map<string, Value> {
  const env = new Map<string, Value>();
  const list = Array.isArray(raw.env) ? (raw.env as unknown[]) : [];
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== 'string') continue;
    const name = item.name;
    if (typeof item.value === 'string') {
      env.set(name, expandReferences(item.value, env));
      continue;
    }
    const from = isRecord(item.valueFrom) ? item.valueFrom : {};
    const secret = isRecord(from.secretKeyRef) ? from.secretKeyRef : undefined;
    if (secret !== undefined) {
      const source = `secret ${typeof secret.name === 'string' ? secret.name : '?'}/${typeof secret.key === 'string' ? secret.key : '?'}`;
      env.set(name, unknown(`$${name}`, [{ kind: 'credential', credential: 'secret', source }]));
    } else {
      env.set(name, unknown(`$${name}`, [{ kind: 'env', name }]));
    }
  }
  return env;
}

/** Credential files the pod mounts: projected service-account tokens and Secret volumes. */
function mountedCredentials(
  spec: Record<string, unknown>,
  containers: readonly ContainerView[],
): MountedCredential[] {
  const volumes = Array.isArray(spec.volumes) ? (spec.volumes as unknown[]) : [];
  const kinds = new Map<string, MountedCredential['credential']>();
  for (const volume of volumes) {
    if (!isRecord(volume) || typeof volume.name !== 'string') continue;
    if (isRecord(volume.secret)) kinds.set(volume.name, 'secret');
    const projected =
      isRecord(volume.projected) && Array.isArray(volume.projected.sources)
        ? (volume.projected.sources as unknown[])
        : [];
    for (const source of projected) {
      if (isRecord(source) && isRecord(source.serviceAccountToken))
        kinds.set(volume.name, 'service-account-token');
      else if (isRecord(source) && isRecord(source.secret) && !kinds.has(volume.name))
        kinds.set(volume.name, 'secret');
    }
  }
  const mounts: MountedCredential[] = [];
  for (const container of containers) {
    for (const mount of container.volumeMounts) {
      const credential = kinds.get(mount.name);
      if (credential === undefined || mount.mountPath === '') continue;
      const path = canonicalPath(mount.subPath === undefined ? mount.mountPath : mount.mountPath);
      if (!mounts.some((m) => m.path === path)) mounts.push({ path, credential });
    }
  }
  return mounts;
}

function entry(
  values: readonly string[],
  env: ReadonlyMap<string, Value>,
  paths: readonly string[],
  site: Site,
  path: string,
): Entry {
  return {
    argv: values.map((text, k) => ({ value: expandReferences(text, env), path: paths[k] ?? path })),
    site,
    path,
  };
}

/** Every piece of code a container runs. */
function entriesOf(container: ContainerView, env: ReadonlyMap<string, Value>): Entry[] {
  const raw = container.raw;
  const entries: Entry[] = [];
  const command = stringsOf(raw.command);
  const args = stringsOf(raw.args) ?? [];
  if (command !== undefined && command.length > 0) {
    const paths = command.map((_, k) => `${container.path}.command[${k}]`);
    for (let k = 0; k < args.length; k++) paths.push(`${container.path}.args[${k}]`);
    entries.push(entry(command.concat(args), env, paths, 'command', container.path));
  } else if (args.length > 0) {
    // An unknown image given options only: its entrypoint takes them; name it after the image.
    const known = entrypointOf(container.image);
    const entrypoint =
      known ??
      (args[0]?.startsWith('-') === true && container.image !== undefined ? [container.image.name] : []);
    const paths = entrypoint.map(() => container.path);
    for (let k = 0; k < args.length; k++) paths.push(`${container.path}.args[${k}]`);
    entries.push(entry(entrypoint.concat(args), env, paths, 'command', container.path));
  }
  const lifecycle = isRecord(raw.lifecycle) ? raw.lifecycle : undefined;
  for (const hook of ['postStart', 'preStop']) {
    const handler = lifecycle?.[hook];
    const exec = isRecord(handler) && isRecord(handler.exec) ? stringsOf(handler.exec.command) : undefined;
    if (exec !== undefined && exec.length > 0) {
      const path = `${container.path}.lifecycle.${hook}.exec.command`;
      entries.push(
        entry(
          exec,
          env,
          exec.map((_, k) => `${path}[${k}]`),
          'lifecycle',
          path,
        ),
      );
    }
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const handler = raw[probe];
    const exec = isRecord(handler) && isRecord(handler.exec) ? stringsOf(handler.exec.command) : undefined;
    if (exec !== undefined && exec.length > 0) {
      const path = `${container.path}.${probe}.exec.command`;
      entries.push(
        entry(
          exec,
          env,
          exec.map((_, k) => `${path}[${k}]`),
          'probe',
          path,
        ),
      );
    }
  }
  return entries;
}

/** Container paths backed by a node path (hostPath volumes). */
function hostMountsOf(
  spec: Record<string, unknown>,
  containers: readonly ContainerView[],
): { mountPath: string; hostPath: string }[] {
  const volumes = Array.isArray(spec.volumes) ? (spec.volumes as unknown[]) : [];
  const hostPaths = new Map<string, string>();
  for (const volume of volumes) {
    if (
      isRecord(volume) &&
      typeof volume.name === 'string' &&
      isRecord(volume.hostPath) &&
      typeof volume.hostPath.path === 'string'
    ) {
      hostPaths.set(volume.name, volume.hostPath.path);
    }
  }
  const out: { mountPath: string; hostPath: string }[] = [];
  for (const container of containers) {
    for (const mount of container.volumeMounts) {
      const hostPath = hostPaths.get(mount.name);
      if (hostPath === undefined || mount.mountPath === '') continue;
      out.push({
        mountPath: canonicalPath(mount.mountPath),
        hostPath: canonicalPath(mount.subPath === undefined ? hostPath : `${hostPath}/${mount.subPath}`),
      });
    }
  }
  return out;
}

/** The execution model of every container of one pod template, computed once, in kubelet order. */
export function executePod(
  spec: Record<string, unknown>,
  containers: readonly ContainerView[],
  budget?: Budget,
): Map<ContainerView, Execution> {
  const pod = newPodState(
    mountedCredentials(spec, containers),
    analyzeCode,
    hostMountsOf(spec, containers),
    budget,
  );
  const out = new Map<ContainerView, Execution>();
  for (const container of containers) {
    const env = environmentOf(container.raw);
    out.set(container, execute(entriesOf(container, env), env, pod));
  }
  return out;
}
