import { describe, expect, it } from '@jest/globals';

import { buildWorkload } from '../../workload/build.js';
import type { Workload } from '../../workload/types.js';
import type { Evidence, Rule } from '../types.js';
import { containerRuntimeSocket } from './container-runtime-socket.js';
import { hostPath } from './host-path.js';
import { hostRootMount } from './host-root-mount.js';
import { sensitiveHostPath } from './sensitive-host-path.js';

const CRON = 'spec.jobTemplate.spec.template.spec';

interface Mount {
  path: string;
  at?: string;
  readOnly?: boolean;
}

/** A CronJob with one hostPath volume per entry, each mounted by the container unless `at` is ''. */
function cronJob(...mounts: Mount[]): Workload {
  const volumes = mounts.map((m, i) => ({ name: `v${i}`, hostPath: { path: m.path } }));
  const volumeMounts = mounts.flatMap((m, i) =>
    m.at === ''
      ? []
      : [{ name: `v${i}`, mountPath: m.at ?? '/host', ...(m.readOnly ? { readOnly: true } : {}) }],
  );
  return buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'x' },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: { spec: { containers: [{ name: 'app', image: 'app:1', volumeMounts }], volumes } },
        },
      },
    },
  });
}

function run<P>(rule: Rule<P>, workload: Workload, params?: Partial<P>): Evidence[] {
  return rule.check(workload, { ...(rule.params?.defaults as P), ...params });
}

const at = (i: number) => `${CRON}.volumes[${i}].hostPath.path`;

describe('host-root-mount', () => {
  it.each([
    ['/ at /host', cronJob({ path: '/' }), [{ path: at(0), detail: '/ at /host' }]],
    [
      '// read-only',
      cronJob({ path: '//', readOnly: true }),
      [{ path: at(0), detail: '/ at /host (read-only)' }],
    ],
    ['/. not mounted', cronJob({ path: '/.', at: '' }), [{ path: at(0), detail: '/ (not mounted)' }]],
    ['/proc/1/root', cronJob({ path: '/proc/1/root' }), [{ path: at(0), detail: '/proc/1/root at /host' }]],
    ['second volume', cronJob({ path: '/tmp' }, { path: '/' }), [{ path: at(1), detail: '/ at /host' }]],
    ['/host is a directory, not the root', cronJob({ path: '/host' }), []],
    ['/etc', cronJob({ path: '/etc' }), []],
  ])('%s', (_name, workload, expected) => {
    expect(run(hostRootMount, workload)).toEqual(expected);
  });
});

describe('container-runtime-socket', () => {
  it.each([
    [
      'docker socket',
      cronJob({ path: '/var/run/docker.sock', at: '/var/run/docker.sock' }),
      [{ path: at(0), detail: '/var/run/docker.sock at /var/run/docker.sock' }],
    ],
    [
      'read-only socket still counts',
      cronJob({ path: '/run/containerd/containerd.sock', at: '/s', readOnly: true }),
      [{ path: at(0), detail: '/run/containerd/containerd.sock at /s (read-only)' }],
    ],
    [
      'CRI-O',
      cronJob({ path: '/var/run/crio/crio.sock', at: '/s' }),
      [{ path: at(0), detail: '/var/run/crio/crio.sock at /s' }],
    ],
    [
      'cri-dockerd',
      cronJob({ path: '/run/cri-dockerd.sock', at: '/s' }),
      [{ path: at(0), detail: '/run/cri-dockerd.sock at /s' }],
    ],
    [
      'podman',
      cronJob({ path: '/run/podman/podman.sock', at: '/s' }),
      [{ path: at(0), detail: '/run/podman/podman.sock at /s' }],
    ],
    [
      'k3s containerd',
      cronJob({ path: '/run/k3s/containerd/containerd.sock', at: '/s' }),
      [{ path: at(0), detail: '/run/k3s/containerd/containerd.sock at /s' }],
    ],
    [
      'directory holding the socket',
      cronJob({ path: '/var/run', at: '/var/run' }),
      [{ path: at(0), detail: '/var/run at /var/run, holds /var/run/docker.sock' }],
    ],
    [
      '/var/lib/docker',
      cronJob({ path: '/var/lib/docker/' }),
      [{ path: at(0), detail: '/var/lib/docker at /host' }],
    ],
    [
      'Windows named pipe',
      cronJob({ path: '\\\\.\\pipe\\docker_engine', at: '\\\\.\\pipe\\docker_engine' }),
      [{ path: at(0), detail: '\\\\.\\pipe\\docker_engine at \\\\.\\pipe\\docker_engine' }],
    ],
    ['the root is graded by host-root-mount', cronJob({ path: '/' }), []],
    ['/run/xtables.lock is a sibling', cronJob({ path: '/run/xtables.lock' }), []],
    ['/var/log', cronJob({ path: '/var/log' }), []],
    ['/var/lib/dockerd is not /var/lib/docker', cronJob({ path: '/var/lib/dockerd' }), []],
  ])('%s', (_name, workload, expected) => {
    expect(run(containerRuntimeSocket, workload)).toEqual(expected);
  });

  it('takes its socket list from the policy', () => {
    const workload = cronJob({ path: '/opt/agent/agent.sock', at: '/s' });
    expect(run(containerRuntimeSocket, workload)).toEqual([]);
    expect(run(containerRuntimeSocket, workload, { sockets: ['/opt/agent'] })).toEqual([
      { path: at(0), detail: '/opt/agent/agent.sock at /s' },
    ]);
  });
});

