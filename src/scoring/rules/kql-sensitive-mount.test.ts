import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { run } from '../../../test/support/rule.js';
import { argv, sh } from '../../../test/support/workloads.js';
import { kqlSensitiveMount } from './kql-sensitive-mount.js';

describe('kql-sensitive-mount (seed IsSensitiveMount)', () => {
  it.each<[string, Workload, string]>([
    ['/etc in a script', sh('cat /etc/shadow'), '"/etc"'],
    ['the docker socket', argv('ls', '/var/run/docker.sock'), '"/var/run/docker.sock"'],
    ['/proc and /sys together', argv('cat', '/proc/cpuinfo', '/sys/fs/cgroup/x'), '"/proc", "/sys"'],
    ['/etc-backup (the term ends at the dash)', argv('ls', '/etc-backup'), '"/etc"'],
    ['/usr/local/etc/x', argv('ls', '/usr/local/etc/x'), '"/etc"'],
  ])('fires on %s', (_name, workload, terms) => {
    expect(run(kqlSensitiveMount, workload)).toEqual([{ path: '', detail: `body has ${terms}` }]);
  });

  it.each<[string, Workload]>([
    ['/etcd', argv('ls', '/etcd')],
    ['/system', argv('ls', '/system')],
    ['/process', argv('ls', '/process')],
    ['/var/log', argv('ls', '/var/log')],
  ])('does not fire on %s (term boundary)', (_name, workload) => {
    expect(run(kqlSensitiveMount, workload)).toEqual([]);
  });

  it('scores 1', () => {
    expect(kqlSensitiveMount.weight).toBe(1);
  });
});
