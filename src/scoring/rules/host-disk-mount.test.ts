import { describe, expect, it } from '@jest/globals';

import { execution, invocation } from '../../../test/support/execution.js';
import { fires } from '../../../test/support/rule.js';
import { hostDiskMount } from './host-disk-mount.js';

describe('host-disk-mount', () => {
  it('fires on mounting a disk device, not tmpfs', () => {
    expect(
      fires(hostDiskMount, execution({ invocations: [invocation(['mount', '/dev/sda1', '/mnt'])] })),
    ).toBe(true);
    expect(
      fires(
        hostDiskMount,
        execution({ invocations: [invocation(['mount', '-t', 'tmpfs', 'tmpfs', '/mnt'])] }),
      ),
    ).toBe(false);
  });

  it('weighs 6: warns on its own and denies with other evidence', () => {
    expect(hostDiskMount.weight).toBe(6);
  });
});
