import { describe, expect, it } from '@jest/globals';

import { execution, invocation, read } from '../../../test/support/execution.js';
import { fires } from '../../../test/support/rule.js';
import { nodeCredentials } from './node-credentials.js';

const etcKubernetes = { volumes: [{ name: 'etc', hostPath: { path: '/etc/kubernetes' } }] };
const mount = { volumeMounts: [{ name: 'etc', mountPath: '/k8s' }] };

describe('node-credentials', () => {
  it('fires on node files under a prefix or through a hostPath mount, and on --kubeconfig', () => {
    expect(fires(nodeCredentials, execution({ actions: [read('/host/etc/kubernetes/admin.conf')] }))).toBe(
      true,
    );
    expect(
      fires(nodeCredentials, execution({ actions: [read('/k8s/admin.conf')] }), etcKubernetes, mount),
    ).toBe(true);
    expect(fires(nodeCredentials, execution({ actions: [read('/k8s')] }), etcKubernetes, mount)).toBe(true);
    expect(
      fires(
        nodeCredentials,
        execution({
          invocations: [
            invocation(['kubectl', '--kubeconfig=/host/etc/kubernetes/admin.conf', 'get', 'nodes']),
          ],
        }),
      ),
    ).toBe(true);
  });

  it('does not fire on the container’s own kubeconfig or unrelated files', () => {
    expect(fires(nodeCredentials, execution({ actions: [read('/root/.kube/config')] }))).toBe(false);
    expect(fires(nodeCredentials, execution({ actions: [read('/k8s/admin.conf')] }))).toBe(false);
    expect(fires(nodeCredentials, execution({ actions: [read('/etc/hosts')] }))).toBe(false);
  });

  it('weighs 5: warns on its own and denies with other evidence', () => {
    expect(nodeCredentials.weight).toBe(5);
  });
});
