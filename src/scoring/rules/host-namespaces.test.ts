import { describe, expect, it } from '@jest/globals';

import { buildWorkload } from '../../workload/build.js';
import type { Workload } from '../../workload/types.js';
import type { Evidence, Rule } from '../types.js';
import { hostIpc } from './host-ipc.js';
import { hostNetwork } from './host-network.js';
import { hostPid } from './host-pid.js';
import { privilegedContainer } from './privileged-container.js';
import { privilegedHostPid } from './privileged-host-pid.js';
import { cronJob } from '../../../test/support/workloads.js';

const CRON = 'spec.jobTemplate.spec.template.spec';
const JOB = 'spec.template.spec';
const app = { name: 'app', image: 'registry.example.com/app:1.0' };

function job(spec: Record<string, unknown>): Workload {
  return buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'x' },
    spec: { template: { spec } },
  });
}

function run<P>(rule: Rule<P>, workload: Workload): Evidence[] {
  return rule.check(workload, rule.params?.defaults as P);
}

describe.each([
  ['hostNetwork', hostNetwork],
  ['hostPID', hostPid],
  ['hostIPC', hostIpc],
] as const)('%s', (field, rule) => {
  it.each([
    [
      'true on a CronJob',
      cronJob({ [field]: true, containers: [app] }),
      [{ path: `${CRON}.${field}`, detail: `${field}: true` }],
    ],
    [
      'true on a Job',
      job({ [field]: true, containers: [app] }),
      [{ path: `${JOB}.${field}`, detail: `${field}: true` }],
    ],
    ['false is not host namespace', cronJob({ [field]: false, containers: [app] }), []],
    ['the string "true" is not the boolean', cronJob({ [field]: 'true', containers: [app] }), []],
    ['unset', cronJob({ containers: [app] }), []],
    ['the word in a label or arg', cronJob({ containers: [{ ...app, args: [`--${field}=true`] }] }), []],
  ])('%s', (_name, workload, expected) => {
    expect(run(rule, workload)).toEqual(expected);
  });
});

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
});

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
});
