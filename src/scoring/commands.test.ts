import { describe, expect, it } from '@jest/globals';

import {
  argumentPath,
  chmodTargets,
  commandSites,
  commandSources,
  envFieldsMatching,
  executedFiles,
  executedSubstitutions,
  executesStdin,
  inlineCode,
  isSameFile,
  languageOf,
  substitutedPrograms,
} from './commands.js';
import { job, one } from '../../test/support/workloads.js';

const SPEC = 'spec.template.spec';

describe('commandSources', () => {
  it('maps argv commands and nested scripts to their fields', () => {
    const workload = job({
      containers: [{ name: 'c', image: 'a', command: ['sudo', '-u', 'x', 'sh', '-c'], args: ['id; curl x'] }],
    });
    const sites = commandSites(workload);
    expect(sites.map((site) => [site.command.program, site.path])).toEqual([
      ['sh', `${SPEC}.containers[0].command[3]`],
      ['id', `${SPEC}.containers[0].args[0]`],
      ['curl', `${SPEC}.containers[0].args[0]`],
    ]);
    const [first] = sites;
    expect(first && argumentPath(first, 1)).toBe(`${SPEC}.containers[0].command[4]`);
    expect(first && argumentPath(first, 2)).toBe(`${SPEC}.containers[0].args[0]`);
  });

  it('skips non-string items when numbering fields', () => {
    const workload = job({
      containers: [{ name: 'c', image: 'a', command: ['nc', 7, 'h', '1', '-e', 'sh'] }],
    });
    const [site] = commandSites(workload);
    expect(site && argumentPath(site, 3)).toBe(`${SPEC}.containers[0].command[4]`);
  });

  it('covers init, regular and several containers, hooks and exec probes', () => {
    const workload = job({
      initContainers: [{ name: 'i', image: 'a', command: ['true'] }],
      containers: [
        { name: 'a', image: 'a', command: ['date'] },
        {
          name: 'b',
          image: 'a',
          lifecycle: {
            postStart: { exec: { command: ['sh', '-c', 'id'] } },
            preStop: { httpGet: { port: 80 } },
          },
          readinessProbe: { exec: { command: ['cat', '/ok'] } },
        },
      ],
    });
    expect(commandSites(workload).map((site) => [site.command.program, site.path])).toEqual([
      ['true', `${SPEC}.initContainers[0].command[0]`],
      ['date', `${SPEC}.containers[0].command[0]`],
      ['sh', `${SPEC}.containers[1].lifecycle.postStart.exec.command[0]`],
      ['id', `${SPEC}.containers[1].lifecycle.postStart.exec.command[2]`],
      ['cat', `${SPEC}.containers[1].readinessProbe.exec.command[0]`],
    ]);
  });

  it('parses args ["-c", script] under an image entrypoint', () => {
    const workload = job({ containers: [{ name: 'c', image: 'a', args: ['-c', 'nc h 1'] }] });
    expect(commandSites(workload).map((site) => [site.command.program, site.path])).toContainEqual([
      'nc',
      `${SPEC}.containers[0].args[1]`,
    ]);
  });

  it('computes the sources once per workload', () => {
    const workload = job({ containers: [{ name: 'c', image: 'a', command: ['date'] }] });
    expect(commandSources(workload)).toBe(commandSources(workload));
  });

  it('groups pipeline members', () => {
    const workload = job({ containers: [{ name: 'c', image: 'a', command: ['sh', '-c', 'a | b | c; d'] }] });
    const sites = commandSites(workload);
    expect(sites.find((site) => site.command.program === 'b')?.pipeline.map((m) => m.program)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(sites.find((site) => site.command.program === 'd')?.pipeline.map((m) => m.program)).toEqual(['d']);
  });
});

describe('command questions', () => {
  it.each<[string, boolean]>([
    ['sh', true],
    ['bash -s -- arg', true],
    ['sh -i', true],
    ['sh -c "x"', false],
    ['bash script.sh', false],
    ['bash /dev/stdin', true],
    ['python3', true],
    ['python3 -', true],
    ['python3 -c "x"', false],
    ['python3 -m json.tool', false],
    ['python3 -u', true],
    ['python3 app.py', false],
    ['perl', true],
    ['perl -e 1', false],
    ['ruby -', true],
    ['php', true],
    ['php -r 1', false],
    ['node', true],
    ['node -e 1', false],
    ['source /dev/stdin', true],
    ['jq .', false],
    ['tar xz', false],
  ])('executesStdin(%s) = %s', (script, expected) => {
    expect(executesStdin(one(script))).toBe(expected);
  });

  it.each<[string, string | undefined]>([
    ['python3 -c "print(1)"', 'print(1)'],
    ['python -u -c x', 'x'],
    ['python3 -m x', undefined],
    ['perl -MIO -e x', 'x'],
    ['perl -le x', 'x'],
    ['ruby -rsocket -e x', 'x'],
    ['php -r x', 'x'],
    ['node -e x', 'x'],
    ['awk -F: "{print}" f', '{print}'],
    ['awk -f prog.awk', undefined],
    ['pwsh -c iex x', 'iex x'],
    ['sh -c x', undefined],
  ])('inlineCode(%s) = %j', (script, expected) => {
    expect(inlineCode(one(script))).toBe(expected);
  });

  it.each<[string, string | undefined]>([
    ['python3', 'python'],
    ['python3.11', 'python'],
    ['pypy3', 'python'],
    ['php8.2', 'php'],
    ['gawk', 'awk'],
    ['nodejs', 'node'],
    ['bash', 'shell'],
    ['curl', undefined],
  ])('languageOf(%s) = %s', (program, expected) => {
    expect(languageOf(program)).toBe(expected);
  });

  it.each<[string, string[]]>([
    ['"$(curl -s x)"', ['curl']],
    ['$( /usr/bin/wget -O- x)', ['wget']],
    ['<(curl x)', ['curl']],
    ['`curl x` and $(base64 -d)', ['curl', 'base64']],
    ['plain', []],
  ])('substitutedPrograms(%s)', (word, expected) => {
    expect(substitutedPrograms(word)).toEqual(expected);
  });

  it('runs substitutions only when the whole word is one', () => {
    expect(executedSubstitutions(one('eval "$(curl x)"'))).toEqual(['$(curl x)']);
    expect(executedSubstitutions(one('eval "echo $(date)"'))).toEqual([]);
    expect(executedSubstitutions(one('bash <(curl x)'))).toEqual(['<(curl x)']);
    expect(executedSubstitutions(one('echo "$(curl x)"'))).toEqual([]);
  });

  it.each<[string, string[]]>([
    ['./x', ['./x']],
    ['/tmp/x --flag', ['/tmp/x']],
    ['sh /tmp/x.sh', ['/tmp/x.sh']],
    ['bash -e run.sh', ['run.sh']],
    ['python3 -u app.py', ['app.py']],
    ['. ./env.sh', ['./env.sh']],
    ['sh -c x', []],
    ['python3 -m http.server', []],
  ])('executedFiles(%s)', (script, expected) => {
    expect(executedFiles(one(script))).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ['chmod +x a b', ['a', 'b']],
    ['chmod 755 a', ['a']],
    ['chmod u+x a', ['a']],
    ['chmod 644 a', []],
    ['chmod -R go-w a', []],
  ])('chmodTargets(%s)', (script, expected) => {
    expect(chmodTargets(one(script))).toEqual(expected);
  });

  it.each<[string, string, boolean]>([
    ['./x', 'x', true],
    ['/tmp/x', '/tmp//x', true],
    ['/tmp/x', 'x', true],
    ['/tmp/x', '/opt/x', false],
    ['a', 'b', false],
  ])('isSameFile(%s, %s) = %s', (a, b, expected) => {
    expect(isSameFile(a, b)).toBe(expected);
  });
});

describe('envFieldsMatching', () => {
  it('gives literal values that match, with their paths; never valueFrom, empty or over-long values', () => {
    const url = 'http://169.254.169.254/latest/meta-data/';
    const workload = job({
      containers: [
        {
          name: 'c',
          image: 'a',
          env: [
            { name: 'PLAIN', value: 'info' },
            { name: 'URL', value: url },
            { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
            { name: 'EMPTY', value: '' },
            // A 4 KiB script that mentions the endpoint is a payload, not a setting: not scanned.
            { name: 'SCRIPT', value: `${url}${'#'.repeat(4096)}` },
            { name: 'EDGE', value: `${url}${'#'.repeat(4096 - url.length)}` },
          ],
        },
      ],
    });
    const container = workload.containers[0]!;
    const fields = envFieldsMatching(container, (value) => value.includes('169.254.169.254'));
    expect(fields.map((f) => [f.name, f.path])).toEqual([
      ['URL', `${SPEC}.containers[0].env[1].value`],
      ['EDGE', `${SPEC}.containers[0].env[5].value`],
    ]);
    expect(envFieldsMatching(container, () => true).map((f) => f.name)).toEqual(['PLAIN', 'URL', 'EDGE']);
  });
});
