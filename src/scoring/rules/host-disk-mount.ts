/**
 * host-disk-mount — the container mounts or reads a node's block device.
 * Reads: each container's execution model (every program run and its arguments); the pod's
 * hostPath volumes.
 * Looks for: `mount` of a disk device (`/dev/sd*`, `/dev/nvme*`, `/dev/xvd*`, `/dev/vd*`, `/dev/hd*`,
 * `/dev/dm-*`, `/dev/mapper/*`, `/dev/disk/…`, `/dev/root`), raw-disk tools on such a device
 * (`debugfs`, `dd if=/dev/sda`), and hostPath volumes of type `BlockDevice` or whose path is one of
 * those devices.
 * Why: T1611 — a privileged container can mount the node's disk and read or write its files
 * (kubelet credentials, `/etc/shadow`, cron) without any hostPath mount of a directory.
 * Benign look-alikes: `mount -t tmpfs`, NFS and bind mounts (no disk device); storage and CSI node
 * plugins are privileged infrastructure and expected to score.
 */
import { containerExecutions, describeInvocation, EvidenceByPath } from '../behaviour.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

const DISK_DEVICE =
  /^\/dev\/(?:sd[a-z]|nvme\d|xvd[a-z]|vd[a-z]|hd[a-z]|dm-\d|mapper\/.|disk\/.|root$|mmcblk\d)/;
const DISK_TOOLS = new Set(['mount', 'debugfs', 'dd', 'fsck', 'e2fsck', 'xfs_db', 'mkfs', 'fdisk', 'parted']);

/** Whether a word names a disk device: `/dev/sda1`, `if=/dev/nvme0n1`. */
function isDiskDevice(word: string): boolean {
  return DISK_DEVICE.test(word.startsWith('if=') || word.startsWith('of=') ? word.slice(3) : word);
}

export const hostDiskMount: Rule = {
  id: 'host-disk-mount',
  profile: 'default',
  weight: 6,
  technique: 'T1611',
  description:
    'Container mounts or reads a node disk device (mount /dev/sda1, debugfs, BlockDevice hostPath)',
  reason: 'node disk device access',
  guide: 'container-escape',
  hint: 'do not mount node disk devices',
  doc: {
    reads: 'each container’s execution model (programs and arguments); hostPath volumes (type and path)',
    why: 'escape to host (T1611): the node’s disk holds its credentials and configuration',
    benign: 'tmpfs, NFS and bind mounts name no disk device and do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const template of workload.templates) {
      for (const volume of template.hostPathVolumes) {
        if (volume.type === 'BlockDevice' || isDiskDevice(volume.path)) {
          evidence.add(`${volume.jsonPath}.hostPath.path`, `hostPath ${quote(volume.path, 40)}`);
        }
      }
    }
    for (const { execution } of containerExecutions(workload)) {
      for (const invocation of execution.invocations) {
        const { program } = invocation;
        if (!DISK_TOOLS.has(program) && !program.startsWith('mkfs.')) continue;
        if (invocation.words.slice(1).some(isDiskDevice))
          evidence.add(invocation.path, () => describeInvocation(invocation));
      }
    }
    return evidence.list();
  },
};
