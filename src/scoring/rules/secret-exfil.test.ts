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
  ])('sent to %s: %s', (_name, destination, expected) => {
    expect(fires(secretExfil, execution({ flows: [send(secret, destination)] }))).toBe(expected);
  });

  it('weighs 8: denies on its own (the default deny threshold is 8)', () => {
    expect(secretExfil.weight).toBe(8);
  });
});
