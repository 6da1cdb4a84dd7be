import { describe, expect, it } from '@jest/globals';

import type { Flow } from '../../workload/model.js';
import { execution, flow, network, withExecution } from '../../../test/support/execution.js';
import { TRUSTED_INSTALLERS } from '../download.js';
import { downloadExec } from './download-exec.js';
import { downloadExecUnverified } from './download-exec-unverified.js';

/** Code fetched from `url` and run by sh, with the steps on the way. */
const run = (url: string, steps: string[] = []): Flow => flow(network(url), 'exec', { steps, by: 'sh' });
const params = { trustedHosts: [...TRUSTED_INSTALLERS] };
const hostile = (f: Flow) => downloadExec.check(withExecution(execution({ flows: [f] })), undefined);
const unverified = (f: Flow) =>
  downloadExecUnverified.check(withExecution(execution({ flows: [f] })), params);

describe('download-exec-unverified (HTTPS from a domain)', () => {
  it.each<[string, Flow]>([
    ['an HTTPS domain', run('https://k8s-metrics.example/i.sh')],
    ['an in-cluster service over http', run('http://artifacts.ci.svc.cluster.local/setup.sh')],
    ['a host not known before run time', run('https://$HOST/i.sh')],
    [
      'a GitHub path outside the listed projects',
      run('https://raw.githubusercontent.com/someone/tools/main/i.sh'),
    ],
    ['a lookalike of a trusted host', run('https://get.helm.sh.evil.example/i.sh')],
    [
      'an in-cluster service with certificate checks off (a self-signed Service certificate)',
      flow({ kind: 'network', url: 'https://artifacts.ci.svc.cluster.local/i.sh', insecure: true }, 'exec', {
        by: 'sh',
      }),
    ],
  ])('warns on %s', (_name, f) => {
    expect(hostile(f)).toEqual([]);
    expect(unverified(f)).toHaveLength(1);
  });

  it.each<[string, Flow]>([
    [
      'get.helm.sh',
      run('https://get.helm.sh/helm-v3.15.0-linux-amd64.tar.gz', [
        'unpacks it',
        'installs as /usr/local/bin/helm',
        'runs helm',
      ]),
    ],
    ['sh.rustup.rs', run('https://sh.rustup.rs')],
    [
      'a listed project path on raw.githubusercontent.com',
      run('https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3'),
    ],
    [
      'dl.k8s.io installed from /tmp into PATH',
      run('https://dl.k8s.io/release/v1.31.0/bin/linux/amd64/kubectl', [
        'saves as /tmp/kubectl',
        'installs as /usr/local/bin/kubectl',
        'runs kubectl',
      ]),
    ],
  ])('lets a vendor installer through as context only: %s', (_name, f) => {
    expect(hostile(f)).toEqual([]);
    expect(unverified(f)).toEqual([]);
  });

  it('takes its trusted hosts from the policy', () => {
    const f = run('https://mirror.corp.example/install.sh');
    expect(unverified(f)).toHaveLength(1);
    const trusted = downloadExecUnverified.check(withExecution(execution({ flows: [f] })), {
      trustedHosts: ['mirror.corp.example'],
    });
    expect(trusted).toEqual([]);
  });

  it.each<[string, Flow]>([
    ['plain http', run('http://k8s-metrics.example/x.sh')],
    ['an IP literal over https', run('https://203.0.113.41/x.sh')],
    ['a domain, run from /tmp', run('https://example.org/a', ['runs /tmp/a'])],
  ])('leaves %s to download-exec', (_name, f) => {
    expect(hostile(f)).toHaveLength(1);
    expect(unverified(f)).toEqual([]);
  });

  it.each<[string, Flow]>([
    ['a download that is only printed', flow(network('http://203.0.113.41/data'), 'log')],
    ['a decoded payload (encoded-payload’s)', flow({ kind: 'decoded', encoding: 'base64' }, 'exec')],
    ['a raw socket read loop (reverse-shell’s)', flow(network('tcp://203.0.113.41:4444'), 'exec')],
  ])('does not fire on %s', (_name, f) => {
    expect(hostile(f)).toEqual([]);
    expect(unverified(f)).toEqual([]);
  });

  it('weighs 4: warns on its own and denies with other evidence', () => {
    expect(downloadExecUnverified.weight).toBe(4);
  });
});
