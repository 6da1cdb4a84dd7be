import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { execution, flow, invocation, network, withExecution } from '../../../test/support/execution.js';
import { encodedPayload } from './encoded-payload.js';

const encoded = (model: Execution) => encodedPayload.check(withExecution(model), undefined);

describe('encoded-payload', () => {
  it('fires on decoded text that runs, naming the decoder', () => {
    const found = encoded(
      execution({ flows: [flow({ kind: 'decoded', encoding: 'base64' }, 'exec', { by: 'bash' })] }),
    );
    expect(found.map((e) => e.detail)).toEqual(['takes base64-decoded text, runs it (bash)']);
  });

  it.each<[string, Execution]>([
    [
      'a certificate decoded to a file',
      execution({ flows: [flow({ kind: 'decoded', encoding: 'base64' }, 'log')] }),
    ],
    ['fetched code (download-exec’s)', execution({ flows: [flow(network('https://x.example/i'), 'exec')] })],
    ['eval of a program’s output (ssh-agent)', execution({ invocations: [invocation(['ssh-agent', '-s'])] })],
  ])('does not fire on %s', (_name, model) => {
    expect(encoded(model)).toEqual([]);
  });

  it('weighs 8: denies on its own (the default deny threshold is 8)', () => {
    expect(encodedPayload.weight).toBe(8);
  });
});
