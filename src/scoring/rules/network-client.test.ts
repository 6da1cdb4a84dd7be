import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import {
  connect,
  execution,
  fetch,
  flow,
  lit,
  network,
  withExecution,
  withExecutions,
} from '../../../test/support/execution.js';
import { networkClient } from './network-client.js';

const check = (model: Execution) => networkClient.check(withExecution(model), undefined);

describe('network-client', () => {
  it('reports the first fetch or data-carrying socket of each container', () => {
    const workload = withExecutions([
      execution({
        actions: [
          fetch('https://api.example.com/x', { path: 'a' }),
          fetch('https://b.example', { path: 'b' }),
        ],
      }),
      execution({ actions: [connect('web', '80', { sends: [lit('GET /')], path: 'c' })] }),
    ]);
    expect(networkClient.check(workload, undefined).map((e) => e.path)).toEqual(['a', 'c']);
    expect(networkClient.weight).toBe(1);
  });

  it('calls an installer fetched over HTTPS from a trusted vendor context', () => {
    const installer = flow(network('https://get.helm.sh/helm-v3.15.0-linux-amd64.tar.gz'), 'exec', {
      steps: ['unpacks it', 'installs as /usr/local/bin/helm', 'runs helm'],
      by: 'sh',
    });
    expect(check(execution({ flows: [installer] })).map((e) => e.reason)).toEqual([
      'runs an installer fetched over HTTPS',
    ]);
  });

  it.each<[string, Execution]>([
    ['a port probe that sends nothing', execution({ actions: [connect('db', '5432', { loop: true })] })],
    [
      'the metadata service (cloud-metadata-access’s)',
      execution({ actions: [fetch('http://169.254.169.254/latest/meta-data/placement/region')] }),
    ],
    ['no network at all', execution()],
  ])('does not fire on %s', (_name, model) => {
    expect(check(model)).toEqual([]);
  });
});
