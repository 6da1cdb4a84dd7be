import { describe, expect, it } from '@jest/globals';

import { hostNamespaceCases, run } from '../../../test/support/rule.js';
import { hostNetwork } from './host-network.js';

describe('host-network', () => {
  it.each(hostNamespaceCases('hostNetwork'))('%s', (_name, workload, expected) => {
    expect(run(hostNetwork, workload)).toEqual(expected);
  });

  it('weighs 2: context that adds up with other host access, never a deny on its own', () => {
    expect(hostNetwork.weight).toBe(2);
  });
});
