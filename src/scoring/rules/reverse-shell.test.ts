import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import {
  AT,
  connect,
  execution,
  flow,
  network,
  stdio,
  withExecution,
  withExecutions,
} from '../../../test/support/execution.js';
import { reverseShell } from './reverse-shell.js';

const check = (model: Execution) => reverseShell.check(withExecution(model), undefined);

describe('reverse-shell', () => {
  it('fires on a socket joined to a shell’s streams, naming the peer', () => {
    const found = check(execution({ actions: [connect('203.0.113.5', '4444'), stdio(1)] }));
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe(AT);
    expect(found[0]?.detail).toContain('tcp://203.0.113.5:4444');
    expect(found[0]?.reason).toBeUndefined();
  });

  it('calls a listening socket joined to a shell a bind shell', () => {
    const found = check(
      execution({
        actions: [
          {
            type: 'listen',
            socket: 3,
            port: { text: '4444', exact: true, origins: [] },
            path: AT,
            loop: false,
            detail: 'nc -lp 4444 -e sh',
          },
          stdio(3),
        ],
      }),
    );
    expect(found[0]?.reason).toBe('bind shell');
  });

  it('fires on commands read from a raw socket and run (a read loop)', () => {
    const found = check(
      execution({ flows: [flow(network('tcp://198.51.100.7:80'), 'exec', { loop: true })] }),
    );
    expect(found.map((e) => e.reason)).toEqual(['runs commands read from a socket']);
  });

  it('looks at every container', () => {
    const workload = withExecutions([
      execution(),
      execution({ actions: [connect('h', '1'), stdio(1, { path: 'p2' })] }),
    ]);
    expect(reverseShell.check(workload, undefined).map((e) => e.path)).toEqual(['p2']);
  });

  it.each<[string, Execution]>([
    [
      'a wait-for probe: a socket and no stdio',
      execution({ actions: [connect('db', '5432', { loop: true })] }),
    ],
    [
      'an HTTP request written to /dev/tcp and printed',
      execution({
        actions: [connect('web', '80', { sends: [{ text: 'GET /', exact: true, origins: [] }] })],
        flows: [flow(network('tcp://web:80'), 'log')],
      }),
    ],
    [
      'code fetched over HTTPS and run (download-exec’s, not a socket)',
      execution({ flows: [flow(network('https://get.helm.sh/x'), 'exec')] }),
    ],
    ['nothing at all', execution()],
  ])('does not fire on %s', (_name, model) => {
    expect(check(model)).toEqual([]);
  });

  it('weighs 10: denies on its own (the default deny threshold is 8)', () => {
    expect(reverseShell.weight).toBe(10);
  });
});
