import { describe, expect, it } from '@jest/globals';

import { hostNamespaceLookAlikes, hostNamespaceSet, run } from '../../../test/support/rule.js';
import { hostIpc } from './host-ipc.js';

describe('host-ipc', () => {
  it.each(hostNamespaceSet('hostIPC'))('fires on %s, naming the field', (_name, workload, expected) => {
    expect(run(hostIpc, workload)).toEqual(expected);
  });

  it.each(hostNamespaceLookAlikes('hostIPC'))('does not fire on %s', (_name, workload) => {
    expect(run(hostIpc, workload)).toEqual([]);
  });

  it('weighs 2: context that adds up with other host access, never a deny on its own', () => {
    expect(hostIpc.weight).toBe(2);
  });
});
