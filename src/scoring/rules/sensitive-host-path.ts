/**
 * sensitive-host-path — a hostPath volume exposes a sensitive part of the node.
 * Reads: `spec.volumes[*].hostPath.path` of every pod template and whether any container mounts the
 * volume writable (`readOnly` not true).
 * Path semantics: whole segments (`/etcd` is not `/etc`, `/systemd` is not `/sys`); a hostPath inside
 * a listed path (`/etc/kubernetes/pki`) and one holding it (`/var` holds `/var/lib/kubelet`) both
 * count; `//`, trailing `/` and `..` are normalized away.
 * Two lists, because read-only changes the risk for some paths and not for others:
 * - `paths` count however mounted: reading them is already credential access (kubelet and pod
 *   tokens in /var/lib/kubelet, etcd data, /etc/kubernetes PKI and admin.conf, /etc/shadow, SSH keys
 *   in /root and /home, command lines of every host process in /proc) or they are host control
 *   sockets (/run/systemd, /run/dbus: a read-only mount still connects).
 * - `writablePaths` count only when mounted writable: writing host binaries (/usr, /bin, /lib),
 *   kernel interfaces (/sys: uevent_helper; /dev), /boot, CNI plugins, host cron, and /var/log (a
 *   writable log directory lets the pod plant symlinks that the kubelet follows when serving logs:
 *   host file read). Read-only they are information only and fall to `host-path` (weight 1).
 * `readOnlySafePaths` (time zone, host name, CA bundles under /etc) are not sensitive when mounted
 * read-only. The finding's detail says where the volume is mounted and whether read-only.
 * Why: credential access and escape to the node (T1611).
 * Benign look-alikes: CIS scanners and etcd backups (read-only /etc/kubernetes, /var/lib/etcd), log
 * clean-up on writable /var/log: weight 4 makes them warn, which is what privileged infrastructure
 * should do; `/etc/localtime` and CA bundle mounts stay weight 1.
 */
import { z } from 'zod';
import {
  DEFAULT_READ_ONLY_SAFE_PATHS,
  DEFAULT_SENSITIVE_PATHS,
  DEFAULT_WRITABLE_SENSITIVE_PATHS,
  describeExposure,
  hostPathExposures,
  isHostRoot,
  sensitiveMatch,
} from '../host-paths.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

export interface SensitiveHostPathParams {
  /** Sensitive however mounted. */
  paths: string[];
  /** Sensitive when some container mounts them writable. */
  writablePaths: string[];
  /** Not sensitive when every mount is read-only, even below `paths`. */
  readOnlySafePaths: string[];
}

const pathList = z.array(z.string().min(1));

export const sensitiveHostPath: Rule<SensitiveHostPathParams> = {
  id: 'sensitive-host-path',
  profile: 'default',
  weight: 4,
  technique: 'T1611',
  description: 'hostPath volume exposes a sensitive node path (/etc, /proc, /var/lib/kubelet, …)',
  reason: 'sensitive hostPath',
  guide: 'host-access',
  hint: 'do not mount node system paths',
  doc: {
    reads: 'spec.volumes[*].hostPath.path and whether a container mounts it writable',
    why: 'node credentials (kubelet, etcd, PKI, SSH keys) and writable host binaries or kernel interfaces',
    benign: 'CIS scanners, etcd backups and log clean-up warn; time zone and CA bundle mounts do not count',
  },
  params: {
    schema: z.object({ paths: pathList, writablePaths: pathList, readOnlySafePaths: pathList }).strict(),
    defaults: {
      paths: [...DEFAULT_SENSITIVE_PATHS],
      writablePaths: [...DEFAULT_WRITABLE_SENSITIVE_PATHS],
      readOnlySafePaths: [...DEFAULT_READ_ONLY_SAFE_PATHS],
    },
  },
  check(workload, params): Evidence[] {
    const evidence: Evidence[] = [];
    for (const template of workload.templates) {
      for (const exposure of hostPathExposures(template)) {
        if (isHostRoot(exposure.volume.path)) continue;
        const match = sensitiveMatch(exposure.volume.path, exposure.writable, params);
        if (match)
          evidence.push({ path: exposure.jsonPath, detail: quote(describeExposure(exposure, match)) });
      }
    }
    return evidence;
  },
};
