/**
 * privilege-escalation-allowed — a container sets `securityContext.allowPrivilegeEscalation: true`
 * explicitly.
 * Reads: `securityContext.allowPrivilegeEscalation` of every container; only the literal `true`.
 * Unset is not reported: it is the Kubernetes default and most manifests leave it out; Pod Security
 * restricted flags that, this rule does not. Kept simple on purpose: root users and added
 * capabilities are graded by `dangerous-capabilities` and `privileged-container`.
 * Why: no_new_privs stays off, so setuid binaries and file capabilities raise privileges inside the
 * container (T1548, Abuse Elevation Control Mechanism); asking for it explicitly is a choice.
 * Benign look-alikes: images that need sudo or ping via setuid; weight 1 is context only.
 */
import { quote } from '../redact.js';
import type { Evidence, Rule } from '../types.js';

export const privilegeEscalationAllowed: Rule = {
  id: 'privilege-escalation-allowed',
  profile: 'default',
  weight: 1,
  technique: 'T1548',
  description: 'Container sets allowPrivilegeEscalation: true explicitly',
  reason: 'privilege escalation allowed',
  guide: 'container-escape',
  hint: 'set securityContext.allowPrivilegeEscalation=false',
  doc: {
    reads: 'securityContext.allowPrivilegeEscalation of every container (explicit true only)',
    why: 'setuid binaries and file capabilities raise privileges inside the container',
    benign: 'images that rely on sudo or setuid tools; weight 1 is context only',
  },
  check(workload): Evidence[] {
    return workload.containers
      .filter((c) => c.securityContext.allowPrivilegeEscalation === true)
      .map((c) => ({
        path: `${c.path}.securityContext.allowPrivilegeEscalation`,
        detail: quote(`container ${c.name}`),
      }));
  },
};
