import { describe, expect, it } from '@jest/globals';

import type { KubeAction } from '../../workload/action.js';
import { execution, kube, withExecution } from '../../../test/support/execution.js';
import { kubeApiEscalation } from './kube-api-escalation.js';
import { kubeSecretsRead } from './kube-secrets-read.js';

/** Both Kubernetes API rules on one action; the fixture CronJob lives in namespace `default`. */
const judge = (action: KubeAction) => {
  const workload = withExecution(execution({ actions: [action] }));
  return {
    escalates: kubeApiEscalation.check(workload, undefined).length > 0,
    reads: kubeSecretsRead.check(workload, undefined).length > 0,
  };
};

describe('kube-api-escalation', () => {
  it.each<[string, KubeAction]>([
    [
      'a ClusterRoleBinding to cluster-admin',
      kube('create', 'clusterrolebindings', { grants: ['cluster-admin'] }),
    ],
    ['any ClusterRoleBinding', kube('create', 'clusterrolebindings')],
    ['a RoleBinding to admin', kube('create', 'rolebindings', { grants: ['admin'] })],
    ['a ClusterRole granting escalate', kube('apply', 'clusterroles', { grants: ['escalate'] })],
    ['a token minted in kube-system', kube('create', 'serviceaccounts/token', { namespace: 'kube-system' })],
    [
      'a service account created in another namespace',
      kube('create', 'serviceaccounts', { namespace: 'kube-system' }),
    ],
    ['CSR approval', kube('update', 'certificatesigningrequests/approval')],
    [
      'a CSR for system:masters',
      kube('create', 'certificatesigningrequests', { grants: ['system:masters'] }),
    ],
    ['exec across namespaces', kube('create', 'pods/exec', { allNamespaces: true })],
    ['exec in a loop over pods', kube('exec', 'pods', { loop: true })],
    ['nodes/proxy', kube('get', 'nodes/proxy')],
    ['the kubelet API', kube('get', 'pods', { kubelet: true })],
    ['kubectl debug node', kube('debug', 'nodes', { name: 'n1' })],
    ['a privileged pod', kube('create', 'pods', { grants: ['privileged'] })],
    ['a hostPath DaemonSet', kube('apply', 'daemonsets', { grants: ['hostPath /'] })],
    [
      'a privileged DaemonSet applied from stdin',
      kube('apply', 'manifest', { grants: ['privileged', 'hostPID', 'DaemonSet'] }),
    ],
    ['a manifest binding cluster-admin', kube('create', 'manifest', { grants: ['cluster-admin'] })],
    ['secrets in all namespaces', kube('list', 'secrets', { allNamespaces: true })],
    ['secrets in kube-system', kube('get', 'secrets', { namespace: 'kube-system' })],
  ])('escalation fires on %s', (_name, action) => {
    expect(judge(action)).toEqual({ escalates: true, reads: false });
  });

  it.each<[string, KubeAction]>([
    ['delete failed pods by field selector', kube('delete', 'pods', { loop: false })],
    ['rollout restart', kube('patch', 'deployments', { name: 'web' })],
    ['scale', kube('patch', 'deployments/scale')],
    ['get pods everywhere', kube('get', 'pods', { allNamespaces: true })],
    ['create a job from a cronjob', kube('create', 'jobs')],
    ['a RoleBinding to a narrow role', kube('create', 'rolebindings', { grants: ['pod-reader'] })],
    ['configmaps', kube('get', 'configmaps', { namespace: 'kube-system' })],
    ['a plain manifest applied', kube('apply', 'manifest')],
  ])('neither fires on everyday %s', (_name, action) => {
    expect(judge(action)).toEqual({ escalates: false, reads: false });
  });

  it('weighs 9: denies on its own (the default deny threshold is 8)', () => {
    expect(kubeApiEscalation.weight).toBe(9);
  });
});
