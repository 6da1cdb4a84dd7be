/**
 * host-pid — the pod shares the node's process namespace (`spec.hostPID: true`).
 * Reads: `spec.hostPID` of every pod template; only the literal `true` counts.
 * Why: every host process becomes visible (command lines often carry secrets) and signalable; with
 * CAP_SYS_PTRACE or privileged, `nsenter -t 1` enters the host's namespaces — the classic escape
 * (T1611).
 * Benign look-alikes: CIS benchmark scanners (kube-bench), node debuggers and agents; they also show
 * read-only host mounts, which together reach warn, not deny.
 */
import type { Evidence, Rule } from '../types.js';

export const hostPid: Rule = {
  id: 'host-pid',
  profile: 'default',
  weight: 3,
  technique: 'T1611',
  description: 'Pod uses the node process namespace (spec.hostPID: true)',
  reason: 'host PID namespace',
  guide: 'host-access',
  hint: 'remove hostPID',
  doc: {
    reads: 'spec.hostPID of every pod template',
    why: 'host processes visible and reachable; nsenter into PID 1 escapes with privileges',
    benign: 'kube-bench and node agents; alone it stays below warn',
  },
  check(workload): Evidence[] {
    return workload.templates
      .filter((t) => t.spec.hostPID === true)
      .map((t) => ({ path: `${t.specPath}.hostPID`, detail: 'hostPID: true' }));
  },
};
