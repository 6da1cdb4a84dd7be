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

describe('kube-secrets-read', () => {
  it.each<[string, KubeAction]>([
    ['secrets in its own namespace', kube('get', 'secrets', { name: 'db' })],
    ['secrets named by its own namespace', kube('list', 'secrets', { namespace: 'default' })],
    ['a token minted in its own namespace', kube('create', 'serviceaccounts/token')],
    ['one exec into a pod of its namespace', kube('exec', 'pods', { name: 'db-0' })],
    ['a plain DaemonSet applied', kube('apply', 'manifest', { grants: ['DaemonSet'] })],
  ])('secrets-read (warn) fires on %s', (_name, action) => {
    expect(judge(action)).toEqual({ escalates: false, reads: true });
  });

  it.each<[string, KubeAction]>([
    ['configmaps in its own namespace', kube('get', 'configmaps', { name: 'settings' })],
    ['get pods everywhere', kube('get', 'pods', { allNamespaces: true })],
    ['create a job from a cronjob', kube('create', 'jobs')],
  ])('does not fire on everyday %s', (_name, action) => {
    expect(judge(action).reads).toBe(false);
  });

  it.each<[string, KubeAction]>([
    ['secrets in all namespaces', kube('list', 'secrets', { allNamespaces: true })],
    ['secrets in kube-system', kube('get', 'secrets', { namespace: 'kube-system' })],
  ])('leaves %s to kube-api-escalation', (_name, action) => {
    expect(judge(action)).toEqual({ escalates: true, reads: false });
  });

  it('weighs 4: warns on its own and denies with other evidence', () => {
    expect(kubeSecretsRead.weight).toBe(4);
  });
});
