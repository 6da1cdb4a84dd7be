import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { run } from '../../../test/support/rule.js';
import { argv, cronJob } from '../../../test/support/workloads.js';
import { kqlHostPathMount } from './kql-host-path-mount.js';

const withVolume = (volume: Record<string, unknown>) =>
  cronJob({
    containers: [
      { name: 'app', image: 'registry.example.com/app:1', volumeMounts: [{ name: 'v', mountPath: '/v' }] },
    ],
    volumes: [{ name: 'v', ...volume }],
  });

describe('kql-host-path-mount (seed IsHostPathMount)', () => {
  it.each<[string, Workload]>([
    ['hostPath /', withVolume({ hostPath: { path: '/' } })],
    ['a read-only /var/log (any path scores the same)', withVolume({ hostPath: { path: '/var/log' } })],
  ])('fires on %s, scoring 1', (_name, workload) => {
    expect(run(kqlHostPathMount, workload)).toEqual([{ path: '', detail: 'body has "hostPath"' }]);
    expect(kqlHostPathMount.weight).toBe(1);
  });

  it.each<[string, Workload]>([
    ['an emptyDir', withVolume({ emptyDir: {} })],
    ['a ConfigMap volume', withVolume({ configMap: { name: 'settings' } })],
    ['hostPathType is another term', argv('echo', 'hostPathType')],
  ])('does not fire on %s', (_name, workload) => {
    expect(run(kqlHostPathMount, workload)).toEqual([]);
  });
});
