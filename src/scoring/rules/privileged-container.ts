/**
 * privileged-container — a container runs privileged: `securityContext.privileged: true`, or a
 * Windows HostProcess container (`windowsOptions.hostProcess: true`, pod or container level).
 * Reads: `securityContext` of every container (init, regular, ephemeral) and the pod's
 * `spec.securityContext.windowsOptions`; only the literal `true` counts (the seed query fired on the
 * word, so `privileged: false` scored too).
 * Why: a privileged container has every capability and every host device: mounting the node's disk,
 * loading a kernel module or a cgroup `release_agent` is a one-line escape (T1611). A HostProcess
 * container runs directly on the Windows node.
 * Benign look-alikes: node agents, CSI drivers, image pruners; they are rare as CronJobs and an
 * exemption names them.
 */
import { isRecord } from '../../workload/template.js';
import type { ContainerView } from '../../workload/types.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

function label(container: ContainerView): string {
  return quote(`${container.kind === 'regular' ? '' : `${container.kind} `}container ${container.name}`);
}

function isHostProcess(securityContext: unknown): boolean {
  return (
    isRecord(securityContext) &&
    isRecord(securityContext.windowsOptions) &&
    securityContext.windowsOptions.hostProcess === true
  );
}

export const privilegedContainer: Rule = {
  id: 'privileged-container',
  profile: 'default',
  weight: 5,
  technique: 'T1611',
  description: 'Container runs privileged (securityContext.privileged or Windows hostProcess)',
  reason: 'privileged container',
  guide: 'container-escape',
  hint: 'set securityContext.privileged=false',
  doc: {
    reads: 'securityContext.privileged and windowsOptions.hostProcess of every container and the pod',
    why: 'all capabilities and host devices: mounting the node disk or loading a module escapes',
    benign: 'node agents, CSI drivers and image pruners; exempt them by name or image',
  },
  check(workload): Evidence[] {
    const evidence: Evidence[] = [];
    for (const template of workload.templates) {
      if (isHostProcess(template.spec.securityContext))
        evidence.push({
          path: `${template.specPath}.securityContext.windowsOptions.hostProcess`,
          detail: 'pod hostProcess: true',
          reason: 'Windows HostProcess pod',
        });
      for (const container of template.containers) {
        if (container.securityContext.privileged === true)
          evidence.push({ path: `${container.path}.securityContext.privileged`, detail: label(container) });
        if (isHostProcess(container.securityContext))
          evidence.push({
            path: `${container.path}.securityContext.windowsOptions.hostProcess`,
            detail: label(container),
            reason: 'Windows HostProcess container',
          });
      }
    }
    return evidence;
  },
};

/** Whether any container of the template runs privileged (used by `privileged-host-pid`). */
export function hasPrivilegedContainer(containers: readonly ContainerView[]): ContainerView | undefined {
  return containers.find((c) => c.securityContext.privileged === true);
}
