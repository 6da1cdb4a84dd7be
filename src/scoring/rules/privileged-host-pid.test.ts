import { describe, expect, it } from '@jest/globals';

import { CRON, JOB, job, run } from '../../../test/support/rule.js';
import { cronJob } from '../../../test/support/workloads.js';

const app = { name: 'app', image: 'registry.example.com/app:1.0' };
import { privilegedHostPid } from './privileged-host-pid.js';

describe('privileged-host-pid', () => {
  it.each([
    [
      'privileged with hostPID (nsenter setup)',
      cronJob({
        hostPID: true,
        containers: [app, { ...app, name: 'shell', securityContext: { privileged: true } }],
      }),
      [{ path: `${CRON}.hostPID`, detail: 'privileged container shell' }],
    ],
    [
      'privileged init container counts',
      job({
        hostPID: true,
        initContainers: [{ ...app, securityContext: { privileged: true } }],
        containers: [app],
      }),
      [{ path: `${JOB}.hostPID`, detail: 'privileged container app' }],
    ],
    ['hostPID alone (kube-bench)', cronJob({ hostPID: true, containers: [app] }), []],
    ['privileged alone', cronJob({ containers: [{ ...app, securityContext: { privileged: true } }] }), []],
    [
      'privileged with hostNetwork only',
      cronJob({ hostNetwork: true, containers: [{ ...app, securityContext: { privileged: true } }] }),
      [],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(run(privilegedHostPid, workload)).toEqual(expected);
  });

  it('weighs 2: context: at most annotates on its own', () => {
    expect(privilegedHostPid.weight).toBe(2);
  });
});
