import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { run } from '../../../test/support/rule.js';
import { cronJob } from '../../../test/support/workloads.js';
import { kqlServiceAccountToken } from './kql-service-account-token.js';

const app = { name: 'app', image: 'registry.example.com/app:1' };

describe('kql-service-account-token (seed IsServiceAccountToken)', () => {
  it.each<[string, Workload]>([
    [
      'automountServiceAccountToken: true',
      cronJob({ automountServiceAccountToken: true, containers: [app] }),
    ],
    [
      'automountServiceAccountToken: false (the safe setting matches too)',
      cronJob({ automountServiceAccountToken: false, containers: [app] }),
    ],
  ])('reports %s', (_name, workload) => {
    expect(run(kqlServiceAccountToken, workload)).toEqual([
      { path: '', detail: 'body has "automountServiceAccountToken"' },
    ]);
  });

  it('is never scored (weight 0), as the seed leaves it out of SuspicionScore', () => {
    expect(kqlServiceAccountToken.weight).toBe(0);
  });

  it.each<[string, Workload]>([
    ['a pod that leaves automount unset', cronJob({ containers: [app] })],
    ['a serviceAccountName alone', cronJob({ serviceAccountName: 'reporter', containers: [app] })],
  ])('does not fire on %s', (_name, workload) => {
    expect(run(kqlServiceAccountToken, workload)).toEqual([]);
  });
});
