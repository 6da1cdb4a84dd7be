/**
 * shadow-file-access — a command touches password hashes.
 * Reads: every command of every container (arguments and redirections, in argv, `sh -c`
 * scripts, substitutions, decoded payloads, hooks and exec probes).
 * Looks for: any path ending in `etc/shadow` or `etc/gshadow` (and their `-` backups):
 * `/etc/shadow`, `/host/etc/shadow`, `/proc/1/root/etc/shadow`; the cracking tools `unshadow` and
 * `john`. A command path is followed through the container's hostPath mounts: `cat /h/shadow` with
 * `/h` mounting the node's `/etc` reads the node's hashes.
 * Why: T1003.008 — /etc/passwd and /etc/shadow: with the node's root mounted, its hashes are
 * offline-crackable credentials for SSH and sudo.
 * Benign look-alikes: `/etc/shadowsocks`, `shadow-utils` and `/etc/passwd` alone do not match.
 * Image hardening steps (`chmod 0 /etc/shadow`) do, but belong in a Dockerfile, not a Job.
 */
import {
  commandSources,
  describe,
  EvidenceByPath,
  findMentionedWord,
  mentionedHostPaths,
} from '../commands.js';
import type { Rule } from '../types.js';

const SHADOW = /etc\/g?shadow-?(?![\w.-])/;
const CRACKERS = new Set(['unshadow', 'john']);

function isShadowFile(path: string): boolean {
  return SHADOW.test(path);
}

export const shadowFileAccess: Rule = {
  id: 'shadow-file-access',
  profile: 'default',
  weight: 5,
  technique: 'T1003.008',
  description: 'A command reads password hashes (/etc/shadow, /host/etc/shadow, unshadow, john)',
  reason: 'password hash access',
  guide: 'credential-theft',
  doc: {
    reads: 'container commands (arguments and redirections)',
    why: 'OS credential dumping (T1003.008): the node’s hashes are offline-crackable',
    benign: '/etc/passwd alone, /etc/shadowsocks and shadow-utils do not match',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const source of commandSources(workload)) {
      for (const site of source.sites) {
        if (CRACKERS.has(site.command.program)) {
          evidence.add(site.path, () => describe(site.command));
          continue;
        }
        const shadow = findMentionedWord(site, isShadowFile);
        if (shadow !== undefined) evidence.add(shadow.path, () => describe(site.command));
        for (const { hostPath, path } of mentionedHostPaths(site)) {
          if (SHADOW.test(hostPath)) {
            evidence.add(path, () => describe(site.command), 'node password hashes through a hostPath mount');
            break;
          }
        }
      }
    }
    return evidence.list();
  },
};
