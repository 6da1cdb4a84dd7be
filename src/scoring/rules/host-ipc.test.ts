import { describe, expect, it } from '@jest/globals';

import { hostNamespaceCases, run } from '../../../test/support/rule.js';
import { hostIpc } from './host-ipc.js';

describe('host-ipc', () => {
  it.each(hostNamespaceCases('hostIPC'))('%s', (_name, workload, expected) => {
    expect(run(hostIpc, workload)).toEqual(expected);
  });

  it('weighs 2: context that adds up with other host access, never a deny on its own', () => {
    expect(hostIpc.weight).toBe(2);
  });
});
