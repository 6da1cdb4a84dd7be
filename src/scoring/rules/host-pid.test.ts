import { describe, expect, it } from '@jest/globals';

import { hostNamespaceCases, run } from '../../../test/support/rule.js';
import { hostPid } from './host-pid.js';

describe('host-pid', () => {
  it.each(hostNamespaceCases('hostPID'))('%s', (_name, workload, expected) => {
    expect(run(hostPid, workload)).toEqual(expected);
  });

  it('weighs 3: context that adds up with other host access, never a deny on its own', () => {
    expect(hostPid.weight).toBe(3);
  });
});
