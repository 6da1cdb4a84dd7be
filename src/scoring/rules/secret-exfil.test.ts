import { describe, expect, it } from '@jest/globals';

import { execution } from '../../../test/support/execution.js';
import { credential, fires, send } from '../../../test/support/rule.js';
import { secretExfil } from './secret-exfil.js';

describe('secret-exfil', () => {
  const secret = credential('secret', 'secret orders-db/password');
  it.each<[string, string, boolean]>([
    ['a public IP over http', 'http://203.0.113.41/l', true],
    ['a decimal public IP', 'https://3405803817/x', true],
    ['a wildcard-DNS name', 'https://203.0.113.9.sslip.io/x', true],
    ['its database in the cluster', 'postgres://orders-db:5432/app', false],
    ['a private address', 'http://10.0.3.4:8080/', false],
    ['an API domain', 'https://api.stripe.com/v1/charges', false],
    ['inside a DNS name under a fixed domain', 'dns://$(xxd).x.example', true],
    ['inside the host name of a URL', 'https://${p}.x.example/', true],
    ['as the whole name looked up (a host from a Secret)', 'dns://$db_host', false],
    ['inside a name under a cluster domain', 'dns://$(cut).orders.svc.cluster.local', false],
  ])('sent to %s: %s', (_name, destination, expected) => {
    expect(fires(secretExfil, execution({ flows: [send(secret, destination)] }))).toBe(expected);
  });

  const environment = credential('secret', 'the environment');
  it.each<[string, string, boolean]>([
    ['a public domain', 'https://collect.example/e', true],
    ['a public address', 'http://203.0.113.41/e', true],
    ['a Service in the cluster', 'http://collector.observability.svc:8080/', false],
    ['a place not known before run time', '$URL', false],
  ])('the whole environment sent to %s', (_name, destination, expected) => {
    expect(fires(secretExfil, execution({ flows: [send(environment, destination)] }))).toBe(expected);
  });

  it('weighs 8: denies on its own (the default deny threshold is 8)', () => {
    expect(secretExfil.weight).toBe(8);
  });
});
