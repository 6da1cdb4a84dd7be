/**
 * kube-api-escalation — the pod uses the Kubernetes API to escalate or to spread.
 * Reads: each container's execution model: calls to the Kubernetes API from inside the pod
 * (`kube` actions, whether made with kubectl, a client, or raw HTTPS with the pod's token) and to a
 * kubelet's API.
 * Looks for: role bindings to `cluster-admin`, `admin`, `edit` (any ClusterRoleBinding), roles
 * granting `*`, `escalate`, `bind` or `impersonate`; service-account tokens or service accounts
 * created in other namespaces; CSR approval, or a CSR for `system:masters`; `pods/exec` or attach
 * into other namespaces or in a loop over pods; `nodes/proxy` or the kubelet's own API;
 * `kubectl debug node/…`; pods, DaemonSets or other workloads created with `privileged`, host
 * namespaces or `hostPath`; Secrets read in other namespaces or all of them.
 * Why: T1078.004/T1098 — a Job's service account used to take the cluster: each of these is a
 * documented privilege-escalation path in Kubernetes' RBAC good practices.
 * Benign look-alikes: everyday operations — `kubectl delete pods --field-selector
 * status.phase=Failed`, `rollout restart`, `scale`, `get pods`, `create job --from=cronjob/…` —
 * neither escalate nor spread and do not fire. Reading Secrets in the pod's own namespace is
 * `kube-secrets-read` (warn).
 */
import { actionsOf, containerExecutions, EvidenceByPath } from '../behaviour.js';
import { gradeKube } from '../kube.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

export const kubeApiEscalation: Rule = {
  id: 'kube-api-escalation',
  profile: 'default',
  weight: 9,
  technique: 'T1098',
  description:
    'The pod uses the Kubernetes API to escalate or spread (powerful bindings, tokens elsewhere, exec, nodes/proxy, privileged pods)',
  reason: 'Kubernetes API privilege escalation',
  guide: 'kube-api-abuse',
  doc: {
    reads: 'each container’s execution model: Kubernetes and kubelet API calls made from the pod',
    why: 'account manipulation (T1098): RBAC’s documented escalation paths turn a Job’s service account into the cluster',
    benign: 'delete pods by field selector, rollout restart, scale, get, create job do not fire',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      for (const action of actionsOf(execution, 'kube')) {
        const grade = gradeKube(action, workload.namespace || 'default');
        if (grade?.grade === 'escalates')
          evidence.add(action.path, () => quote(`${grade.why}: ${action.detail}`, 100), grade.why);
      }
    }
    return evidence.list();
  },
};
