/**
 * host-escape-write — the container writes a file the node's kernel or kubelet acts on.
 * Reads: each container's execution model: files written (redirections, `tee`, `cp`, interpreters'
 * file writes), with paths followed through the container's hostPath mounts.
 * Looks for: `/proc/sys/kernel/core_pattern` (a `|program` there runs as root on the node at the
 * next crash), a cgroup `release_agent` or `notify_on_release` (runs a program on the node when the
 * cgroup empties), `/proc/sys/kernel/modprobe` and `/sys/kernel/uevent_helper` (run by the kernel),
 * `/proc/sysrq-trigger`; and a static pod manifest dropped on the node (`/etc/kubernetes/manifests/`,
 * any file there starts a pod the API server did not admit), a node crontab or systemd unit, or
 * `authorized_keys` of a node user — written through a hostPath mount or a prefix that shows the
 * node (`/host/…`, `/proc/1/root/…`).
 * Why: T1611 — escape to host: each of these makes the node run the attacker's program as root,
 * outside the pod and every admission check.
 * Benign look-alikes: tuning jobs write other sysctls (`vm.max_map_count` for Elasticsearch) and do
 * not fire; a container's own `/etc/cron.d` (not through a host mount) does not fire.
 */
import { canonicalPath } from '../../workload/credential.js';
import { actionsOf, containerExecutions, EvidenceByPath, nodePathOf } from '../behaviour.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

/** Kernel files whose content the kernel runs: escapes from any privileged container, mount or not. */
const KERNEL_HOOKS =
  /(?:^|\/)proc\/sys\/kernel\/(?:core_pattern|modprobe)$|(?:^|\/)sys\/kernel\/uevent_helper$|\/(?:release_agent|notify_on_release)$|(?:^|\/)proc\/sysrq-trigger$/;
/** Node files that start programs when written: static pods, cron, systemd units, SSH keys. */
const NODE_STARTERS =
  /^\/etc\/kubernetes\/manifests\/[^/]+$|^\/etc\/(?:crontab|cron\.d\/[^/]+|cron\.(?:hourly|daily)\/[^/]+)$|^\/var\/spool\/cron\/|^\/etc\/systemd\/system\/[^/]+$|^\/(?:root|home\/[^/]+)\/\.ssh\/authorized_keys$|^\/etc\/ld\.so\.preload$/;
/** Prefixes under which a container sees the node's root without a mount the rule can read. */
const NODE_PREFIX = /^\/(?:host|rootfs|node|proc\/1\/root)(?=\/)/;

export const hostEscapeWrite: Rule = {
  id: 'host-escape-write',
  profile: 'default',
  weight: 9,
  technique: 'T1611',
  description:
    'Container writes a file the node acts on (core_pattern, release_agent, a static pod manifest, node cron, authorized_keys)',
  reason: 'writes a host escape file',
  guide: 'container-escape',
  doc: {
    reads: 'each container’s execution model: files written, through hostPath mounts',
    why: 'escape to host (T1611): the kernel or the kubelet runs what the file names, as root on the node',
    benign: 'other sysctls (vm.max_map_count) and a container’s own cron files do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const entry of containerExecutions(workload)) {
      for (const written of actionsOf(entry.execution, 'write')) {
        const file = written.file.text;
        if (!file.startsWith('/')) continue;
        const canonical = canonicalPath(file);
        const nodePath =
          nodePathOf(entry, file) ??
          (NODE_PREFIX.test(canonical) ? canonical.replace(NODE_PREFIX, '') : undefined);
        if (KERNEL_HOOKS.test(canonical)) {
          evidence.add(written.path, () => quote(`writes ${file}`), 'writes a kernel hook the node runs');
        } else if (nodePath !== undefined && NODE_STARTERS.test(canonicalPath(nodePath))) {
          evidence.add(
            written.path,
            () => quote(`writes ${file} (the node's ${nodePath})`),
            'writes a file the node runs',
          );
        }
      }
    }
    return evidence.list();
  },
};
