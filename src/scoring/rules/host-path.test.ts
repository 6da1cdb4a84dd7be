import { describe, expect, it } from '@jest/globals';

import { hostPathAt, hostPathCronJob, run } from '../../../test/support/rule.js';
import { hostPath } from './host-path.js';

describe('host-path', () => {
  it.each([
    [
      '/var/log read-only',
      hostPathCronJob({ path: '/var/log', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/var/log at /host (read-only)' }],
    ],
    [
      '/tmp writable',
      hostPathCronJob({ path: '/tmp', at: '/scratch' }),
      [{ path: hostPathAt(0), detail: '/tmp at /scratch' }],
    ],
    [
      '/etc/localtime read-only',
      hostPathCronJob({ path: '/etc/localtime', at: '/etc/localtime', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/etc/localtime at /etc/localtime (read-only)' }],
    ],
    ['/etcd', hostPathCronJob({ path: '/etcd' }), [{ path: hostPathAt(0), detail: '/etcd at /host' }]],
    ['graded higher: /', hostPathCronJob({ path: '/' }), []],
    ['graded higher: docker.sock', hostPathCronJob({ path: '/var/run/docker.sock' }), []],
    ['graded higher: /etc', hostPathCronJob({ path: '/etc', readOnly: true }), []],
    ['graded higher: /var/log writable', hostPathCronJob({ path: '/var/log' }), []],
    [
      'each plain volume reported',
      hostPathCronJob({ path: '/etc' }, { path: '/data' }, { path: '/mnt/disks', readOnly: true }),
      [
        { path: hostPathAt(1), detail: '/data at /host' },
        { path: hostPathAt(2), detail: '/mnt/disks at /host (read-only)' },
      ],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(run(hostPath, workload)).toEqual(expected);
  });

  it('weighs 1: context: at most annotates on its own', () => {
    expect(hostPath.weight).toBe(1);
  });
});
