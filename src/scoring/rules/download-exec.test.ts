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

describe('download-exec (hostile sources)', () => {
  it.each<[string, Flow, string]>([
    ['plain http', run('http://k8s-metrics.example/x.sh'), 'code over plain http'],
    ['an IP literal over https', run('https://203.0.113.41/x.sh'), 'code from the address 203.0.113.41'],
    ['a decimal IP', run('http://2852039166/x'), 'code from the metadata service'],
    ['a hex IP', run('http://0xcb00712a/x'), 'code from the address 0xcb00712a'],
    ['a private IP literal', run('http://10.0.0.5/x'), 'code from the address 10.0.0.5'],
    [
      'a wildcard-DNS name',
      run('https://203.0.113.9.nip.io/x'),
      'code from a wildcard-DNS name for 203.0.113.9',
    ],
    [
      'a non-default port',
      run('https://cdn.update-check.example:8443/i'),
      'code from cdn.update-check.example on port 8443',
    ],
    ['ftp', run('ftp://files.example.org/x'), 'code over plain ftp'],
    [
      'a trusted host, dropped into a hidden path',
      run('https://get.helm.sh/x', ['moves /tmp/x as /usr/local/bin/.x', 'runs /usr/local/bin/.x']),
      'hidden path /usr/local/bin/.x',
    ],
    ['a domain, run from /tmp', run('https://example.org/a', ['runs /tmp/a']), 'runs from /tmp/a'],
    [
      'downloaded into /tmp and run by a relative name',
      run('https://cdn.example.org/bot', ['downloads https://cdn.example.org/bot to /tmp/bot', 'runs ./bot']),
      'runs from /tmp/bot',
    ],
    ['from /dev/shm', run('https://example.org/a', ['runs /dev/shm/kswapd0']), 'runs from /dev/shm/kswapd0'],
    [
      'unpacked into a hidden directory',
      run('https://example.org/k.tgz', [
        'unpacks k.tgz into /var/tmp/.cache',
        'runs /var/tmp/.cache/kswapd0',
      ]),
      'hidden path /var/tmp/.cache',
    ],
    [
      'an HTTPS domain fetched with certificate checks off',
      flow({ kind: 'network', url: 'https://cdn.example.org/a', insecure: true }, 'exec', { by: 'python3' }),
      'code fetched with certificate checks off',
    ],
    [
      'a tunnel to someone’s laptop',
      run('https://3f9a-203-0-113-5.ngrok-free.app/i.sh'),
      'code from ngrok-free.app, where anyone publishes anonymously',
    ],
    [
      'a paste site',
      run('https://pastebin.com/raw/Xy12'),
      'code from pastebin.com, where anyone publishes anonymously',
    ],
    [
      'a dynamic-DNS name',
      run('https://k8s-upd.duckdns.org/x'),
      'code from duckdns.org, where anyone publishes anonymously',
    ],
  ])('denies %s', (_name, f, why) => {
    expect(hostile(f).map((e) => e.reason)).toEqual([why]);
    expect(unverified(f)).toEqual([]);
  });

  it.each<[string, Flow]>([
    ['an HTTPS domain', run('https://k8s-metrics.example/i.sh')],
    ['an in-cluster service over http', run('http://artifacts.ci.svc.cluster.local/setup.sh')],
    ['a lookalike of a trusted host', run('https://get.helm.sh.evil.example/i.sh')],
  ])('leaves %s to download-exec-unverified', (_name, f) => {
    expect(hostile(f)).toEqual([]);
    expect(unverified(f)).toHaveLength(1);
  });

  it.each<[string, Flow]>([
    ['get.helm.sh', run('https://get.helm.sh/helm-v3.15.0-linux-amd64.tar.gz', ['unpacks it', 'runs helm'])],
    ['sh.rustup.rs', run('https://sh.rustup.rs')],
  ])('does not fire on a vendor installer: %s', (_name, f) => {
    expect(hostile(f)).toEqual([]);
  });

  it.each<[string, Flow]>([
    ['a download that is only printed', flow(network('http://203.0.113.41/data'), 'log')],
    ['a decoded payload (encoded-payload’s)', flow({ kind: 'decoded', encoding: 'base64' }, 'exec')],
    ['a raw socket read loop (reverse-shell’s)', flow(network('tcp://203.0.113.41:4444'), 'exec')],
  ])('does not fire on %s', (_name, f) => {
    expect(hostile(f)).toEqual([]);
    expect(unverified(f)).toEqual([]);
  });

  it('names the flow in the finding', () => {
    const [found] = hostile(run('http://198.51.100.23/k.tgz', ['unpacks k.tgz', 'runs ./kswapd0']));
    expect(found?.detail).toBe(
      'downloads http://198.51.100.23/k.tgz, unpacks k.tgz, runs ./kswapd0, runs it (sh)',
    );
  });

  it('weighs 10: denies on its own (the default deny threshold is 8)', () => {
    expect(downloadExec.weight).toBe(10);
  });
});
