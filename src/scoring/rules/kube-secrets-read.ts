/**
 * kube-secrets-read — the pod reads Secrets or credentials through the Kubernetes API in its own
 * namespace.
 * Reads: each container's execution model: `kube` actions (kubectl, clients, raw HTTPS).
 * Looks for: Secrets read (`get`, `list`, `watch`) in the pod's own namespace, a service-account
 * token minted there, a single `exec` into another pod of the namespace.
 * Why: T1552.007 — container API: Secrets read through the API are credentials for whatever they
 * guard; a Job that does it should say why (warn, not deny). Across namespaces it is
 * `kube-api-escalation`.
 * Benign look-alikes: certificate renewers and secret-sync jobs do read their own namespace's
 * Secrets: exempt them by name with a reason. `kubectl get pods`, `delete`, `rollout restart` do
 * not fire.
 */
import { actionsOf, containerExecutions, EvidenceByPath } from '../behaviour.js';
import { gradeKube } from '../kube.js';
import { quote } from '../redact.js';
import type { Rule } from '../types.js';

export const kubeSecretsRead: Rule = {
  id: 'kube-secrets-read',
  profile: 'default',
  weight: 4,
  technique: 'T1552.007',
  description:
    'The pod reads Secrets, mints a token or execs into a pod through the Kubernetes API in its own namespace',
  reason: 'reads secrets through the Kubernetes API',
  guide: 'kube-api-abuse',
  doc: {
    reads: 'each container’s execution model: Kubernetes API calls made from the pod',
    why: 'container API (T1552.007): Secrets read through the API are credentials',
    benign:
      'get pods, delete, rollout restart, scale do not fire; secret-sync jobs warn and are exempted by name',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      for (const action of actionsOf(execution, 'kube')) {
        const grade = gradeKube(action, workload.namespace || 'default');
        if (grade?.grade === 'reads-secrets')
          evidence.add(action.path, () => quote(`${grade.why}: ${action.detail}`, 100), grade.why);
      }
    }
    return evidence.list();
  },
};
