/**
 * chroot-host — the container changes its root to the node's file system and runs a command there.
 * Reads: every command of every container (argv, `sh -c` scripts, decoded payloads, hooks and
 * exec probes); the container's volumeMounts and the pod's hostPath volumes.
 * Looks for: `chroot DIR …` where DIR is the mountPath of a hostPath volume whose path is `/`
 * (the node's root), `/proc/1/root` (the node's root through hostPID), or `/host` (the
 * conventional mountPath of the node's root, also when the volume is a PV the rule cannot see).
 * Why: T1611 — escape to host: after `chroot /host bash` every command runs on the node, with its
 * binaries, kubelet credentials and container runtime.
 * Benign look-alikes: `chroot /build/rootfs …` in image builds (not a host mount: does not fire);
 * node agents (`chroot /host systemctl restart kubelet`) are privileged infrastructure and score.
 */
import { argumentPath, commandSources, describe, EvidenceByPath, normalizePath } from '../commands.js';
import type { ContainerView, PodTemplateView } from '../../workload/types.js';
import type { Rule } from '../types.js';

/** Always the node's root, whatever the volumes say. */
const HOST_ROOTS = new Set(['/host', '/proc/1/root']);

/** Mount paths where this container sees the node's root file system. */
export function hostRootMounts(template: PodTemplateView, container: ContainerView): Set<string> {
  const roots = new Set<string>();
  for (const volume of template.hostPathVolumes) {
    if (normalizePath(volume.path) !== '/') continue;
    for (const mount of container.volumeMounts) {
      if (mount.name === volume.name && (mount.subPath ?? '') === '')
        roots.add(normalizePath(mount.mountPath));
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

export const chrootHost: Rule = {
  id: 'chroot-host',
  profile: 'default',
  weight: 8,
  technique: 'T1611',
  description: 'Container chroots into the node’s root file system (a hostPath / mount, /host, /proc/1/root)',
  reason: 'chroot into the host',
  guide: 'container-escape',
  doc: {
    reads: 'container commands, volumeMounts and the pod’s hostPath volumes',
    why: 'escape to host (T1611): after chroot every command runs on the node',
    benign: 'chroot into a build rootfs is not a host mount and does not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    // Computed per container at its first chroot: most workloads run none.
    let roots: Map<ContainerView, Set<string>> | undefined;
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        if (site.command.program !== 'chroot') continue;
        const directory = chrootDirectory(site.command.argv);
        if (directory === undefined) continue;
        roots ??= new Map();
        let mounts = roots.get(source.container);
        if (mounts === undefined) {
          mounts = hostRootMounts(source.template, source.container);
          roots.set(source.container, mounts);
        }
        const normalized = normalizePath(directory);
        if (mounts.has(normalized) || HOST_ROOTS.has(normalized)) {
          evidence.add(argumentPath(site, site.command.argv.indexOf(directory)), () =>
            describe(site.command),
          );
        }
      }
    }
    return evidence.list();
  },
};
