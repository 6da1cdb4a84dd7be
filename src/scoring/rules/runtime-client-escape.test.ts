import { describe, expect, it } from '@jest/globals';

import { execution, invocation } from '../../../test/support/execution.js';
import { fires } from '../../../test/support/rule.js';
import { runtimeClientEscape } from './runtime-client-escape.js';

describe('runtime-client-escape', () => {
  const socket = {
    volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }],
  };
  const sockMount = { volumeMounts: [{ name: 'sock', mountPath: '/var/run/docker.sock' }] };

  it('fires on a privileged or host-mounting run through a mounted node socket', () => {
    const run = invocation(['docker', 'run', '--privileged', '-v', '/:/host', 'alpine', 'sh']);
    expect(fires(runtimeClientEscape, execution({ invocations: [run] }), socket, sockMount)).toBe(true);
  });

  it('does not fire on a prune, a plain run, or a run with no node runtime', () => {
    expect(
      fires(
        runtimeClientEscape,
        execution({ invocations: [invocation(['docker', 'image', 'prune', '-af'])] }),
        socket,
        sockMount,
      ),
    ).toBe(false);
    expect(
      fires(
        runtimeClientEscape,
        execution({ invocations: [invocation(['docker', 'run', '--rm', 'alpine', 'make'])] }),
        socket,
        sockMount,
      ),
    ).toBe(false);
    expect(
      fires(
        runtimeClientEscape,
        execution({ invocations: [invocation(['docker', 'run', '--privileged', 'alpine'])] }),
      ),
    ).toBe(false);
  });

  it('weighs 9: denies on its own (the default deny threshold is 8)', () => {
    expect(runtimeClientEscape.weight).toBe(9);
  });
});
