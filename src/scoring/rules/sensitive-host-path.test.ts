import { describe, expect, it } from '@jest/globals';

import { buildWorkload } from '../../workload/build.js';
import { hostPathAt, hostPathCronJob, run } from '../../../test/support/rule.js';
import { sensitiveHostPath } from './sensitive-host-path.js';

describe('sensitive-host-path', () => {
  it.each([
    [
      '/etc writable',
      hostPathCronJob({ path: '/etc', at: '/host/etc' }),
      [{ path: hostPathAt(0), detail: '/etc at /host/etc' }],
    ],
    [
      '/etc read-only still counts',
      hostPathCronJob({ path: '/etc/', at: '/host/etc', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/etc at /host/etc (read-only)' }],
    ],
    [
      '/var/lib/kubelet read-only',
      hostPathCronJob({ path: '/var/lib/kubelet', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/var/lib/kubelet at /host (read-only)' }],
    ],
    ['/proc', hostPathCronJob({ path: '/proc' }), [{ path: hostPathAt(0), detail: '/proc at /host' }]],
    [
      '/root/.ssh',
      hostPathCronJob({ path: '/root/.ssh' }),
      [{ path: hostPathAt(0), detail: '/root/.ssh at /host' }],
    ],
    [
      '/home',
      hostPathCronJob({ path: '/home', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/home at /host (read-only)' }],
    ],
    [
      '/var/lib/etcd',
      hostPathCronJob({ path: '/var/lib/etcd', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/var/lib/etcd at /host (read-only)' }],
    ],
    [
      '/etc/kubernetes/pki via ..',
      hostPathCronJob({ path: '/var/../etc/kubernetes/pki', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/etc/kubernetes/pki at /host (read-only)' }],
    ],
    [
      '/var holds /var/lib/kubelet',
      hostPathCronJob({ path: '/var', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/var at /host (read-only), holds /var/lib/kubelet' }],
    ],
    [
      '/var/log writable (kubelet log symlink)',
      hostPathCronJob({ path: '/var/log' }),
      [{ path: hostPathAt(0), detail: '/var/log at /host' }],
    ],
    ['/sys writable', hostPathCronJob({ path: '/sys' }), [{ path: hostPathAt(0), detail: '/sys at /host' }]],
    [
      '/usr/bin writable',
      hostPathCronJob({ path: '/usr/bin' }),
      [{ path: hostPathAt(0), detail: '/usr/bin at /host' }],
    ],
    [
      '/etc/localtime writable',
      hostPathCronJob({ path: '/etc/localtime' }),
      [{ path: hostPathAt(0), detail: '/etc/localtime at /host' }],
    ],
    [
      'not mounted counts as read-only',
      hostPathCronJob({ path: '/etc', at: '' }),
      [{ path: hostPathAt(0), detail: '/etc (not mounted)' }],
    ],
    [
      'two volumes, two findings',
      hostPathCronJob({ path: '/etc', readOnly: true }, { path: '/tmp' }, { path: '/proc', at: '/hp' }),
      [
        { path: hostPathAt(0), detail: '/etc at /host (read-only)' },
        { path: hostPathAt(2), detail: '/proc at /hp' },
      ],
    ],
    ['/etcd is not /etc', hostPathCronJob({ path: '/etcd' }), []],
    ['/systemd is not /sys', hostPathCronJob({ path: '/systemd' }), []],
    ['/usr/local/etc', hostPathCronJob({ path: '/usr/local/etc', readOnly: true }), []],
    ['/var/log read-only (log shipper)', hostPathCronJob({ path: '/var/log', readOnly: true }), []],
    ['/sys read-only (node exporter)', hostPathCronJob({ path: '/sys', readOnly: true }), []],
    ['/etc/localtime read-only', hostPathCronJob({ path: '/etc/localtime', readOnly: true }), []],
    ['/etc/ssl/certs read-only', hostPathCronJob({ path: '/etc/ssl/certs', readOnly: true }), []],
    ['/tmp writable', hostPathCronJob({ path: '/tmp' }), []],
    ['the root is graded by host-root-mount', hostPathCronJob({ path: '/' }), []],
  ])('%s', (_name, workload, expected) => {
    expect(run(sensitiveHostPath, workload)).toEqual(expected);
  });

  it('writable if any container mounts it writable', () => {
    const workload = buildWorkload({
      kind: 'Job',
      spec: {
        template: {
          spec: {
            initContainers: [{ name: 'init', image: 'x', volumeMounts: [{ name: 'logs', mountPath: '/w' }] }],
            containers: [
              { name: 'app', image: 'x', volumeMounts: [{ name: 'logs', mountPath: '/r', readOnly: true }] },
            ],
            volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }],
          },
        },
      },
    });
    expect(run(sensitiveHostPath, workload)).toEqual([
      { path: 'spec.template.spec.volumes[0].hostPath.path', detail: '/var/log at /w' },
    ]);
  });

  it('takes its lists from the policy', () => {
    const workload = hostPathCronJob(
      { path: '/srv/secrets', readOnly: true },
      { path: '/etc/localtime', readOnly: true },
    );
    expect(run(sensitiveHostPath, workload, { paths: ['/srv/secrets'] })).toEqual([
      { path: hostPathAt(0), detail: '/srv/secrets at /host (read-only)' },
    ]);
    expect(run(sensitiveHostPath, workload, { readOnlySafePaths: [] })).toEqual([
      { path: hostPathAt(1), detail: '/etc/localtime at /host (read-only)' },
    ]);
  });

  it('weighs 4: warns on its own and denies with other evidence', () => {
    expect(sensitiveHostPath.weight).toBe(4);
  });
});
