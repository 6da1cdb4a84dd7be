import { describe, expect, it } from '@jest/globals';

import { CRON, JOB, job, run } from '../../../test/support/rule.js';
import { cronJob } from '../../../test/support/workloads.js';

const app = { name: 'app', image: 'registry.example.com/app:1.0' };
import { privilegedContainer } from './privileged-container.js';

describe('privileged-container', () => {
  it.each([
    [
      'privileged regular container',
      cronJob({ containers: [app, { ...app, name: 'second', securityContext: { privileged: true } }] }),
      [{ path: `${CRON}.containers[1].securityContext.privileged`, detail: 'container second' }],
    ],
    [
      'init and ephemeral containers, each reported',
      job({
        initContainers: [{ ...app, name: 'setup', securityContext: { privileged: true } }],
        containers: [{ ...app, securityContext: { privileged: true } }],
        ephemeralContainers: [{ ...app, name: 'debug', securityContext: { privileged: true } }],
      }),
      [
        { path: `${JOB}.initContainers[0].securityContext.privileged`, detail: 'init container setup' },
        { path: `${JOB}.containers[0].securityContext.privileged`, detail: 'container app' },
        {
          path: `${JOB}.ephemeralContainers[0].securityContext.privileged`,
          detail: 'ephemeral container debug',
        },
      ],
    ],
    [
      'Windows hostProcess pod and container',
      job({
        securityContext: { windowsOptions: { hostProcess: true } },
        containers: [{ ...app, securityContext: { windowsOptions: { hostProcess: true } } }],
      }),
      [
        {
          path: `${JOB}.securityContext.windowsOptions.hostProcess`,
          detail: 'pod hostProcess: true',
          reason: 'Windows HostProcess pod',
        },
        {
          path: `${JOB}.containers[0].securityContext.windowsOptions.hostProcess`,
          detail: 'container app',
          reason: 'Windows HostProcess container',
        },
      ],
    ],
    [
      'privileged: false is not privileged',
      cronJob({ containers: [{ ...app, securityContext: { privileged: false } }] }),
      [],
    ],
    [
      'allowPrivilegeEscalation is a different field',
      cronJob({ containers: [{ ...app, securityContext: { allowPrivilegeEscalation: true } }] }),
      [],
    ],
    ['a label saying privileged', cronJob({ containers: [{ ...app, args: ['--privileged'] }] }), []],
    [
      'hostProcess: false',
      job({ containers: [{ ...app, securityContext: { windowsOptions: { hostProcess: false } } }] }),
      [],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(run(privilegedContainer, workload)).toEqual(expected);
  });

  it('weighs 5: warns on its own and denies with other evidence', () => {
    expect(privilegedContainer.weight).toBe(5);
  });
});
