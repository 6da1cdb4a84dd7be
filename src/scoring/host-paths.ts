/**
 * Host path grading shared by the hostPath rules (`host-root-mount`, `container-runtime-socket`,
 * `sensitive-host-path`, `host-path`): lexical normalization of `hostPath.path`, path-prefix
 * semantics, and which containers mount a volume writable.
 *
 * Prefix semantics: a hostPath P exposes everything below it, so P "touches" a listed entry E when P
 * is E or lies inside it (`/etc/kubernetes/pki` inside `/etc`) and also when P holds it (`/var` holds
 * `/var/lib/kubelet`, `/run` holds `/run/containerd`). Segments are compared whole: `/etcd` is not
 * `/etc`, `/systemd` is not `/sys`.
 *
 * `/var/run` is a symlink to `/run` on every current distribution and the kubelet resolves hostPath
 * symlinks on the node, so `/var/run/x` and `/run/x` compare equal. Windows paths (`C:\`, named pipes
 * `\\.\pipe\docker_engine`) are compared case-insensitively with `\` separators.
 */
import type { ContainerView, HostPathVolume, PodTemplateView } from '../workload/types.js';
import { memoize, remember } from './memo.js';

/** Container runtime sockets and state directories: whoever reaches them starts containers on the node (T1610/T1611). */
export const DEFAULT_RUNTIME_SOCKETS: readonly string[] = [
  '/var/run/docker.sock',
  '/var/run/docker',
  '/var/run/dockershim.sock',
  '/var/run/cri-dockerd.sock',
  '/var/run/containerd',
  '/var/run/crio',
  '/var/run/podman',
  '/run/k3s/containerd',
  '/var/snap/microk8s/common/run',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/containers',
  '\\\\.\\pipe\\docker_engine',
  '\\\\.\\pipe\\containerd-containerd',
];

/** Sensitive even when mounted read-only: credentials (kubelet and pod tokens, etcd data, PKI, SSH keys) and host control sockets. */
export const DEFAULT_SENSITIVE_PATHS: readonly string[] = [
  '/etc',
  '/etc/kubernetes',
  '/root',
  '/home',
  '/proc',
  '/var/lib/kubelet',
  '/var/lib/etcd',
  '/var/lib/rancher',
  '/run/systemd',
  '/run/dbus',
];

/** Sensitive when a container mounts them writable: host binaries, kernel interfaces, boot files, node logs. */
export const DEFAULT_WRITABLE_SENSITIVE_PATHS: readonly string[] = [
  '/sys',
  '/dev',
  '/boot',
  '/var/log',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/opt/cni/bin',
  '/var/spool/cron',
];

/** Harmless when mounted read-only although they sit below a sensitive path: time zone, host identity, CA bundles. */
export const DEFAULT_READ_ONLY_SAFE_PATHS: readonly string[] = [
  '/etc/localtime',
  '/etc/timezone',
  '/etc/machine-id',
  '/etc/hostname',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/os-release',
  '/etc/ssl/certs',
  '/etc/pki/tls/certs',
  '/etc/pki/ca-trust/extracted',
  '/etc/ca-certificates',
];

/** Bound of the per-path caches below; cleared when full (a policy's paths and a cluster's mounts are few). */
const MEMO_LIMIT = 1024;
const WINDOWS_PATH = /^(?:\\\\|[a-zA-Z]:)/;
const WINDOWS_ROOT = /^[a-z]:\\?$/;
const PROC_ROOT_LINK = /^\/proc\/(?:\d+|self|thread-self)\/(?:root|cwd)$/;

function isWindows(path: string): boolean {
  return WINDOWS_PATH.test(path);
}

/**
 * Lexical normalization of a hostPath: `//` and `.` segments collapse, `..` is resolved (the API
 * server rejects `..`, manifests and audit logs may still carry it), the trailing `/` goes, a
 * relative path is taken from `/`. Empty input stays empty.
 * @internal
 */
