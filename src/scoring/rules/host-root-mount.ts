/**
 * host-root-mount — a hostPath volume of the node's root filesystem: `/` (also written `//`, `/.`,
 * `/x/..`), a Windows drive root `C:\`, or a `/proc/<pid>/root` link (bind-mounting it reaches the
 * host root). Typically mounted at `/host` and entered with `chroot /host`.
 * Reads: `spec.volumes[*].hostPath.path` of every pod template, and the mounts that use it.
 * Why: the whole node: kubelet credentials, every pod's secrets under /var/lib/kubelet, SSH keys,
 * cron and systemd units to write; read-only it still hands over every credential (T1611).
 * Strong alone: weight 8 reaches deny.
 * Benign look-alikes: node exporters and security agents mount `/` read-only as DaemonSets; as a
 * CronJob or Job it is rare, and an exemption names the tool. Mounting only a subdirectory is
 * graded by `container-runtime-socket`, `sensitive-host-path` or `host-path` instead.
 */
import { describeExposure, hostPathExposures, isHostRoot } from '../host-paths.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

export const hostRootMount: Rule = {
  id: 'host-root-mount',
  profile: 'default',
  weight: 8,
  technique: 'T1611',
  description: 'hostPath volume of the node root filesystem (/)',
  reason: 'host root filesystem mounted',
  guide: 'container-escape',
  hint: 'do not mount the node root filesystem',
  doc: {
    reads: 'spec.volumes[*].hostPath.path and the volumeMounts using it',
    why: 'the whole node filesystem: chroot into it, write cron or systemd units, read every credential',
    benign: 'node exporters and security agents (DaemonSets, read-only); rare in CronJobs',
  },
  check(workload): Evidence[] {
    const evidence: Evidence[] = [];
    for (const template of workload.templates)
      for (const exposure of hostPathExposures(template))
        if (isHostRoot(exposure.volume.path))
          evidence.push({ path: exposure.jsonPath, detail: quote(describeExposure(exposure)) });
    return evidence;
  },
};
