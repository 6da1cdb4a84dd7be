import { describe, expect, it } from '@jest/globals';

import { execution, flow } from '../../../test/support/execution.js';
import { credential, fires, send } from '../../../test/support/rule.js';
import { hostCredentialExfil } from './host-credential-exfil.js';

describe('host-credential-exfil', () => {
  const node = credential('node-credentials', '/host/etc/kubernetes/admin.conf');

  it('fires on node credentials sent out or logged', () => {
    expect(fires(hostCredentialExfil, execution({ flows: [send(node, 'https://paste.example/')] }))).toBe(
      true,
    );
    expect(
      fires(
        hostCredentialExfil,
        execution({ flows: [flow(credential('host-secrets', '/host/etc/shadow'), 'log')] }),
      ),
    ).toBe(true);
  });

  it('does not fire on a secret sent to its service, or node credentials that are only used', () => {
    expect(
      fires(
        hostCredentialExfil,
        execution({ flows: [send(credential('secret', '$DB_PASSWORD'), 'postgres://db:5432')] }),
      ),
    ).toBe(false);
    expect(fires(hostCredentialExfil, execution({ flows: [flow(node, 'exec')] }))).toBe(false);
  });

  it('weighs 8: denies on its own (the default deny threshold is 8)', () => {
    expect(hostCredentialExfil.weight).toBe(8);
  });
});