describe('sensitive-host-path', () => {
  it.each([
    [
      '/etc writable',
      cronJob({ path: '/etc', at: '/host/etc' }),
      [{ path: at(0), detail: '/etc at /host/etc' }],
    ],
    [
      '/etc read-only still counts',
      cronJob({ path: '/etc/', at: '/host/etc', readOnly: true }),
      [{ path: at(0), detail: '/etc at /host/etc (read-only)' }],
    ],
    [
      '/var/lib/kubelet read-only',
      cronJob({ path: '/var/lib/kubelet', readOnly: true }),
      [{ path: at(0), detail: '/var/lib/kubelet at /host (read-only)' }],
    ],
    ['/proc', cronJob({ path: '/proc' }), [{ path: at(0), detail: '/proc at /host' }]],
    ['/root/.ssh', cronJob({ path: '/root/.ssh' }), [{ path: at(0), detail: '/root/.ssh at /host' }]],
    [
      '/home',
      cronJob({ path: '/home', readOnly: true }),
      [{ path: at(0), detail: '/home at /host (read-only)' }],
    ],
    [
      '/var/lib/etcd',
      cronJob({ path: '/var/lib/etcd', readOnly: true }),
      [{ path: at(0), detail: '/var/lib/etcd at /host (read-only)' }],
    ],
    [
      '/etc/kubernetes/pki via ..',
      cronJob({ path: '/var/../etc/kubernetes/pki', readOnly: true }),
      [{ path: at(0), detail: '/etc/kubernetes/pki at /host (read-only)' }],
    ],
    [
      '/var holds /var/lib/kubelet',
      cronJob({ path: '/var', readOnly: true }),
      [{ path: at(0), detail: '/var at /host (read-only), holds /var/lib/kubelet' }],
    ],
    [
      '/var/log writable (kubelet log symlink)',
      cronJob({ path: '/var/log' }),
      [{ path: at(0), detail: '/var/log at /host' }],
    ],
    ['/sys writable', cronJob({ path: '/sys' }), [{ path: at(0), detail: '/sys at /host' }]],
    ['/usr/bin writable', cronJob({ path: '/usr/bin' }), [{ path: at(0), detail: '/usr/bin at /host' }]],
    [
      '/etc/localtime writable',
      cronJob({ path: '/etc/localtime' }),
      [{ path: at(0), detail: '/etc/localtime at /host' }],
    ],
    [
      'not mounted counts as read-only',
      cronJob({ path: '/etc', at: '' }),
      [{ path: at(0), detail: '/etc (not mounted)' }],
    ],
    [
      'two volumes, two findings',
      cronJob({ path: '/etc', readOnly: true }, { path: '/tmp' }, { path: '/proc', at: '/hp' }),
      [
        { path: at(0), detail: '/etc at /host (read-only)' },
        { path: at(2), detail: '/proc at /hp' },
      ],
    ],
    ['/etcd is not /etc', cronJob({ path: '/etcd' }), []],
    ['/systemd is not /sys', cronJob({ path: '/systemd' }), []],
    ['/usr/local/etc', cronJob({ path: '/usr/local/etc', readOnly: true }), []],
    ['/var/log read-only (log shipper)', cronJob({ path: '/var/log', readOnly: true }), []],
    ['/sys read-only (node exporter)', cronJob({ path: '/sys', readOnly: true }), []],
    ['/etc/localtime read-only', cronJob({ path: '/etc/localtime', readOnly: true }), []],
    ['/etc/ssl/certs read-only', cronJob({ path: '/etc/ssl/certs', readOnly: true }), []],
    ['/tmp writable', cronJob({ path: '/tmp' }), []],
    ['the root is graded by host-root-mount', cronJob({ path: '/' }), []],
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
    const workload = cronJob(
      { path: '/srv/secrets', readOnly: true },
      { path: '/etc/localtime', readOnly: true },
    );
    expect(run(sensitiveHostPath, workload, { paths: ['/srv/secrets'] })).toEqual([
      { path: at(0), detail: '/srv/secrets at /host (read-only)' },
    ]);
    expect(run(sensitiveHostPath, workload, { readOnlySafePaths: [] })).toEqual([
      { path: at(1), detail: '/etc/localtime at /host (read-only)' },
    ]);
  });
});

describe('host-path', () => {
  it.each([
    [
      '/var/log read-only',
      cronJob({ path: '/var/log', readOnly: true }),
      [{ path: at(0), detail: '/var/log at /host (read-only)' }],
    ],
    [
      '/tmp writable',
      cronJob({ path: '/tmp', at: '/scratch' }),
      [{ path: at(0), detail: '/tmp at /scratch' }],
    ],
    [
      '/etc/localtime read-only',
      cronJob({ path: '/etc/localtime', at: '/etc/localtime', readOnly: true }),
      [{ path: at(0), detail: '/etc/localtime at /etc/localtime (read-only)' }],
    ],
    ['/etcd', cronJob({ path: '/etcd' }), [{ path: at(0), detail: '/etcd at /host' }]],
    ['graded higher: /', cronJob({ path: '/' }), []],
    ['graded higher: docker.sock', cronJob({ path: '/var/run/docker.sock' }), []],
    ['graded higher: /etc', cronJob({ path: '/etc', readOnly: true }), []],
    ['graded higher: /var/log writable', cronJob({ path: '/var/log' }), []],
    [
      'each plain volume reported',
      cronJob({ path: '/etc' }, { path: '/data' }, { path: '/mnt/disks', readOnly: true }),
      [
        { path: at(1), detail: '/data at /host' },
        { path: at(2), detail: '/mnt/disks at /host (read-only)' },
      ],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(run(hostPath, workload)).toEqual(expected);
  });
});
