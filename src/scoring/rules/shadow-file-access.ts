/**
 * shadow-file-access — the container reads password hashes.
 * Reads: each container's execution model: files read (by any program or interpreter, through
 * hostPath mounts too) and the programs run.
 * Looks for: a read of `/etc/shadow` or `/etc/gshadow` (and their `-` backups) under any prefix
 * (`/host/etc/shadow`, `/proc/1/root/etc/shadow`) or through a mount of the node's `/etc`
 * (`/h/shadow` with `/h` mounting `/etc`); the cracking tools `unshadow` and `john`.
 * Why: T1003.008 — /etc/passwd and /etc/shadow: with the node's root mounted, its hashes are
 * offline-crackable credentials for SSH and sudo.
 * Benign look-alikes: `/etc/passwd` alone, `/etc/shadowsocks` and `shadow-utils` are not read as
 * hashes. Image hardening (`chmod 0 /etc/shadow`) reads nothing and does not fire.
 */
import { canonicalPath } from '../../workload/credential.js';
import { containerExecutions, describeInvocation, EvidenceByPath } from '../behaviour.js';
import { credentialReads } from '../credentials.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

const SHADOW = /(?:^|\/)etc\/g?shadow-?$/;
const CRACKERS = new Set(['unshadow', 'john']);

export const shadowFileAccess: Rule = {
  id: 'shadow-file-access',
  profile: 'default',
  weight: 5,
  technique: 'T1003.008',
  description: 'Container reads password hashes (/etc/shadow under any prefix or mount; unshadow, john)',
  reason: 'password hash access',
  guide: 'credential-theft',
  doc: {
    reads: 'each container’s execution model: files read (through hostPath mounts too) and programs run',
    why: 'OS credential dumping (T1003.008): the node’s hashes are offline-crackable',
    benign: '/etc/passwd alone, /etc/shadowsocks and chmod of /etc/shadow do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      for (const invocation of entry.execution.invocations) {
        if (CRACKERS.has(invocation.program))
          evidence.add(invocation.path, () => describeInvocation(invocation));
      }
      for (const read of credentialReads(entry)) {
        if (SHADOW.test(canonicalPath(read.nodePath ?? read.file)))
          evidence.add(
            read.path,
            () => quote(`reads ${read.file}`),
            read.nodePath === undefined ? undefined : 'node password hashes through a hostPath mount',
          );
      }
    }
    return evidence.list();
  },
};
