import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import type { Rule } from '../types.js';
import { chrootHost } from './chroot-host.js';
import { hostDiskMount } from './host-disk-mount.js';
import { nsenterHost } from './nsenter-host.js';
import { C0, SPEC, cronJob, sh } from '../../../test/support/workloads.js';

function argv(...words: string[]): Workload {
  return cronJob({ hostPID: true, containers: [{ name: 'c', image: 'alpine', command: words }] });
}

/** A pod with the node's root (or `hostPath`) mounted at `mountPath`, running `sh -c script`. */
function mounted(script: string, mountPath: string, hostPath = '/'): Workload {
  return cronJob({
    volumes: [
      { name: 'cfg', configMap: { name: 'x' } },
      { name: 'node', hostPath: { path: hostPath } },
    ],
    containers: [
      {
        name: 'c',
        image: 'alpine',
        command: ['sh', '-c', script],
        volumeMounts: [{ name: 'node', mountPath }],
      },
    ],
  });
}

function paths(rule: Rule, workload: Workload): string[] {
  return rule.check(workload, undefined).map((evidence) => evidence.path);
}

describe('nsenter-host', () => {
  it.each<[string, Workload, string[]]>([
    [
      '-t 1 -m -u -i -n -p',
      argv('nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', 'sh'),
      [`${C0}.command[0]`],
    ],
    ['--target 1 --mount', argv('nsenter', '--target', '1', '--mount', '--', 'bash'), [`${C0}.command[0]`]],
    ['--target=1 --all', argv('nsenter', '--target=1', '--all', 'sh'), [`${C0}.command[0]`]],
    ['-t1 -a', argv('/usr/bin/nsenter', '-t1', '-a'), [`${C0}.command[0]`]],
    ['-mutinp -t 1 cluster', argv('nsenter', '-mutnip', '-t', '1', 'bash'), [`${C0}.command[0]`]],
    ['--mount=/proc/1/ns/mnt', argv('nsenter', '--mount=/proc/1/ns/mnt', 'sh'), [`${C0}.command[0]`]],
    ['in a script', sh('nsenter -t 1 -m -- cat /etc/hostname', { hostPID: true }), [`${C0}.command[2]`]],
    ['sudo-wrapped', sh('sudo nsenter --target 1 --mount sh'), [`${C0}.command[2]`]],
    [
      'docker run --privileged --pid=host nsenter',
      sh('docker run --rm --privileged --pid=host alpine nsenter -t 1 -m sh'),
      [`${C0}.command[2]`],
    ],
    [
      'docker run --pid host … /usr/bin/nsenter',
      argv('docker', 'run', '--privileged', '--pid', 'host', 'img', '/usr/bin/nsenter', '-a'),
      [`${C0}.command[0]`],
    ],
    // Benign look-alikes.
    ['network namespace only', argv('nsenter', '-t', '1', '-n', 'ip', 'route'), []],
    ['another pid', argv('nsenter', '-t', '1234', '-m', 'sh'), []],
    ['-t 10 is not pid 1', argv('nsenter', '-t10', '-m'), []],
    ['docker run without --pid=host', sh('docker run --privileged alpine nsenter -t 1 -m sh'), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(nsenterHost, workload)).toEqual(expected);
  });
});

describe('chroot-host', () => {
  it.each<[string, Workload, string[]]>([
    ['chroot /host bash (hostPath /)', mounted('chroot /host bash', '/host'), [`${C0}.command[2]`]],
    [
      'chroot at a custom mountPath',
      mounted('chroot /node-root /bin/sh -c id', '/node-root'),
      [`${C0}.command[2]`],
    ],
    ['trailing slash', mounted('chroot /rootfs/ sh', '/rootfs'), [`${C0}.command[2]`]],
    [
      'chroot /host without a visible volume',
      sh('chroot /host systemctl restart kubelet'),
      [`${C0}.command[2]`],
    ],
    ['chroot /proc/1/root', sh('chroot /proc/1/root sh', { hostPID: true }), [`${C0}.command[2]`]],
    ['--userspec', mounted('chroot --userspec=0:0 /h bash', '/h'), [`${C0}.command[2]`]],
    [
      'argv form on an init container',
      cronJob({
        volumes: [{ name: 'root', hostPath: { path: '/', type: 'Directory' } }],
        initContainers: [
          {
            name: 'i',
            image: 'alpine',
            command: ['chroot', '/mnt/root', 'sh'],
            volumeMounts: [{ name: 'root', mountPath: '/mnt/root' }],
          },
        ],
        containers: [{ name: 'c', image: 'alpine' }],
      }),
      [`${SPEC}.initContainers[0].command[1]`],
    ],
    // Benign look-alikes.
    ['chroot into a build rootfs', sh('chroot /build/rootfs apt-get install -y x'), []],
    ['hostPath that is not the root', mounted('chroot /logs sh', '/logs', '/var/log'), []],
    [
      'mount of / in another container',
      cronJob({
        volumes: [{ name: 'node', hostPath: { path: '/' } }],
        containers: [
          { name: 'a', image: 'alpine', volumeMounts: [{ name: 'node', mountPath: '/x' }] },
          { name: 'b', image: 'alpine', command: ['chroot', '/x', 'sh'] },
        ],
      }),
      [],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(paths(chrootHost, workload)).toEqual(expected);
  });
});

describe('host-disk-mount', () => {
  it.each<[string, Workload, string[]]>([
    ['mount /dev/sda1', sh('mkdir /m && mount /dev/sda1 /m && cat /m/etc/shadow'), [`${C0}.command[2]`]],
    ['mount -t ext4 /dev/nvme0n1p1', sh('mount -t ext4 /dev/nvme0n1p1 /mnt'), [`${C0}.command[2]`]],
    ['mount /dev/xvda1 argv', argv('mount', '/dev/xvda1', '/mnt'), [`${C0}.command[0]`]],
    ['mount /dev/vda', sh('mount /dev/vda /mnt'), [`${C0}.command[2]`]],
    ['mount /dev/mapper/root', sh('mount /dev/mapper/vg-root /mnt'), [`${C0}.command[2]`]],
    ['mount /dev/dm-0', sh('mount /dev/dm-0 /mnt'), [`${C0}.command[2]`]],
    ['debugfs', sh('debugfs -R "cat /etc/shadow" /dev/sda1'), [`${C0}.command[2]`]],
    ['dd if=/dev/sda', sh('dd if=/dev/sda of=/tmp/disk bs=1M count=10'), [`${C0}.command[2]`]],
    [
      'BlockDevice hostPath',
      cronJob({
        volumes: [{ name: 'd', hostPath: { path: '/dev/whatever', type: 'BlockDevice' } }],
        containers: [],
      }),
      [`${SPEC}.volumes[0].hostPath.path`],
    ],
    [
      'hostPath /dev/sdb',
      cronJob({ volumes: [{ name: 'd', hostPath: { path: '/dev/sdb' } }], containers: [] }),
      [`${SPEC}.volumes[0].hostPath.path`],
    ],
    // Benign look-alikes.
    ['mount -t tmpfs', sh('mount -t tmpfs tmpfs /scratch'), []],
    ['nfs mount', sh('mount -t nfs server:/export /mnt'), []],
    ['bind mount', sh('mount --bind /data /mnt'), []],
    ['echo /dev/sda', sh('echo /dev/sda'), []],
    [
      'hostPath /dev/shm',
      cronJob({ volumes: [{ name: 'd', hostPath: { path: '/dev/shm' } }], containers: [] }),
      [],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(paths(hostDiskMount, workload)).toEqual(expected);
  });
});
