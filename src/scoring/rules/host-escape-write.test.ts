import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { execution, write } from '../../../test/support/execution.js';
import { fires, rootMount, rootVolume } from '../../../test/support/rule.js';
import { hostEscapeWrite } from './host-escape-write.js';

describe('host-escape-write', () => {
  it.each<[string, Execution, Record<string, unknown>, Record<string, unknown>]>([
    ['core_pattern', execution({ actions: [write('/proc/sys/kernel/core_pattern', '|/tmp/x')] }), {}, {}],
    ['a cgroup release_agent', execution({ actions: [write('/tmp/cg/release_agent', '/x')] }), {}, {}],
    [
      'a static pod through a hostPath mount',
      execution({ actions: [write('/node/etc/kubernetes/manifests/x.yaml', 'apiVersion: v1')] }),
      rootVolume,
      rootMount,
    ],
    [
      'node authorized_keys under /host',
      execution({ actions: [write('/host/root/.ssh/authorized_keys', 'ssh-ed25519 A')] }),
      {},
      {},
    ],
  ])('fires on %s', (_name, model, spec, container) => {
    expect(fires(hostEscapeWrite, model, spec, container)).toBe(true);
  });

  it.each<[string, Execution]>([
    ['another sysctl', execution({ actions: [write('/proc/sys/vm/max_map_count', '262144')] })],
    ['the container’s own cron file', execution({ actions: [write('/etc/cron.d/job', '* * * * * x')] })],
    ['a report', execution({ actions: [write('/tmp/report.csv', 'a,b')] })],
  ])('does not fire on %s', (_name, model) => {
    expect(fires(hostEscapeWrite, model)).toBe(false);
  });

  it('weighs 9: denies on its own (the default deny threshold is 8)', () => {
    expect(hostEscapeWrite.weight).toBe(9);
  });
});
