import { describe, expect, it } from '@jest/globals';

import { buildWorkload } from '../../workload/build.js';
import { CRON, run, withSecurityContext } from '../../../test/support/rule.js';
import { dangerousCapabilities } from './dangerous-capabilities.js';

const add = (...caps: unknown[]) => withSecurityContext({ capabilities: { add: caps } });
const capsPath = `${CRON}.containers[0].securityContext.capabilities.add`;

describe('dangerous-capabilities', () => {
  it.each([
    ['SYS_ADMIN', add('SYS_ADMIN'), [{ path: capsPath, detail: 'app: SYS_ADMIN' }]],
    ['CAP_ prefix, lower case', add('cap_sys_ptrace'), [{ path: capsPath, detail: 'app: SYS_PTRACE' }]],
    ['ALL', add('all'), [{ path: capsPath, detail: 'app: ALL' }]],
    [
      'several listed once, safe ones left out',
      add('NET_BIND_SERVICE', 'SYS_MODULE', 'DAC_READ_SEARCH', 'sys_module', 'BPF'),
      [{ path: capsPath, detail: 'app: SYS_MODULE, DAC_READ_SEARCH, BPF' }],
    ],
    [
      'NET_ADMIN with hostNetwork',
      withSecurityContext({ capabilities: { add: ['NET_ADMIN'] } }, { hostNetwork: true }),
      [{ path: capsPath, detail: 'app: NET_ADMIN' }],
    ],
    ['NET_ADMIN in the pod namespace (mesh init)', add('NET_ADMIN', 'NET_RAW'), []],
    ['NET_RAW (runtime default)', add('NET_RAW'), []],
    ['DAC_OVERRIDE and CHOWN (runtime defaults)', add('DAC_OVERRIDE', 'CHOWN'), []],
    ['drop only', withSecurityContext({ capabilities: { drop: ['SYS_ADMIN', 'ALL'] } }), []],
    ['malformed add', withSecurityContext({ capabilities: { add: 'SYS_ADMIN' } }), []],
    ['non-string entries', add(7, null), []],
    ['CAP_SYS_ADMINX is not SYS_ADMIN', add('CAP_SYS_ADMINX'), []],
  ])('%s', (_name, workload, expected) => {
    expect(run(dangerousCapabilities, workload)).toEqual(expected);
  });

  it('reports init and ephemeral containers, each on its own', () => {
    const workload = buildWorkload({
      kind: 'Job',
      spec: {
        template: {
          spec: {
            initContainers: [
              { name: 'i', image: 'x', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } },
            ],
            containers: [{ name: 'c', image: 'x' }],
            ephemeralContainers: [
              { name: 'e', image: 'x', securityContext: { capabilities: { add: ['SYS_PTRACE'] } } },
            ],
          },
        },
      },
    });
    expect(run(dangerousCapabilities, workload)).toEqual([
      {
        path: 'spec.template.spec.initContainers[0].securityContext.capabilities.add',
        detail: 'i: SYS_ADMIN',
      },
      {
        path: 'spec.template.spec.ephemeralContainers[0].securityContext.capabilities.add',
        detail: 'e: SYS_PTRACE',
      },
    ]);
  });

  it('takes its lists from the policy', () => {
    expect(run(dangerousCapabilities, add('NET_RAW'), { capabilities: ['CAP_NET_RAW'] })).toEqual([
      { path: capsPath, detail: 'app: NET_RAW' },
    ]);
    expect(run(dangerousCapabilities, add('SYS_ADMIN'), { capabilities: [] })).toEqual([]);
  });

  it('weighs 4: warns on its own and denies with other evidence', () => {
    expect(dangerousCapabilities.weight).toBe(4);
  });
});
