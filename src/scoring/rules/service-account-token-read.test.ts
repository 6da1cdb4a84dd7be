import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { execution, read } from '../../../test/support/execution.js';
import { fires, saToken, send, TOKEN } from '../../../test/support/rule.js';
import { serviceAccountTokenRead } from './service-account-token-read.js';

describe('service-account-token-read', () => {
  it('fires (context) on a read of the token that goes nowhere visible', () => {
    expect(fires(serviceAccountTokenRead, execution({ actions: [read(TOKEN)] }))).toBe(true);
  });

  it('fires on the token sent somewhere other than its audience', () => {
    const model = execution({ actions: [read(TOKEN)], flows: [send(saToken, 'https://203.0.113.5/c')] });
    expect(fires(serviceAccountTokenRead, model)).toBe(true);
  });

  it.each<[string, Execution]>([
    [
      'the token sent to the API server',
      execution({
        actions: [read(TOKEN)],
        flows: [send(saToken, 'https://kubernetes.default.svc/api/v1/namespaces/x/pods')],
      }),
    ],
    [
      'the token sent to a Vault Kubernetes login',
      execution({
        actions: [read(TOKEN)],
        flows: [send(saToken, 'https://vault.vault.svc:8200/v1/auth/kubernetes/login')],
      }),
    ],
    [
      'the CA certificate beside the token',
      execution({ actions: [read('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt')] }),
    ],
  ])('does not fire on %s', (_name, model) => {
    expect(fires(serviceAccountTokenRead, model)).toBe(false);
  });

  it('weighs 2: context: at most annotates on its own', () => {
    expect(serviceAccountTokenRead.weight).toBe(2);
  });
});
