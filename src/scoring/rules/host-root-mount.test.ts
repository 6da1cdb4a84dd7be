import { describe, expect, it } from '@jest/globals';

import { hostPathAt, hostPathCronJob, run } from '../../../test/support/rule.js';
import { hostRootMount } from './host-root-mount.js';

describe('host-root-mount', () => {
  it.each([
    ['/ at /host', hostPathCronJob({ path: '/' }), [{ path: hostPathAt(0), detail: '/ at /host' }]],
    [
      '// read-only',
      hostPathCronJob({ path: '//', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/ at /host (read-only)' }],
    ],
    [
      '/. not mounted',
      hostPathCronJob({ path: '/.', at: '' }),
      [{ path: hostPathAt(0), detail: '/ (not mounted)' }],
    ],
    [
      '/proc/1/root',
      hostPathCronJob({ path: '/proc/1/root' }),
      [{ path: hostPathAt(0), detail: '/proc/1/root at /host' }],
    ],
    [
      'second volume',
      hostPathCronJob({ path: '/tmp' }, { path: '/' }),
      [{ path: hostPathAt(1), detail: '/ at /host' }],
    ],
    ['/host is a directory, not the root', hostPathCronJob({ path: '/host' }), []],
    ['/etc', hostPathCronJob({ path: '/etc' }), []],
  ])('%s', (_name, workload, expected) => {
    expect(run(hostRootMount, workload)).toEqual(expected);
  });

  it('weighs 8: denies on its own (the default deny threshold is 8)', () => {
    expect(hostRootMount.weight).toBe(8);
  });
});
