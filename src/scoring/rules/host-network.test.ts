import { describe, expect, it } from '@jest/globals';

import { hostNamespaceLookAlikes, hostNamespaceSet, run } from '../../../test/support/rule.js';
import { hostNetwork } from './host-network.js';

describe('host-network', () => {
  it.each(hostNamespaceSet('hostNetwork'))('fires on %s, naming the field', (_name, workload, expected) => {
    expect(run(hostNetwork, workload)).toEqual(expected);
  });

  it.each(hostNamespaceLookAlikes('hostNetwork'))('does not fire on %s', (_name, workload) => {
    expect(run(hostNetwork, workload)).toEqual([]);
  });

  it('weighs 2: context that adds up with other host access, never a deny on its own', () => {
    expect(hostNetwork.weight).toBe(2);
  });
});
