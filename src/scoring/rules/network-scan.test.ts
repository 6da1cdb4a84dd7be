import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { execution, invocation, withExecution } from '../../../test/support/execution.js';
import { networkScan } from './network-scan.js';

const scanner = (model: Execution) => networkScan.check(withExecution(model), undefined);

describe('network-scan', () => {
  it('fires on scanner programs with a target, under any launcher', () => {
    expect(
      scanner(
        execution({ invocations: [invocation(['nmap', '-p-', '10.0.0.0/24'], { launchers: ['nohup'] })] }),
      ),
    ).toHaveLength(1);
    expect(
      scanner(execution({ invocations: [invocation(['/opt/masscan', '10.0.0.0/8', '-p80'])] })),
    ).toHaveLength(1);
  });

  it('does not fire on version checks or other programs', () => {
    expect(scanner(execution({ invocations: [invocation(['nmap', '--version'])] }))).toEqual([]);
    expect(scanner(execution({ invocations: [invocation(['nc', '-z', 'db', '5432'])] }))).toEqual([]);
  });

  it('weighs 4: warns on its own and denies with other evidence', () => {
    expect(networkScan.weight).toBe(4);
  });
});
