import { describe, expect, it } from '@jest/globals';

import type { Flow } from '../../workload/model.js';
import { execution, flow, read } from '../../../test/support/execution.js';
import { fires, saToken, send, TOKEN } from '../../../test/support/rule.js';
import { serviceAccountTokenExfil } from './service-account-token-exfil.js';

describe('service-account-token-exfil', () => {
  it.each<[string, Flow]>([
    ['to a public host', send(saToken, 'https://203.0.113.5/c')],
    ['to a look-alike of the API server', send(saToken, 'https://kubernetes.default.svc.evil.example/')],
    ['to the log', flow(saToken, 'log')],
  ])('fires on the token sent %s', (_name, f) => {
    expect(fires(serviceAccountTokenExfil, execution({ actions: [read(TOKEN)], flows: [f] }))).toBe(true);
  });

  it.each<[string, string]>([
    ['the API server', 'https://kubernetes.default.svc/api/v1/namespaces/x/pods'],
    ['$KUBERNETES_SERVICE_HOST', 'https://$KUBERNETES_SERVICE_HOST:443/apis'],
    ['a Vault Kubernetes login', 'https://vault.vault.svc:8200/v1/auth/kubernetes/login'],
  ])('does not fire on the token sent to %s (its audience)', (_name, destination) => {
    const model = execution({ actions: [read(TOKEN)], flows: [send(saToken, destination)] });
    expect(fires(serviceAccountTokenExfil, model)).toBe(false);
  });

  it('does not fire on a read that goes nowhere visible, or to a destination unknown before run time', () => {
    expect(fires(serviceAccountTokenExfil, execution({ actions: [read(TOKEN)] }))).toBe(false);
    expect(
      fires(serviceAccountTokenExfil, execution({ actions: [read(TOKEN)], flows: [send(saToken, '$URL')] })),
    ).toBe(false);
  });

  it('weighs 8: denies on its own (the default deny threshold is 8)', () => {
    expect(serviceAccountTokenExfil.weight).toBe(8);
  });
});

describe('service-account-token-exfil: a credential inside a DNS name is sent to that domain', () => {
  it.each<[string, boolean]>([
    ['dns://$c.t.example', true],
    ['dns://binascii.hexlify(t[i:i+30].encode()).x.example', true],
    ['dns://kubernetes.default.svc', false],
    ['dns://$(cut).kubernetes.default.svc', false],
  ])('the service-account token queried as %s', (destination, expected) => {
    expect(fires(serviceAccountTokenExfil, execution({ flows: [send(saToken, destination)] }))).toBe(
      expected,
    );
  });
});
