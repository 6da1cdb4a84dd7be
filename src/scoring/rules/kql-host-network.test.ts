import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { run } from '../../../test/support/rule.js';
import { argv, cronJob } from '../../../test/support/workloads.js';
import { kqlHostNetwork } from './kql-host-network.js';

const app = { name: 'app', image: 'registry.example.com/app:1' };

describe('kql-host-network (seed IsHostNetwork)', () => {
  it.each<[string, Workload]>([
    ['hostNetwork: true', cronJob({ hostNetwork: true, containers: [app] })],
    ['hostNetwork: false (kept for parity)', cronJob({ hostNetwork: false, containers: [app] })],
  ])('fires on %s, scoring 1', (_name, workload) => {
    expect(run(kqlHostNetwork, workload)).toEqual([{ path: '', detail: 'body has "hostNetwork"' }]);
    expect(kqlHostNetwork.weight).toBe(1);
  });

  it.each<[string, Workload]>([
    ['no host namespace at all', cronJob({ containers: [app] })],
    ['hostPID only', cronJob({ hostPID: true, containers: [app] })],
    ['a longer word: hostNetworking', argv('echo', 'hostNetworking')],
  ])('does not fire on %s', (_name, workload) => {
    expect(run(kqlHostNetwork, workload)).toEqual([]);
  });
});
