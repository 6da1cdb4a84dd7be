import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { execution, invocation } from '../../../test/support/execution.js';
import { fires, hostPathAt, hostPathCronJob, run } from '../../../test/support/rule.js';
import { hostDiskMount } from './host-disk-mount.js';

const running = (...words: string[]): Execution => execution({ invocations: [invocation(words)] });

describe('host-disk-mount', () => {
  it.each<[string, Execution]>([
    ['mount of a SCSI disk partition', running('mount', '/dev/sda1', '/mnt')],
    ['mount of an NVMe namespace', running('mount', '-o', 'ro', '/dev/nvme0n1p1', '/mnt/node')],
    ['mount of the root device', running('mount', '/dev/root', '/r')],
    ['debugfs on a Xen disk', running('debugfs', '-w', '/dev/xvda1')],
    ['dd reading a virtio disk', running('dd', 'if=/dev/vda', 'of=/tmp/disk.img')],
  ])('fires on %s', (_name, model) => {
    expect(fires(hostDiskMount, model)).toBe(true);
  });

  it('fires on a hostPath volume of a disk device or of type BlockDevice, naming the path', () => {
    expect(run(hostDiskMount, hostPathCronJob({ path: '/dev/sda' }))).toEqual([
      { path: hostPathAt(0), detail: 'hostPath /dev/sda' },
    ]);
  });

  it.each<[string, Execution]>([
    ['a tmpfs mount', running('mount', '-t', 'tmpfs', 'tmpfs', '/mnt')],
    ['an NFS mount', running('mount', '-t', 'nfs', 'nfs.example.internal:/exports/data', '/mnt')],
    ['a bind mount', running('mount', '--bind', '/data', '/mnt/data')],
    ['dd between files', running('dd', 'if=/tmp/a', 'of=/tmp/b')],
    ['reading /dev/null', running('dd', 'if=/dev/zero', 'of=/tmp/x', 'count=1')],
  ])('does not fire on %s (no disk device)', (_name, model) => {
    expect(fires(hostDiskMount, model)).toBe(false);
  });

  it.each<[string, Execution, boolean]>([
    ['a device-mapper volume', running('dd', 'if=/tmp/img', 'of=/dev/mapper/vg-root'), true],
    ['a disk named by UUID', running('mount', '/dev/disk/by-uuid/1234', '/mnt'), true],
    ['/dev/shm', running('mount', '-o', 'remount,size=1g', '/dev/shm'), false],
  ])('device names: %s → %s', (_name, model, expected) => {
    expect(fires(hostDiskMount, model)).toBe(expected);
  });

  it('weighs 6: warns on its own and denies with other evidence', () => {
    expect(hostDiskMount.weight).toBe(6);
  });
});
