/**
 * privileged-host-pid — a privileged container in a pod that shares the host PID namespace: the
 * `nsenter --target 1 --mount --uts --ipc --net --pid` setup that gives a root shell on the node
 * (T1611). A combination bonus on top of `privileged-container` and `host-pid`.
 * Reads: `spec.hostPID` of every pod template and `securityContext.privileged` of its containers.
 * Why: together they need no exploit at all: PID 1 of the host is one `nsenter` away.
 * Benign look-alikes: node maintenance DaemonSets (kured, node-shell, debug pods) do exactly this;
 * as a CronJob it is rare, and an exemption names the tool.
 */
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';
import { hasPrivilegedContainer } from './privileged-container.js';

export const privilegedHostPid: Rule = {
  id: 'privileged-host-pid',
  profile: 'default',
  weight: 2,
  technique: 'T1611',
  description: 'Privileged container with the host PID namespace (nsenter escape setup)',
  reason: 'privileged container with host PID',
  guide: 'container-escape',
  hint: 'remove hostPID and securityContext.privileged',
  doc: {
    reads: 'spec.hostPID and securityContext.privileged of every container',
    why: 'nsenter into PID 1 gives a root shell on the node without any exploit',
    benign: 'node maintenance tools (kured, node-shell); rare as CronJobs',
  },
  check(workload): Evidence[] {
    const evidence: Evidence[] = [];
    for (const template of workload.templates) {
      if (template.spec.hostPID !== true) continue;
      const privileged = hasPrivilegedContainer(template.containers);
      if (privileged)
        evidence.push({
          path: `${template.specPath}.hostPID`,
          detail: quote(`privileged container ${privileged.name}`),
        });
    }
    return evidence;
  },
};
