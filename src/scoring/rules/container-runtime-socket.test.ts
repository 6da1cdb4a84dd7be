import { describe, expect, it } from '@jest/globals';

import { hostPathAt, hostPathCronJob, run } from '../../../test/support/rule.js';
import { containerRuntimeSocket } from './container-runtime-socket.js';

describe('container-runtime-socket', () => {
  it.each([
    [
      'docker socket',
      hostPathCronJob({ path: '/var/run/docker.sock', at: '/var/run/docker.sock' }),
      [{ path: hostPathAt(0), detail: '/var/run/docker.sock at /var/run/docker.sock' }],
    ],
    [
      'read-only socket still counts',
      hostPathCronJob({ path: '/run/containerd/containerd.sock', at: '/s', readOnly: true }),
      [{ path: hostPathAt(0), detail: '/run/containerd/containerd.sock at /s (read-only)' }],
    ],
    [
      'CRI-O',
      hostPathCronJob({ path: '/var/run/crio/crio.sock', at: '/s' }),
      [{ path: hostPathAt(0), detail: '/var/run/crio/crio.sock at /s' }],
    ],
    [
      'cri-dockerd',
      hostPathCronJob({ path: '/run/cri-dockerd.sock', at: '/s' }),
      [{ path: hostPathAt(0), detail: '/run/cri-dockerd.sock at /s' }],
    ],
    [
      'podman',
      hostPathCronJob({ path: '/run/podman/podman.sock', at: '/s' }),
      [{ path: hostPathAt(0), detail: '/run/podman/podman.sock at /s' }],
    ],
    [
      'k3s containerd',
      hostPathCronJob({ path: '/run/k3s/containerd/containerd.sock', at: '/s' }),
      [{ path: hostPathAt(0), detail: '/run/k3s/containerd/containerd.sock at /s' }],
    ],
    [
      'directory holding the socket',
      hostPathCronJob({ path: '/var/run', at: '/var/run' }),
      [{ path: hostPathAt(0), detail: '/var/run at /var/run, holds /var/run/docker.sock' }],
    ],
    [
      '/var/lib/docker',
      hostPathCronJob({ path: '/var/lib/docker/' }),
      [{ path: hostPathAt(0), detail: '/var/lib/docker at /host' }],
    ],
    [
      'Windows named pipe',
      hostPathCronJob({ path: '\\\\.\\pipe\\docker_engine', at: '\\\\.\\pipe\\docker_engine' }),
      [{ path: hostPathAt(0), detail: '\\\\.\\pipe\\docker_engine at \\\\.\\pipe\\docker_engine' }],
    ],
    ['the root is graded by host-root-mount', hostPathCronJob({ path: '/' }), []],
    ['/run/xtables.lock is a sibling', hostPathCronJob({ path: '/run/xtables.lock' }), []],
    ['/var/log', hostPathCronJob({ path: '/var/log' }), []],
    ['/var/lib/dockerd is not /var/lib/docker', hostPathCronJob({ path: '/var/lib/dockerd' }), []],
  ])('%s', (_name, workload, expected) => {
    expect(run(containerRuntimeSocket, workload)).toEqual(expected);
  });

  it('takes its socket list from the policy', () => {
    const workload = hostPathCronJob({ path: '/opt/agent/agent.sock', at: '/s' });
    expect(run(containerRuntimeSocket, workload)).toEqual([]);
    expect(run(containerRuntimeSocket, workload, { sockets: ['/opt/agent'] })).toEqual([
      { path: hostPathAt(0), detail: '/opt/agent/agent.sock at /s' },
    ]);
  });

  it('weighs 7: warns on its own and denies with other evidence', () => {
    expect(containerRuntimeSocket.weight).toBe(7);
  });
});
