/**
 * `jobguard test`: a policy, fixture manifests and the results they must give, checked in CI the
 * way `kyverno test` and `gator verify` check theirs. A test file (kind: Test) names the policy and
 * lists cases; each case scores the objects of one manifest file and compares the verdict, the
 * score range and the rules that must and must not fire. A difference is printed as expected
 * against got, and the exit code is 1.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { assess, createEngine, type Engine } from '../engine.js';
import { VERDICTS } from '../policy/decision.js';
import { describeIssues } from '../issue.js';
import { loadPolicyFile, PolicyError } from '../policy/load.js';
import { DEFAULT_POLICY } from '../policy/schema.js';
import { toResult, type ScanResult } from '../format/result.js';
import { parseManifest } from '../source/manifest.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, parseFlags, UsageError, type CliCommand } from './io.js';

const HELP = `Usage: jobguard test [flags] PATH...

Runs policy tests: each PATH is a test file (kind: Test) or a folder searched recursively for
files named jobguard-test.yaml or *.jobguard-test.yaml. A test file names a policy and fixture
manifests (paths relative to the test file) and, per case, the expected verdict, score range and
the rules that must and must not fire. See docs/testing.md.

Flags:
  --verbose                print every case, not only the failing ones

Exit codes: 0 every case passed, 1 a case failed, 2 a test file, policy or fixture is unusable.
`;

const ruleList = z.array(z.string().min(1)).min(1);

const expectSchema = z
  .object({
    verdict: z.enum(VERDICTS).optional(),
    action: z.enum(VERDICTS).optional(),
    score: z
      .union([
        z.number().int().min(0),
        z
          .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
          .strict(),
      ])
      .optional(),
    fires: ruleList.optional(),
    notFires: ruleList.optional(),
    exempted: z.boolean().optional(),
  })
  .strict()
  .refine((e) => Object.keys(e).length > 0, {
    error: 'expect needs at least one of verdict, action, score, fires, notFires, exempted',
  });

const caseSchema = z
  .object({
    name: z.string().trim().min(1),
    manifest: z.string().min(1),
    /** `Kind/name` or `Kind/namespace/name`: which object of the manifest; default every scored one. */
    resource: z
      .string()
      .regex(/^[A-Za-z]+\/([^/]+\/)?[^/]+$/, { error: 'expected Kind/name or Kind/namespace/name' })
      .optional(),
    namespace: z.string().min(1).optional(),
    namespaceLabels: z.record(z.string(), z.string()).optional(),
    user: z.string().min(1).optional(),
    groups: z.array(z.string().min(1)).optional(),
    expect: expectSchema,
  })
  .strict();

const testFileSchema = z
  .object({
    apiVersion: z.literal('jobguard.dev/v1'),
    kind: z.literal('Test'),
    /** Policy file relative to the test file; the built-in policy when absent. */
    policy: z.string().min(1).optional(),
    /** The clock for exemption expiry, so a test does not change meaning over time. */
    now: z.iso.datetime({ offset: true }).optional(),
    cases: z.array(caseSchema).min(1),
  })
  .strict();

type TestCase = z.output<typeof caseSchema>;
type Expectation = z.output<typeof expectSchema>;

/** A test file that cannot be run: names the file and what is wrong. */
class TestFileError extends Error {
  override name = 'TestFileError';
}

const TEST_FILE = /(^|\.)jobguard-test\.ya?ml$/;

async function findTestFiles(input: string, cwd: string): Promise<string[]> {
  const full = path.resolve(cwd, input);
  let info;
  try {
    info = await stat(full);
  } catch {
    throw new UsageError(`${input}: no such file or folder`);
  }
  if (info.isFile()) return [full];
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const child = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (TEST_FILE.test(entry.name)) found.push(child);
    }
  };
  await walk(full);
  if (found.length === 0)
    throw new UsageError(`${input}: no jobguard-test.yaml or *.jobguard-test.yaml inside`);
  return found;
}

function shown(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') ? file : relative;
}

