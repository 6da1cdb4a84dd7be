/**
 * host-path — a hostPath volume that no stronger hostPath rule grades: read-only `/var/log`,
 * `/lib/modules`, `/etc/localtime`, or any other node directory (`/tmp`, `/data`, `/mnt/disks`).
 * Reads: `spec.volumes[*].hostPath.path` of every pod template and whether a container mounts it
 * writable.
 * "Stronger" is judged with the built-in lists of `host-root-mount`, `container-runtime-socket` and
 * `sensitive-host-path` (a rule cannot see another rule's policy parameters): a path a policy adds
 * to `sensitive-host-path.paths` reports here too (weight 1, harmless); a path a policy removes
 * from the built-in lists reports nowhere, which is what removing it means.
 * Why: any hostPath breaks the pod's filesystem isolation (Pod Security baseline forbids them all);
 * alone it is weak context (T1611).
 * Benign look-alikes: log shippers, node exporters, local-storage jobs; weight 1 never warns alone.
 */
import { describeExposure, gradeHostPath, hostPathExposures } from '../host-paths.js';
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

export const hostPath: Rule = {
  id: 'host-path',
  profile: 'default',
  weight: 1,
  technique: 'T1611',
  description: 'hostPath volume of a non-sensitive node path',
  reason: 'hostPath volume',
  guide: 'host-access',
  hint: 'use a PVC, ConfigMap or emptyDir instead of hostPath',
  doc: {
    reads: 'spec.volumes[*].hostPath.path not graded by the stronger hostPath rules',
    why: 'any hostPath breaks filesystem isolation; alone weak context',
    benign: 'log shippers, node exporters and local storage; weight 1 never warns alone',
  },
  check(workload): Evidence[] {
    const evidence: Evidence[] = [];
    for (const template of workload.templates)
      for (const exposure of hostPathExposures(template))
        if (gradeHostPath(exposure.volume.path, exposure.writable) === 'plain')
          evidence.push({ path: exposure.jsonPath, detail: quote(describeExposure(exposure)) });
    return evidence;
  },
};
