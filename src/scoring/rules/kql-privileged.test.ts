import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { run } from '../../../test/support/rule.js';
import { argv, cronJob } from '../../../test/support/workloads.js';
import { kqlPrivileged } from './kql-privileged.js';

const app = (securityContext: Record<string, unknown>) =>
  cronJob({ containers: [{ name: 'app', image: 'registry.example.com/app:1', securityContext }] });

describe('kql-privileged (seed IsPrivileged)', () => {
  it.each<[string, Workload]>([
    ['privileged: true', app({ privileged: true })],
    ['privileged: false (the key is the term, kept for parity)', app({ privileged: false })],
    ['the word in an argument', argv('echo', 'not privileged')],
  ])('fires on %s, scoring 1 with the whole body as path', (_name, workload) => {
    expect(run(kqlPrivileged, workload)).toEqual([{ path: '', detail: 'body has "privileged"' }]);
    expect(kqlPrivileged.weight).toBe(1);
  });

  it.each<[string, Workload]>([
    ['allowPrivilegeEscalation (one term)', app({ allowPrivilegeEscalation: true })],
    ['a plain container', app({})],
    ['a longer word: unprivileged', argv('echo', 'unprivileged')],
  ])('does not fire on %s', (_name, workload) => {
    expect(run(kqlPrivileged, workload)).toEqual([]);
  });

  it('takes its terms from the policy', () => {
    expect(run(kqlPrivileged, app({ privileged: true }), { terms: ['sysadmin'] })).toEqual([]);
  });
});
