import { describe, expect, it } from '@jest/globals';

import { execution, invocation, withExecution } from '../../../test/support/execution.js';
import { shellWrapper } from './shell-wrapper.js';

describe('shell-wrapper', () => {
  it('notes a container whose own program is a shell with a script, not hooks or nested shells', () => {
    const own = invocation(['sh', '-ec', 'x'], { depth: 0, path: 'p0' });
    expect(shellWrapper.check(withExecution(execution({ invocations: [own] })), undefined)).toHaveLength(1);
    const hook = invocation(['sh', '-c', 'x'], { depth: 0, site: 'lifecycle' });
    const nested = invocation(['bash', '-c', 'x'], { depth: 2 });
    const plain = invocation(['pg_dump'], { depth: 0 });
    expect(
      shellWrapper.check(withExecution(execution({ invocations: [hook, nested, plain] })), undefined),
    ).toEqual([]);
  });

  it('weighs 0: reported, never scored', () => {
    expect(shellWrapper.weight).toBe(0);
  });
});
