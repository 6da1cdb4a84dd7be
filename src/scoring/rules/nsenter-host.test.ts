import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { execution, invocation } from '../../../test/support/execution.js';
import { fires } from '../../../test/support/rule.js';
import { nsenterHost } from './nsenter-host.js';

describe('nsenter-host', () => {
  it.each<[string, Execution]>([
    [
      'as the program',
      execution({ invocations: [invocation(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p'])] }),
    ],
    [
      'as a launcher of a shell',
      execution({ invocations: [invocation(['sh'], { launchers: ['nsenter --target=1 --mount'] })] }),
    ],
    [
      'with all namespaces',
      execution({ invocations: [invocation(['bash'], { launchers: ['sudo', '/usr/bin/nsenter -a -t1'] })] }),
    ],
  ])('fires %s', (_name, model) => {
    expect(fires(nsenterHost, model)).toBe(true);
  });

  it('does not fire on network-only debugging', () => {
    expect(
      fires(
        nsenterHost,
        execution({ invocations: [invocation(['ip', 'route'], { launchers: ['nsenter -t 1 -n'] })] }),
      ),
    ).toBe(false);
  });

  it('weighs 9: denies on its own (the default deny threshold is 8)', () => {
    expect(nsenterHost.weight).toBe(9);
  });
});
