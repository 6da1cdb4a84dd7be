/**
 * host-ipc — the pod shares the node's IPC namespace (`spec.hostIPC: true`).
 * Reads: `spec.hostIPC` of every pod template; only the literal `true` counts.
 * Why: host System V shared memory and POSIX message queues become readable and writable, so data
 * of host processes leaks and they can be tampered with (T1611, leaving an isolation boundary).
 * Benign look-alikes: rare; some HPC and database sidecars sharing memory with host daemons.
 */
import type { Evidence, Rule } from '../types.js';

export const hostIpc: Rule = {
  id: 'host-ipc',
  profile: 'default',
  weight: 2,
  technique: 'T1611',
  description: 'Pod uses the node IPC namespace (spec.hostIPC: true)',
  reason: 'host IPC namespace',
  guide: 'host-access',
  hint: 'remove hostIPC',
  doc: {
    reads: 'spec.hostIPC of every pod template',
    why: 'host shared memory and message queues readable and writable',
    benign: 'rare: HPC or database helpers sharing memory with host daemons',
  },
  check(workload): Evidence[] {
    return workload.templates
      .filter((t) => t.spec.hostIPC === true)
      .map((t) => ({ path: `${t.specPath}.hostIPC`, detail: 'hostIPC: true' }));
  },
};
