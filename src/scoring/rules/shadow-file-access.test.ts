import { describe, expect, it } from '@jest/globals';

import { execution, invocation, read } from '../../../test/support/execution.js';
import { fires } from '../../../test/support/rule.js';
import { shadowFileAccess } from './shadow-file-access.js';

describe('shadow-file-access', () => {
  it('fires on hashes under any prefix or mount and on crackers', () => {
    expect(fires(shadowFileAccess, execution({ actions: [read('/proc/1/root/etc/shadow')] }))).toBe(true);
    expect(
      fires(
        shadowFileAccess,
        execution({ actions: [read('/h/shadow')] }),
        { volumes: [{ name: 'e', hostPath: { path: '/etc' } }] },
        { volumeMounts: [{ name: 'e', mountPath: '/h' }] },
      ),
    ).toBe(true);
    expect(fires(shadowFileAccess, execution({ invocations: [invocation(['john', 'hashes'])] }))).toBe(true);
  });

  it('does not fire on /etc/passwd or a file whose name only starts like shadow', () => {
    expect(
      fires(
        shadowFileAccess,
        execution({ actions: [read('/etc/passwd'), read('/etc/shadowsocks/config.json')] }),
      ),
    ).toBe(false);
  });

  it('weighs 5: warns on its own and denies with other evidence', () => {
    expect(shadowFileAccess.weight).toBe(5);
  });
});