export function normalizeHostPath(raw: string): string {
  const path = raw.trim();
  if (path === '') return '';
  if (isWindows(path)) {
    const lowered = path.toLowerCase().replaceAll('/', '\\');
    const head = lowered.startsWith('\\\\') ? '\\\\' : '';
    const body = lowered.slice(head.length).replace(/\\{2,}/g, '\\');
    const joined = head + body;
    return WINDOWS_ROOT.test(joined) ? joined.slice(0, 2) + '\\' : joined.replace(/\\+$/, '');
  }
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

const keys = new Map<string, string>();

/**
 * The form used for comparison: normalized, with `/var/run` folded into `/run`. Remembered per raw path (bounded).
 * @internal
 */
export function hostPathKey(raw: string): string {
  let key = keys.get(raw);
  if (key === undefined) {
    key = normalizeHostPath(raw);
    if (key === '/var/run' || key.startsWith('/var/run/')) key = key.slice('/var'.length);
    if (keys.size >= MEMO_LIMIT) keys.clear();
    keys.set(raw, key);
  }
  return key;
}

/** The node's root filesystem: `/`, `C:\`, or a `/proc/<pid>/root` magic link (bind-mounting it reaches the host root). */
export function isHostRoot(raw: string): boolean {
  const key = hostPathKey(raw);
  return key === '/' || WINDOWS_ROOT.test(key) || PROC_ROOT_LINK.test(key);
}

type PathRelation = 'inside' | 'holds';

export interface PathMatch {
  /** The list entry as written in the policy. */
  entry: string;
  /** `inside`: the hostPath is the entry or below it; `holds`: the hostPath is a directory above it. */
  relation: PathRelation;
}

interface CompiledList {
  entries: readonly { entry: string; key: string; prefix: string }[];
  /** Results by path key: the same few paths come back on every request. Bounded, cleared when full. */
  memo: Map<string, PathMatch | undefined>;
}

const compiled = new WeakMap<readonly string[], CompiledList>();

function compile(list: readonly string[]): CompiledList {
  let result = compiled.get(list);
  if (!result) {
    const entries = list
      .map((entry) => {
        const key = hostPathKey(entry);
        return { entry, key, prefix: key + (isWindows(key) ? '\\' : '/') };
      })
      .filter((e) => e.key !== '');
    result = { entries, memo: new Map() };
    compiled.set(list, result);
  }
  return result;
}

function matchKey(key: string, list: CompiledList): PathMatch | undefined {
  if (key === '') return undefined;
  if (list.memo.has(key)) return list.memo.get(key);
  let found: PathMatch | undefined;
  let holds: PathMatch | undefined;
  const prefix = key + (isWindows(key) ? '\\' : '/');
  for (const { entry, key: entryKey, prefix: entryPrefix } of list.entries) {
    if (key === entryKey || key.startsWith(entryPrefix)) {
      found = { entry, relation: 'inside' };
      break;
    }
    if (holds === undefined && (key === '/' || entryKey.startsWith(prefix)))
      holds = { entry, relation: 'holds' };
  }
  found ??= holds;
  if (list.memo.size >= MEMO_LIMIT) list.memo.clear();
  list.memo.set(key, found);
  return found;
}

/**
 * The first entry of `list` the hostPath touches, `inside` matches preferred. Lists are compiled
 * once per array (policy parameters are stable per load) and remember their answers per path.
 */
export function matchHostPath(raw: string, list: readonly string[]): PathMatch | undefined {
  return matchKey(hostPathKey(raw), compile(list));
}

/** Whether the hostPath is one of the entries or lies below one (no `holds`). */
function isInsideHostPath(raw: string, list: readonly string[]): boolean {
  return matchHostPath(raw, list)?.relation === 'inside';
}

/** One hostPath volume of a pod template and how its containers mount it. */
export interface HostPathExposure {
  volume: HostPathVolume;
  /** Lexically normalized path, for display (`//etc/` → `/etc`). */
  path: string;
  /** JSON path of the `hostPath.path` field. */
  jsonPath: string;
  /** Some container (init, regular or ephemeral) mounts it without `readOnly: true`. */
  writable: boolean;
  /** Some container mounts it at all. */
  mounted: boolean;
  /** Where it is mounted: the first writable mount, else the first mount. */
  mountPath?: string;
}

const NO_EXPOSURES: readonly HostPathExposure[] = Object.freeze([]);

/** The template's hostPath volumes with their mounts; computed once per template and shared by the rules. */
export function hostPathExposures(template: PodTemplateView): readonly HostPathExposure[] {
  if (template.hostPathVolumes.length === 0) return NO_EXPOSURES;
  return exposuresOf(template);
}

const exposuresOf = memoize((template: PodTemplateView): readonly HostPathExposure[] =>
  template.hostPathVolumes.map((volume) => {
    let writable = false;
    let mounted = false;
    let mountPath: string | undefined;
    for (const container of template.containers) {
      for (const mount of container.volumeMounts) {
        if (mount.name !== volume.name) continue;
        if (!mounted || (!mount.readOnly && !writable)) mountPath = mount.mountPath;
        mounted = true;
        if (!mount.readOnly) writable = true;
      }
    }
    return {
      volume,
      path: normalizeHostPath(volume.path),
      jsonPath: `${volume.jsonPath}.hostPath.path`,
      writable,
      mounted,
      ...(mountPath === undefined ? {} : { mountPath }),
    };
  }),
);

/** `/etc at /host/etc`, `/etc at /host/etc (read-only)`, `/etc (not mounted)`. */
export function describeExposure(exposure: HostPathExposure, match?: PathMatch): string {
  const where =
    exposure.mountPath === undefined
      ? ' (not mounted)'
      : ` at ${exposure.mountPath}${exposure.writable ? '' : ' (read-only)'}`;
  const holds = match?.relation === 'holds' ? `, holds ${match.entry}` : '';
  return `${exposure.path}${where}${holds}`;
}

export type HostPathGrade = 'root' | 'runtime' | 'sensitive' | 'plain';

export interface HostPathLists {
  sockets: readonly string[];
  paths: readonly string[];
  writablePaths: readonly string[];
  readOnlySafePaths: readonly string[];
}

const DEFAULT_HOST_PATH_LISTS: HostPathLists = {
  sockets: DEFAULT_RUNTIME_SOCKETS,
  paths: DEFAULT_SENSITIVE_PATHS,
  writablePaths: DEFAULT_WRITABLE_SENSITIVE_PATHS,
  readOnlySafePaths: DEFAULT_READ_ONLY_SAFE_PATHS,
};

/** The sensitive-path entry a hostPath touches, honouring read-only mounts; undefined when not sensitive. */
export function sensitiveMatch(
  raw: string,
  writable: boolean,
  lists: Omit<HostPathLists, 'sockets'>,
): PathMatch | undefined {
  const always = matchHostPath(raw, lists.paths);
  if (always && (writable || !isInsideHostPath(raw, lists.readOnlySafePaths))) return always;
  return writable ? matchHostPath(raw, lists.writablePaths) : undefined;
}

/** The highest grade of a hostPath: node root, runtime socket, sensitive, or plain. */
export function gradeHostPath(
  raw: string,
  writable: boolean,
  lists: HostPathLists = DEFAULT_HOST_PATH_LISTS,
): HostPathGrade {
  if (isHostRoot(raw)) return 'root';
  if (matchHostPath(raw, lists.sockets)) return 'runtime';
  if (sensitiveMatch(raw, writable, lists)) return 'sensitive';
  return 'plain';
}

/** One hostPath volume as a container sees it: `mountPath` in the container is `hostPath` on the node. */
export interface HostMount {
  /** Normalized mount path in the container, e.g. `/k8s`. */
  mountPath: string;
  /** Normalized node path it shows, `hostPath.path` joined with the mount's `subPath`, e.g. `/etc/kubernetes`. */
  hostPath: string;
}

const NO_MOUNTS: readonly HostMount[] = Object.freeze([]);

/** The container's mounts of the template's hostPath volumes (Windows paths left out), longest mount path first. */
export function hostMounts(template: PodTemplateView, container: ContainerView): readonly HostMount[] {
  if (template.hostPathVolumes.length === 0) return NO_MOUNTS;
  return remember(container, hostMounts, () => mountsOf(template, container));
}

function mountsOf(template: PodTemplateView, container: ContainerView): readonly HostMount[] {
  const mounts: HostMount[] = [];
  for (const mount of container.volumeMounts) {
    const volume = template.hostPathVolumes.find((v) => v.name === mount.name);
    if (volume === undefined || isWindows(volume.path) || isWindows(mount.mountPath)) continue;
    const mountPath = normalizeHostPath(mount.mountPath);
    const subPath = mount.subPath ?? '';
    const hostPath = normalizeHostPath(subPath === '' ? volume.path : `${volume.path}/${subPath}`);
    if (mountPath !== '' && hostPath !== '') mounts.push({ mountPath, hostPath });
  }
  return mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);
}

/**
 * The node path a container path shows through a hostPath mount (`/k8s/admin.conf` → `/etc/kubernetes/admin.conf`
 * when `/k8s` mounts `/etc/kubernetes`), or undefined when no hostPath mount holds it. The deepest mount wins,
 * as in the container's mount table. The path is taken lexically: symlinks inside the mount are not followed.
 */
export function toHostPath(path: string, mounts: readonly HostMount[]): string | undefined {
  if (!path.startsWith('/') || mounts.length === 0) return undefined;
  const normalized = normalizeHostPath(path);
  for (const { mountPath, hostPath } of mounts) {
    if (normalized === mountPath) return hostPath;
    if (mountPath === '/' || normalized.startsWith(`${mountPath}/`)) {
      const rest = mountPath === '/' ? normalized : normalized.slice(mountPath.length);
      return hostPath === '/' ? rest : hostPath + rest;
    }
  }
  return undefined;
}
