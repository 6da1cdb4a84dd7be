/**
 * How the kube-api rules read a `kube` action (a call to the Kubernetes API from inside the pod,
 * through kubectl or raw HTTPS): what it escalates or spreads to, what only reads secrets, and what
 * is everyday operations.
 *
 * Sources: Kubernetes docs, "RBAC good practices" (escalate, bind, impersonate, nodes/proxy,
 * pods/exec, CSR approval, workload creation as privilege escalation paths) and "Pod Security
 * Standards" (privileged, host namespaces, hostPath).
 */
import type { KubeAction } from '../workload/action.js';

export type KubeGrade = { readonly grade: 'escalates' | 'reads-secrets'; readonly why: string } | undefined;

const WRITE_VERBS = new Set(['create', 'apply', 'patch', 'replace', 'update', 'edit', 'set', 'post', 'put']);
const WORKLOADS = new Set([
  'pods',
  'daemonsets',
  'deployments',
  'replicasets',
  'statefulsets',
  'jobs',
  'cronjobs',
  'replicationcontrollers',
]);
const READ_VERBS = new Set(['get', 'list', 'watch', 'describe']);
/** Roles whose binding gives a subject control of a namespace or the cluster. */
const POWERFUL_ROLE = /^(?:cluster-admin|admin|edit|system:masters|system:controller:.*|\*)$/;
/** What a created workload asks for that breaks out of the pod sandbox. */
const HOST_GRANT =
  /^(?:privileged|hostPID|hostNetwork|hostIPC|hostPath\b.*|hostUsers|SYS_ADMIN|allowPrivilegeEscalation)$/i;
/** Role rules that allow escalation by themselves. */
const ESCALATING_RULE =
  /^(?:\*|escalate|bind|impersonate|nodes\/proxy|secrets|pods\/exec|serviceaccounts\/token|certificatesigningrequests\/approval)$/;

function base(resource: string): string {
  const slash = resource.indexOf('/');
  return (slash < 0 ? resource : resource.slice(0, slash)).toLowerCase();
}

/** Whether the action reaches beyond the pod's own namespace. */
function elsewhere(action: KubeAction, namespace: string): boolean {
  return action.allNamespaces || (action.namespace !== undefined && action.namespace !== namespace);
}

/** The grade of one API call made from a pod in `namespace`. */
export function gradeKube(action: KubeAction, namespace: string): KubeGrade {
  const verb = action.verb.toLowerCase();
  const resource = action.resource.toLowerCase();
  const kind = base(resource);
  const writes = WRITE_VERBS.has(verb);
  const where = action.allNamespaces
    ? ' in all namespaces'
    : action.namespace === undefined
      ? ''
      : ` in ${action.namespace}`;
  if (action.kubelet) return { grade: 'escalates', why: `calls the kubelet API (${verb} ${resource})` };
  if (resource === 'nodes/proxy')
    return { grade: 'escalates', why: 'proxies to a kubelet through nodes/proxy' };
  if (verb === 'debug' && (kind === 'nodes' || kind === 'node'))
    return { grade: 'escalates', why: 'debugs a node (a privileged pod in the node’s namespaces)' };
  if (writes && (kind === 'clusterrolebindings' || kind === 'rolebindings')) {
    const role = action.grants.find((grant) => POWERFUL_ROLE.test(grant));
    if (kind === 'clusterrolebindings' || role !== undefined)
      return { grade: 'escalates', why: `binds ${role ?? 'a cluster role'} (${verb} ${kind}${where})` };
  }
  if (writes && (kind === 'clusterroles' || kind === 'roles')) {
    const rule = action.grants.find((grant) => ESCALATING_RULE.test(grant));
    if (rule !== undefined) return { grade: 'escalates', why: `creates a role granting ${rule}` };
  }
  if (kind === 'certificatesigningrequests') {
    if (resource.endsWith('/approval') || verb === 'approve' || verb === 'certificate')
      return { grade: 'escalates', why: 'approves a certificate signing request' };
    if (writes && action.grants.some((grant) => /system:masters|system:node/.test(grant)))
      return { grade: 'escalates', why: 'requests a certificate for a privileged group' };
  }
  if (resource === 'serviceaccounts/token' || (verb === 'create' && kind === 'token')) {
    return elsewhere(action, namespace)
      ? { grade: 'escalates', why: `mints a service-account token${where}` }
      : { grade: 'reads-secrets', why: 'mints a service-account token' };
  }
  if (writes && kind === 'serviceaccounts' && elsewhere(action, namespace))
    return { grade: 'escalates', why: `creates a service account${where}` };
  if (resource === 'pods/exec' || resource === 'pods/attach' || verb === 'exec' || verb === 'attach') {
    if (action.loop || elsewhere(action, namespace))
      return {
        grade: 'escalates',
        why: `runs commands in other pods${action.loop ? ' (in a loop)' : where}`,
      };
    return { grade: 'reads-secrets', why: 'runs a command in another pod' };
  }
  if (writes && (WORKLOADS.has(kind) || kind === 'manifest')) {
    const grant = action.grants.find((g) => HOST_GRANT.test(g));
    const what =
      kind === 'manifest' ? (action.grants.includes('DaemonSet') ? 'a DaemonSet' : 'objects') : kind;
    if (grant !== undefined) return { grade: 'escalates', why: `creates ${what} with ${grant}${where}` };
  }
  if (writes && kind === 'manifest') {
    // A manifest fed to `kubectl apply -f -` or POSTed: what it asks for is all the model knows.
    const role = action.grants.find((grant) => /^(?:cluster-admin|system:masters)$/.test(grant));
    if (role !== undefined) return { grade: 'escalates', why: `applies objects granting ${role}` };
    if (action.grants.includes('DaemonSet'))
      return { grade: 'reads-secrets', why: 'creates a DaemonSet (a pod on every node)' };
  }
  if (kind === 'secrets' && (READ_VERBS.has(verb) || verb === 'view')) {
    return elsewhere(action, namespace)
      ? { grade: 'escalates', why: `reads secrets${where}` }
      : { grade: 'reads-secrets', why: `reads secrets${where}` };
  }
  return undefined;
}
