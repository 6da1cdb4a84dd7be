import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { connect, execution, lit, unknown, withExecution } from '../../../test/support/execution.js';
import { portScanLoop } from './port-scan-loop.js';

const loopScan = (model: Execution) => portScanLoop.check(withExecution(model), undefined);

describe('port-scan-loop', () => {
  it.each<[string, Execution, string]>([
    [
      'a loop over ports',
      execution({ actions: [connect('10.0.0.1', unknown('$p'), { loop: true })] }),
      'connects port after port',
    ],
    [
      'a loop over hosts',
      execution({ actions: [connect(unknown('10.0.0.$i'), '22', { loop: true })] }),
      'connects host after host',
    ],
    ['a port range in one target', execution({ actions: [connect('db', '1-1024')] }), 'port range 1-1024'],
    [
      'a brace sequence of hosts',
      execution({ actions: [connect('10.0.0.{1..254}', '22', { loop: true })] }),
      'host sequence 10.0.0.{1..254}',
    ],
    ['a CIDR target', execution({ actions: [connect('10.0.0.0/24', '80')] }), 'address range 10.0.0.0/24'],
    [
      'five distinct literal targets',
      execution({
        actions: ['22', '80', '443', '2379', '10250'].map((p, k) =>
          connect('10.0.0.1', p, { path: `p${k}` }),
        ),
      }),
      'connects to 5 targets',
    ],
  ])('fires on %s', (_name, model, reason) => {
    expect(loopScan(model).map((e) => e.reason)).toContain(reason);
  });

  it.each<[string, Execution]>([
    [
      'a wait-for-db retry of one literal host and port',
      execution({ actions: [connect('db', '5432', { loop: true })] }),
    ],
    [
      'a retry whose host and port come from env',
      execution({
        actions: [
          connect(
            unknown('$DB_HOST', [{ kind: 'env', name: 'DB_HOST' }]),
            unknown('$DB_PORT', [{ kind: 'env', name: 'DB_PORT' }]),
            { loop: true },
          ),
        ],
      }),
    ],
    [
      'two dependencies checked once',
      execution({ actions: [connect('db', '5432'), connect('redis', lit('6379'), { path: 'p2' })] }),
    ],
    [
      'a unix socket',
      execution({ actions: [connect('/run/x.sock', '0', { protocol: 'unix', loop: true })] }),
    ],
  ])('does not fire on %s', (_name, model) => {
    expect(loopScan(model)).toEqual([]);
  });

  it('weighs 8: denies on its own (the default deny threshold is 8)', () => {
    expect(portScanLoop.weight).toBe(8);
  });
});
