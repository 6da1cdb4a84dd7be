/**
 * chroot-host — the container changes its root to the node's file system and runs a command there.
 * Reads: each container's execution model (every program run and the launchers unwrapped to reach
 * it: `chroot /host bash -c …` runs `bash` with `chroot /host` as its launcher); the container's
 * volumeMounts and the pod's hostPath volumes.
 * Looks for: `chroot DIR …` where DIR is the mountPath of a hostPath volume whose path is `/`
 * (the node's root), `/proc/1/root` (the node's root through hostPID), or `/host` (the
 * conventional mountPath of the node's root, also when the volume is a PV the rule cannot see).
 * Why: T1611 — escape to host: after `chroot /host bash` every command runs on the node, with its
 * binaries, kubelet credentials and container runtime.
 * Benign look-alikes: `chroot /build/rootfs …` in image builds (not a host mount: does not fire);
 * node agents (`chroot /host systemctl restart kubelet`) are privileged infrastructure and score.
 */
import { canonicalPath } from '../../workload/credential.js';
import type { Invocation } from '../../workload/model.js';
import type { ContainerView, PodTemplateView } from '../../workload/types.js';
import { containerExecutions, describeInvocation, EvidenceByPath } from '../behaviour.js';
import type { Rule } from '../types.js';

/** Always the node's root, whatever the volumes say. */
const HOST_ROOTS = new Set(['/host', '/proc/1/root']);

/** Mount paths where this container sees the node's root file system. */
function hostRootMounts(template: PodTemplateView, container: ContainerView): Set<string> {
  const roots = new Set<string>();
  for (const volume of template.hostPathVolumes) {
    if (canonicalPath(volume.path) !== '/') continue;
    for (const mount of container.volumeMounts) {
      if (mount.name === volume.name && (mount.subPath ?? '') === '')
        roots.add(canonicalPath(mount.mountPath));
    }
  }
  return roots;
}

/** The directory operand of a `chroot` argv (options `--userspec=…`, `--groups=…`, `--skip-chdir` skipped). */
function chrootDirectory(argv: readonly string[]): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return argv[i + 1];
    if (arg === '--userspec' || arg === '--groups') {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The chroot directories of an invocation: as the program (`chroot /host` runs a shell) or as a launcher. */
function chrootDirectories(invocation: Invocation): string[] {
  const directories: string[] = [];
  const lines = invocation.launchers.map((launcher) => launcher.split(/\s+/));
  if (invocation.program === 'chroot') lines.push([...invocation.words]);
  for (const words of lines) {
    const first = words[0] ?? '';
    if (first.slice(first.lastIndexOf('/') + 1) !== 'chroot') continue;
    const directory = chrootDirectory(words);
    if (directory !== undefined) directories.push(directory);
  }
  return directories;
}

export const chrootHost: Rule = {
  id: 'chroot-host',
  profile: 'default',
  weight: 8,
  technique: 'T1611',
  description: 'Container chroots into the node’s root file system (a hostPath / mount, /host, /proc/1/root)',
  reason: 'chroot into the host',
  guide: 'container-escape',
  doc: {
    reads: 'each container’s execution model (programs and launchers), volumeMounts and hostPath volumes',
    why: 'escape to host (T1611): after chroot every command runs on the node',
    benign: 'chroot into a build rootfs is not a host mount and does not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { container, template, execution } of containerExecutions(workload)) {
      let mounts: Set<string> | undefined;
      for (const invocation of execution.invocations) {
        for (const directory of chrootDirectories(invocation)) {
          mounts ??= hostRootMounts(template, container);
          const normalized = canonicalPath(directory);
          if (mounts.has(normalized) || HOST_ROOTS.has(normalized))
            evidence.add(invocation.path, () => describeInvocation(invocation));
        }
      }
    }
    return evidence.list();
  },
};