async function readText(file: string, what: string, cwd: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new TestFileError(
      `${shown(file, cwd)}: cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

async function parseTestFile(file: string, cwd: string) {
  const text = await readText(file, 'the test file', cwd);
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0)
    throw new TestFileError(
      `${shown(file, cwd)}: not valid YAML: ${document.errors[0]?.message.split('\n')[0] ?? ''}`,
    );
  const input: unknown = document.toJS();
  const parsed = testFileSchema.safeParse(input);
  if (!parsed.success)
    throw new TestFileError(
      `${shown(file, cwd)}: ${describeIssues(parsed.error, input)
        .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
        .join('; ')}`,
    );
  return parsed.data;
}

async function engineFor(policy: string | undefined, base: string, cwd: string): Promise<Engine> {
  if (policy === undefined) return createEngine(DEFAULT_POLICY);
  const file = path.resolve(base, policy);
  try {
    return await loadPolicyFile(file);
  } catch (error) {
    if (error instanceof PolicyError) throw new PolicyError(shown(file, cwd), error.issues);
    throw error;
  }
}

function matchesResource(result: ScanResult, resource: string | undefined): boolean {
  if (resource === undefined) return true;
  const parts = resource.split('/');
  const [kind, namespace, name] = parts.length === 3 ? parts : [parts[0], undefined, parts[1]];
  return (
    result.kind === kind &&
    result.name === name &&
    (namespace === undefined || result.namespace === namespace)
  );
}

/** The differences between what a case expects and what one object gave; empty when it passes. */
export function compare(expected: Expectation, got: ScanResult): string[] {
  const out: string[] = [];
  if (expected.verdict !== undefined && got.verdict !== expected.verdict)
    out.push(`verdict:  expected ${expected.verdict}, got ${got.verdict} (score ${got.score})`);
  if (expected.action !== undefined && got.action !== expected.action)
    out.push(`action:   expected ${expected.action}, got ${got.action} (mode ${got.mode})`);
  if (expected.score !== undefined) {
    const { min, max } =
      typeof expected.score === 'number' ? { min: expected.score, max: expected.score } : expected.score;
    if ((min !== undefined && got.score < min) || (max !== undefined && got.score > max)) {
      const range = min === max ? `${min}` : `${min ?? 0}..${max ?? '∞'}`;
      out.push(`score:    expected ${range}, got ${got.score}`);
    }
  }
  const fired = new Map<string, string>();
  for (const f of got.findings) if (!fired.has(f.rule)) fired.set(f.rule, f.path);
  const missing = (expected.fires ?? []).filter((rule) => !fired.has(rule));
  if (missing.length > 0) {
    const list = [...fired.keys()].join(', ') || 'none';
    out.push(`fires:    ${missing.join(', ')} did not fire (fired: ${list})`);
  }
  for (const rule of expected.notFires ?? [])
    if (fired.has(rule)) out.push(`notFires: ${rule} fired at ${fired.get(rule) || 'the object'}`);
  if (expected.exempted !== undefined && expected.exempted !== got.exemptions.length > 0)
    out.push(
      expected.exempted
        ? 'exempted: expected an exemption to apply, none did'
        : `exempted: expected none, got ${got.exemptions.map((r) => JSON.stringify(r)).join(', ')}`,
    );
  return out;
}

interface CaseOutcome {
  name: string;
  failures: string[];
}

async function runCase(
  engine: Engine,
  test: TestCase,
  base: string,
  now: Date,
  cwd: string,
): Promise<CaseOutcome> {
  const file = path.resolve(base, test.manifest);
  const parsed = parseManifest(await readText(file, 'the manifest', cwd));
  if (!parsed.ok)
    throw new TestFileError(
      parsed.problems.map((p) => `${shown(file, cwd)}:${p.line}:${p.column}: ${p.message}`).join('; '),
    );
  const results: ScanResult[] = [];
  for (const manifest of parsed.objects) {
    const assessment = assess(engine, manifest.object, {
      now,
      ...(test.namespace === undefined ? {} : { namespace: test.namespace }),
      ...(test.namespaceLabels === undefined ? {} : { namespaceLabels: test.namespaceLabels }),
      ...(test.user === undefined && test.groups === undefined
        ? {}
        : {
            requester: {
              ...(test.user === undefined ? {} : { username: test.user }),
              ...(test.groups === undefined ? {} : { groups: test.groups }),
            },
          }),
    });
    if (!assessment) continue;
    const result = toResult(assessment, {
      source: test.manifest,
      document: manifest.document,
      line: manifest.line,
    });
    if (matchesResource(result, test.resource)) results.push(result);
  }
  if (results.length === 0)
    return {
      name: test.name,
      failures: [
        test.resource === undefined
          ? `${test.manifest}: no object with a pod template to score`
          : `${test.manifest}: no scored object is ${test.resource}`,
      ],
    };
  const failures = results.flatMap((result) => {
    const differences = compare(test.expect, result);
    const label = `${result.kind}/${result.namespace}/${result.name}`;
    return differences.length === 0 || results.length === 1
      ? differences
      : [`${label}:`, ...differences.map((d) => `  ${d}`)];
  });
  return { name: test.name, failures };
}

export const test: CliCommand = async (argv, io) => {
  const { values, positionals } = parseFlags(
    argv,
    { verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError('no tests: give test files or folders');
  const files: string[] = [];
  for (const input of positionals) files.push(...(await findTestFiles(input, io.cwd)));

  let passed = 0;
  let failed = 0;
  let unusable = false;
  for (const file of files) {
    const name = shown(file, io.cwd);
    try {
      const spec = await parseTestFile(file, io.cwd);
      const base = path.dirname(file);
      const engine = await engineFor(spec.policy, base, io.cwd);
      const now = spec.now === undefined ? new Date() : new Date(spec.now);
      for (const test of spec.cases) {
        const outcome = await runCase(engine, test, base, now, io.cwd);
        if (outcome.failures.length === 0) {
          passed += 1;
          if (values.verbose) io.stdout.write(`ok    ${name}: ${outcome.name}\n`);
          continue;
        }
        failed += 1;
        io.stdout.write(
          `FAIL  ${name}: ${outcome.name}\n${outcome.failures.map((f) => `      ${f}\n`).join('')}`,
        );
      }
    } catch (error) {
      if (!(error instanceof TestFileError || error instanceof PolicyError)) throw error;
      unusable = true;
      io.stderr.write(`jobguard test: ${error.message}\n`);
    }
  }
  io.stdout.write(`${passed} passed, ${failed} failed${unusable ? ', some test files could not run' : ''}\n`);
  if (unusable) return EXIT_USAGE;
  return failed > 0 ? EXIT_FINDINGS : EXIT_OK;
};
