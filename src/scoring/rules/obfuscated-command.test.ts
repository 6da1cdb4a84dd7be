import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { execution, flow, invocation, sign, withExecution } from '../../../test/support/execution.js';
import { obfuscatedCommand } from './obfuscated-command.js';

const obfuscated = (model: Execution) => obfuscatedCommand.check(withExecution(model), undefined);

describe('obfuscated-command', () => {
  it.each<[string, Execution, string]>([
    [
      'a split program name',
      execution({ obfuscation: [sign('split-name', "c''url")] }),
      'program name split to hide it',
    ],
    [
      'a computed name',
      execution({ obfuscation: [sign('computed-name', '$a$b')] }),
      'program name computed at run time',
    ],
    [
      'eval of computed text',
      execution({ obfuscation: [sign('eval-computed', 'eval $x')] }),
      'eval of computed text',
    ],
    [
      'an invocation whose name was assembled',
      execution({ invocations: [invocation(['curl'], { obfuscatedName: true })] }),
      'program name computed at run time',
    ],
    [
      'escaped text with a flow to execution',
      execution({
        obfuscation: [sign('escaped-text', "$'\\x63'")],
        flows: [flow({ kind: 'decoded', encoding: 'hex' }, 'exec')],
      }),
      'escaped text run as code',
    ],
  ])('fires on %s', (_name, model, reason) => {
    expect(obfuscated(model).map((e) => e.reason)).toEqual([reason]);
  });

  it.each<[string, Execution]>([
    ['colour escapes alone', execution({ obfuscation: [sign('escaped-text', "printf '\\033[1m'")] })],
    ['decode-to-exec (encoded-payload’s)', execution({ obfuscation: [sign('decode-to-exec')] })],
    ['a plain script', execution({ invocations: [invocation(['pg_dump', 'db'])] })],
  ])('does not fire on %s', (_name, model) => {
    expect(obfuscated(model)).toEqual([]);
  });

  it('weighs 4: warns on its own and denies with other evidence', () => {
    expect(obfuscatedCommand.weight).toBe(4);
  });
});
