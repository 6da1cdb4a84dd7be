import { describe, expect, it } from '@jest/globals';

import { hostNamespaceLookAlikes, hostNamespaceSet, run } from '../../../test/support/rule.js';
import { hostPid } from './host-pid.js';

describe('host-pid', () => {
  it.each(hostNamespaceSet('hostPID'))('fires on %s, naming the field', (_name, workload, expected) => {
    expect(run(hostPid, workload)).toEqual(expected);
  });

  it.each(hostNamespaceLookAlikes('hostPID'))('does not fire on %s', (_name, workload) => {
    expect(run(hostPid, workload)).toEqual([]);
  });

  it('weighs 3: context that adds up with other host access, never a deny on its own', () => {
    expect(hostPid.weight).toBe(3);
  });
});
