import { describe, expect, it } from '@jest/globals';

import { execution, invocation } from '../../../test/support/execution.js';
import { fires, rootMount, rootVolume } from '../../../test/support/rule.js';
import { chrootHost } from './chroot-host.js';

describe('chroot-host', () => {
  it('fires on chroot into a hostPath / mount, /host or /proc/1/root, as program or launcher', () => {
    expect(
      fires(
        chrootHost,
        execution({ invocations: [invocation(['bash'], { launchers: ['chroot /node'] })] }),
        rootVolume,
        rootMount,
      ),
    ).toBe(true);
    expect(fires(chrootHost, execution({ invocations: [invocation(['chroot', '/host'])] }))).toBe(true);
    expect(
      fires(
        chrootHost,
        execution({ invocations: [invocation(['sh'], { launchers: ['chroot /proc/1/root/'] })] }),
      ),
    ).toBe(true);
  });

  it('does not fire on chroot into a build rootfs', () => {
    expect(
      fires(
        chrootHost,
        execution({ invocations: [invocation(['make'], { launchers: ['chroot /build/rootfs'] })] }),
        rootVolume,
        rootMount,
      ),
    ).toBe(false);
  });

  it('weighs 8: denies on its own (the default deny threshold is 8)', () => {
    expect(chrootHost.weight).toBe(8);
  });
});
