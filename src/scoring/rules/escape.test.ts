import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { execution, invocation, withExecution, write } from '../../../test/support/execution.js';
import type { Rule } from '../types.js';
import { chrootHost } from './chroot-host.js';
import { hostDiskMount } from './host-disk-mount.js';
import { hostEscapeWrite } from './host-escape-write.js';
import { nsenterHost } from './nsenter-host.js';
import { runtimeClientEscape } from './runtime-client-escape.js';

const rootVolume = { volumes: [{ name: 'root', hostPath: { path: '/' } }] };
const rootMount = { volumeMounts: [{ name: 'root', mountPath: '/node' }] };
const fires = (
  rule: Rule,
  model: Execution,
  spec: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
) => rule.check(withExecution(model, spec, container), undefined).length > 0;

describe('nsenter-host', () => {
  it.each<[string, Execution]>([
    [
      'as the program',
      execution({ invocations: [invocation(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p'])] }),
    ],
    [
      'as a launcher of a shell',
      execution({ invocations: [invocation(['sh'], { launchers: ['nsenter --target=1 --mount'] })] }),
    ],
    [
      'with all namespaces',
      execution({ invocations: [invocation(['bash'], { launchers: ['sudo', '/usr/bin/nsenter -a -t1'] })] }),
    ],
  ])('fires %s', (_name, model) => {
    expect(fires(nsenterHost, model)).toBe(true);
  });

  it('does not fire on network-only debugging', () => {
    expect(
      fires(
        nsenterHost,
        execution({ invocations: [invocation(['ip', 'route'], { launchers: ['nsenter -t 1 -n'] })] }),
      ),
    ).toBe(false);
  });
});

describe('chroot-host', () => {
  it('fires on chroot into a hostPath / mount, /host or /proc/1/root, as program or launcher', () => {
    expect(
      fires(
        chrootHost,
        execution({ invocations: [invocation(['bash'], { launchers: ['chroot /node'] })] }),
        rootVolume,
        rootMount,
      ),
    ).toBe(true);
    expect(fires(chrootHost, execution({ invocations: [invocation(['chroot', '/host'])] }))).toBe(true);
    expect(
      fires(
        chrootHost,
        execution({ invocations: [invocation(['sh'], { launchers: ['chroot /proc/1/root/'] })] }),
      ),
    ).toBe(true);
  });

  it('does not fire on chroot into a build rootfs', () => {
    expect(
      fires(
        chrootHost,
        execution({ invocations: [invocation(['make'], { launchers: ['chroot /build/rootfs'] })] }),
        rootVolume,
        rootMount,
      ),
    ).toBe(false);
  });
});

describe('runtime-client-escape', () => {
  const socket = {
    volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }],
  };
  const sockMount = { volumeMounts: [{ name: 'sock', mountPath: '/var/run/docker.sock' }] };

  it('fires on a privileged or host-mounting run through a mounted node socket', () => {
    const run = invocation(['docker', 'run', '--privileged', '-v', '/:/host', 'alpine', 'sh']);
    expect(fires(runtimeClientEscape, execution({ invocations: [run] }), socket, sockMount)).toBe(true);
  });

  it('does not fire on a prune, a plain run, or a run with no node runtime', () => {
    expect(
      fires(
        runtimeClientEscape,
        execution({ invocations: [invocation(['docker', 'image', 'prune', '-af'])] }),
        socket,
        sockMount,
      ),
    ).toBe(false);
    expect(
      fires(
        runtimeClientEscape,
        execution({ invocations: [invocation(['docker', 'run', '--rm', 'alpine', 'make'])] }),
        socket,
        sockMount,
      ),
    ).toBe(false);
    expect(
      fires(
        runtimeClientEscape,
        execution({ invocations: [invocation(['docker', 'run', '--privileged', 'alpine'])] }),
      ),
    ).toBe(false);
  });
});

describe('host-disk-mount', () => {
  it('fires on mounting a disk device, not tmpfs', () => {
    expect(
      fires(hostDiskMount, execution({ invocations: [invocation(['mount', '/dev/sda1', '/mnt'])] })),
    ).toBe(true);
    expect(
      fires(
        hostDiskMount,
        execution({ invocations: [invocation(['mount', '-t', 'tmpfs', 'tmpfs', '/mnt'])] }),
      ),
    ).toBe(false);
  });
});

describe('host-escape-write', () => {
  it.each<[string, Execution, Record<string, unknown>, Record<string, unknown>]>([
    ['core_pattern', execution({ actions: [write('/proc/sys/kernel/core_pattern', '|/tmp/x')] }), {}, {}],
    ['a cgroup release_agent', execution({ actions: [write('/tmp/cg/release_agent', '/x')] }), {}, {}],
    [
      'a static pod through a hostPath mount',
      execution({ actions: [write('/node/etc/kubernetes/manifests/x.yaml', 'apiVersion: v1')] }),
      rootVolume,
      rootMount,
    ],
    [
      'node authorized_keys under /host',
      execution({ actions: [write('/host/root/.ssh/authorized_keys', 'ssh-ed25519 A')] }),
      {},
      {},
    ],
  ])('fires on %s', (_name, model, spec, container) => {
    expect(fires(hostEscapeWrite, model, spec, container)).toBe(true);
  });

  it.each<[string, Execution]>([
    ['another sysctl', execution({ actions: [write('/proc/sys/vm/max_map_count', '262144')] })],
    ['the container’s own cron file', execution({ actions: [write('/etc/cron.d/job', '* * * * * x')] })],
    ['a report', execution({ actions: [write('/tmp/report.csv', 'a,b')] })],
  ])('does not fire on %s', (_name, model) => {
    expect(fires(hostEscapeWrite, model)).toBe(false);
  });
});
