/**
 * The exported detections through the real tools a security team uses:
 *
 * - sigma-cli (pySigma) checks every Sigma rule `jobguard export` prints (`sigma check
 *   --fail-on-issues`) and converts each to Kusto (through the exported pipeline, for every Log
 *   Analytics table), Splunk SPL and ES|QL; a conversion that fails fails the test.
 * - duckdb-kql runs the KQL over audit events of the seed's four Atomic Red Team T1053.007
 *   scenarios (test/corpus/attack/art1-…art4-) and benign jobs. The events carry the audit
 *   annotations the webhook itself returned for each object (posted as AdmissionReviews to the real
 *   app), written the way the API server writes them: under `<webhook name>/<key>`. The verdicts
 *   query must find exactly the scenarios jobguard warned on or denied; the Kusto conversion of the
 *   seed-shaped Sigma rule must find what `jobguard kql` finds on the Atomic scenarios, with the
 *   same audit fields, and each of its indicators must fire where `jobguard kql` sets the
 *   indicator's Is column; and `jobguard audit` must replay the same log to the same verdicts.
 *
 * duckdb-kql translates KQL to DuckDB SQL: it is not Azure Data Explorer, but it parses and runs
 * every operator these queries use, which is what can be evaluated without a Sentinel workspace.
 *
 * The tools are pinned in test/sigma/requirements.txt and installed once by test/sigma/venv.sh
 * (PyPI, cached by the pins' hash; .ci/run installs them before the tests). This suite is skipped
 * only when python3 itself, or its venv/ensurepip modules, are missing on the machine (the reason
 * is printed); an install or a tool that fails is a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { main } from '../src/cli/index.js';
import { DEFAULT_WEBHOOK_NAME } from '../src/format/annotation.js';
import { loadCorpus, type CorpusEntry } from './corpus/load.js';
import { fakeIo } from './fixtures/scan/fake-io.js';
import { makeReview, testApp } from './support/review.js';

const run = promisify(execFile);

/** Why the Python tools cannot run here, or undefined when they can. */
function pythonMissing(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import ensurepip, venv'], { encoding: 'utf8' });
  if (probe.error) return `python3 not found (${probe.error.message})`;
  if (probe.status !== 0)
    return `python3 cannot create a venv with pip (Debian/Ubuntu: apt-get install python3-venv): ${probe.stderr.trim()}`;
  return undefined;
}

const MISSING = pythonMissing();
if (MISSING !== undefined)
  console.warn(`test/export-sigma.test.ts skipped: ${MISSING}; the Sigma and KQL exports are not validated`);
// Skipped only without python3/venv/pip: nothing here can run without them (see the header).
const describeTools = MISSING === undefined ? describe : describe.skip;

/** Names a SigmaHQ-style file for each rule: `sigma check` flags names too short or too long. */
const RULE_FILES = [
  'k8s_audit_jobguard_seed_query.yml',
  'k8s_audit_jobguard_verdict_deny.yml',
  'k8s_audit_jobguard_verdict_warn.yml',
  'k8s_audit_jobguard_exemption_or_rule_failure.yml',
];
const TABLES = ['AzureDiagnostics', 'AKSAudit', 'AKSAuditAdmin'] as const;
const ATOMIC = ['art1', 'art2', 'art3', 'art4'];
/** Everyday jobs (allowed or only annotated) and node software that warns, as negatives and as the warn rule's hits. */
const OTHERS = [
  'benign/k8s-docs-hello-cronjob.yaml',
  'benign/k8s-docs-pi-job.yaml',
  'benign/pg-dump-s3.yaml',
  'benign/imds-region-lookup.yaml',
  'infrastructure/node-log-cleanup.yaml',
];

let dir = '';
let venv: string;

async function jobguard(...argv: string[]): Promise<string> {
  const io = fakeIo({ cwd: dir });
  const code = await main(argv, io);
  if (code !== 0) throw new Error(`jobguard ${argv.join(' ')} exited ${code}: ${io.err()}`);
  return io.out();
}

async function tool(name: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(path.join(venv, 'bin', name), args, { cwd: dir, maxBuffer: 64 << 20 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${name} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

/** Runs a KQL file over rows of TABLE with duckdb-kql; the result rows as objects. */
async function kql(table: string, queryFile: string, rowsFile: string): Promise<Record<string, unknown>[]> {
  const out = await tool('python', [path.resolve('test/sigma/evaluate.py'), table, queryFile, rowsFile]);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * `sigma convert` of FILES to stdout, one query per rule in input order (sigma-cli separates them
 * with a blank line). Not --output-dir: sigma-cli 3.1 skips the pipeline's postprocessing there,
 * so the Kusto queries would lose the table lines the pipeline adds.
 */
async function convert(target: string, options: string[], files: string[]): Promise<string[]> {
  const out = await tool('sigma', ['convert', '-t', target, ...options, ...files]);
  const queries = out
    .split(/\n\s*\n/)
    .map((q) => q.trim())
    .filter((q) => q !== '');
  expect(queries).toHaveLength(files.length);
  return queries;
}

async function queryFile(name: string, query: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${query}\n`);
  return file;
}

interface Scenario {
  entry: CorpusEntry;
  /** One of the seed's four Atomic Red Team scenarios. */
  atomic: boolean;
  /** What the webhook answered: allowed, and the audit annotations it asked the API server to record. */
  allowed: boolean;
  annotations: Record<string, string>;
}

const RESOURCES: Record<string, string> = { CronJob: 'cronjobs', Job: 'jobs' };

/** One audit.k8s.io/v1 Event as the API server logs a create at level RequestResponse. */
function auditEvent(scenario: Scenario, index: number): Record<string, unknown> {
  const { entry } = scenario;
  const name = (entry.object.metadata as { name: string }).name;
  const code = scenario.allowed ? 201 : 403;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: `/apis/batch/v1/namespaces/default/${RESOURCES[entry.kind]}?fieldManager=kubectl-create`,
    verb: 'create',
    user: { username: 'mallory@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['203.0.113.7'],
    userAgent: 'kubectl/v1.32.0 (linux/amd64) kubernetes/abcdef0',
    objectRef: {
      resource: RESOURCES[entry.kind],
      namespace: 'default',
      name,
      apiGroup: 'batch',
      apiVersion: 'v1',
    },
    responseStatus: { metadata: {}, code },
    requestObject: entry.object,
    requestReceivedTimestamp: new Date().toISOString(),
    stageTimestamp: new Date().toISOString(),
    annotations: Object.fromEntries(
      Object.entries(scenario.annotations).map(([key, value]) => [`${DEFAULT_WEBHOOK_NAME}/${key}`, value]),
    ),
  };
}

/** The same event as a row of each Log Analytics table AKS writes audit logs to. */
function tableRow(table: (typeof TABLES)[number], event: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  if (table === 'AzureDiagnostics')
    return { TimeGenerated: now, Category: 'kube-audit', log_s: JSON.stringify(event) };
  return {
    TimeGenerated: now,
    Verb: event.verb,
    UserAgent: event.userAgent,
    AuditId: event.auditID,
    Stage: event.stage,
    Level: event.level,
    RequestUri: event.requestURI,
    ObjectRef: event.objectRef,
    User: event.user,
    SourceIps: event.sourceIPs,
    RequestObject: event.requestObject,
    ResponseStatus: event.responseStatus,
    Annotations: event.annotations,
  };
}

const scenarios: Scenario[] = [];
/**
 * What each path showed for each Atomic scenario, in the order the tests ran; `npm run atomic`
 * (test/sigma/atomic.sh) prints it, as the seed's Testing Methodology lists an expected signal per test.
 */
const signals = new Map<string, string[]>();
function signal(scenario: Scenario, text: string): void {
  if (!scenario.atomic) return;
  const lines = signals.get(scenario.entry.file) ?? [];
  lines.push(text);
  signals.set(scenario.entry.file, lines);
}
const atomicRow = (rows: Record<string, unknown>[], s: Scenario) => rows.find((r) => r.Name === nameOf(s));
const names = (rows: Record<string, unknown>[]): string[] => rows.map((r) => String(r.Name)).sort();
const nameOf = (s: Scenario): string => (s.entry.object.metadata as { name: string }).name;

describeTools('exported detections through sigma-cli and a KQL engine', () => {
  beforeAll(async () => {
    const { stdout } = await run('bash', ['test/sigma/venv.sh'], { maxBuffer: 16 << 20 });
    venv = stdout.trim();
    dir = await mkdtemp(path.join(tmpdir(), 'jobguard-sigma-'));

    // The rules, one per file.
    const streams = [
      await jobguard('export', '--format', 'sigma'),
      await jobguard('export', '--format', 'sigma', '--detection', 'verdicts'),
    ];
    const rules = streams.flatMap((text) => parseAllDocuments(text).map((doc) => doc.toJSON() as object));
    expect(rules).toHaveLength(RULE_FILES.length);
    await Promise.all(
      rules.map((rule, i) => writeFile(path.join(dir, RULE_FILES[i]!), stringify(rule, { lineWidth: 0 }))),
    );
    for (const table of TABLES)
      await writeFile(
        path.join(dir, `pipeline-${table}.yml`),
        await jobguard('export', '--format', 'sigma-pipeline', '--table', table),
      );

    // The Atomic scenarios and benign jobs through the webhook, then into an audit log.
    const corpus = loadCorpus();
    const picked = [
      ...ATOMIC.map((prefix) => corpus.find((e) => e.file.startsWith(`attack/${prefix}-`))),
      ...OTHERS.map((file) => corpus.find((e) => e.file === file)),
    ];
    const { app } = testApp({ mode: 'enforce' });
    for (const entry of picked) {
      if (entry === undefined) throw new Error('a corpus file this test names is gone');
      const reply = await app.inject({
        method: 'POST',
        url: '/validate?timeout=10s',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(makeReview(entry.object)),
      });
      const { response } = reply.json<{
        response: { allowed: boolean; auditAnnotations?: Record<string, string> };
      }>();
      scenarios.push({
        entry,
        atomic: entry.file.startsWith('attack/art'),
        allowed: response.allowed,
        annotations: response.auditAnnotations ?? {},
      });
    }
    await app.close();
    const events = scenarios.map(auditEvent);
    events.forEach((event, i) => {
      const ref = event.objectRef as Record<string, string>;
      const s = scenarios[i]!;
      signal(
        s,
        `expected: verb=${String(event.verb)}, objectRef.resource=${ref.resource}, objectRef.namespace=${ref.namespace}, objectRef.name=${ref.name}`,
      );
      signal(
        s,
        `webhook (enforce): ${s.allowed ? 'allowed' : 'denied (403)'}, score ${s.annotations.score}, verdict ${s.annotations.verdict}, rules ${s.annotations.rules}`,
      );
    });
    await writeFile(path.join(dir, 'audit.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    for (const table of TABLES)
      await writeFile(
        path.join(dir, `${table}.jsonl`),
        events.map((e) => JSON.stringify(tableRow(table, e))).join('\n') + '\n',
      );
  }, 900_000);

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
    const report = process.env.JOBGUARD_ATOMIC_REPORT;
    if (report !== undefined && report !== '')
      await writeFile(
        report,
        [...signals].map(([file, lines]) => [file, ...lines.map((l) => `  ${l}`)].join('\n')).join('\n\n') +
          '\n',
      );
  });

  it('sigma check passes every rule with no issue', async () => {
    // The ATT&CK and D3FEND tag validators download MITRE's data from GitHub at run time, which this
    // machine and CI cannot reach; the tags are checked against the technique below instead.
    const out = await tool('sigma', [
      'check',
      '--fail-on-error',
      '--fail-on-issues',
      '--exclude',
      'attacktag',
      '--exclude',
      'd3_fendtag',
      ...RULE_FILES,
    ]);
    expect(out).toContain('Found 0 errors, 0 condition errors and 0 issues.');
    for (const file of RULE_FILES) {
      const tags = (
        parseAllDocuments(await readFile(path.join(dir, file), 'utf8'))[0]!.toJSON() as {
          tags: string[];
        }
      ).tags;
      expect(tags).toEqual([
        'attack.execution',
        'attack.persistence',
        'attack.privilege-escalation',
        'attack.t1053.007',
      ]);
    }
  }, 120_000);

  it('sigma check fails a broken rule (the check is not a no-op)', async () => {
    const broken = path.join(dir, 'k8s_audit_jobguard_broken_rule.yml');
    const seed = await readFile(path.join(dir, RULE_FILES[0]!), 'utf8');
    await writeFile(broken, seed.replace(/condition: .*/, 'condition: selection and indicator_missing'));
    await expect(tool('sigma', ['check', '--fail-on-issues', broken])).rejects.toThrow(/indicator_missing/);
    await rm(broken);
  }, 120_000);

  it.each([
    ['kusto', TABLES.map((t) => ['-p', `pipeline-${t}.yml`])],
    ['splunk', [['--without-pipeline']]],
    ['esql', [['--without-pipeline']]],
  ])(
    'converts every rule to %s',
    async (target, variants) => {
      for (const options of variants) {
        const queries = await convert(target, options, RULE_FILES);
        queries.forEach((query, i) => {
          if (i === 0) expect(query).toMatch(/cronjobs/);
          else expect(query).toContain(DEFAULT_WEBHOOK_NAME);
        });
        if (target === 'kusto') {
          const table = options[1]!.replace(/^pipeline-|\.yml$/g, '');
          for (const query of queries) expect(query.split('\n')[0]).toBe(table);
        }
      }
    },
    120_000,
  );

  it('the webhook denies the four Atomic scenarios; the others are allowed, annotated or warned', () => {
    const verdicts = Object.fromEntries(
      scenarios.map((s) => [s.entry.file, [s.allowed, s.annotations.verdict]]),
    );
    expect(verdicts).toEqual({
      'attack/art1-reverse-shell-cronjob.yaml': [false, 'deny'],
      'attack/art2-privileged-hostpath-job.yaml': [false, 'deny'],
      'attack/art3-docker-socket-cronjob.yaml': [false, 'deny'],
      'attack/art4-miner-cronjob.yaml': [false, 'deny'],
      'benign/k8s-docs-hello-cronjob.yaml': [true, 'annotate'],
      'benign/k8s-docs-pi-job.yaml': [true, undefined],
      'benign/pg-dump-s3.yaml': [true, undefined],
      'benign/imds-region-lookup.yaml': [true, 'annotate'],
      'infrastructure/node-log-cleanup.yaml': [true, 'warn'],
    });
  });

  it.each(TABLES.map((t) => [t]))(
    'the verdicts KQL finds the four Atomic scenarios (High) and the warnings (Medium) in %s, and nothing else',
    async (table) => {
      const query = path.join(dir, `verdicts-${table}.kql`);
      await writeFile(
        query,
        await jobguard('export', '--format', 'kql', '--detection', 'verdicts', '--table', table),
      );
      const rows = await kql(table, query, path.join(dir, `${table}.jsonl`));
      const flagged = scenarios.filter(
        (s) => s.annotations.verdict === 'deny' || s.annotations.verdict === 'warn',
      );
      expect(names(rows)).toEqual(flagged.map(nameOf).sort());
      for (const s of scenarios.filter((x) => x.atomic)) {
        expect(names(rows)).toContain(nameOf(s));
        const row = atomicRow(rows, s)!;
        signal(
          s,
          `verdicts KQL (${table}): found, Severity ${String(row.Severity)}, Score ${String(row.Score)}`,
        );
      }
      for (const row of rows) {
        const scenario = flagged.find((s) => nameOf(s) === row.Name)!;
        expect(row.Severity).toBe(scenario.annotations.verdict === 'deny' ? 'High' : 'Medium');
        expect(row.Score).toBe(Number(scenario.annotations.score));
        expect(row.Verdict).toBe(scenario.annotations.verdict);
        expect(row.Rules).toBe(scenario.annotations.rules);
        expect(row.User).toBe('mallory@example.com');
        expect(row.SourceIP).toBe('203.0.113.7');
        expect(row.ResponseCode).toBe(scenario.allowed ? 201 : 403);
        expect(String(row.RuleDocs)).toContain(`rules.md#${scenario.annotations.rules!.split(',')[0]}`);
      }
    },
    60_000,
  );

  it.each(TABLES.map((t) => [t]))(
    'the Kusto conversion of the verdict rules finds the same events as the verdicts KQL (%s)',
    async (table) => {
      const [denyQuery, warnQuery] = await convert(
        'kusto',
        ['-p', `pipeline-${table}.yml`],
        RULE_FILES.slice(1, 3),
      );
      const rows = path.join(dir, `${table}.jsonl`);
      const deny = await kql(table, await queryFile(`deny-${table}.kql`, denyQuery!), rows);
      const warn = await kql(table, await queryFile(`warn-${table}.kql`, warnQuery!), rows);
      for (const s of scenarios)
        if (atomicRow(deny, s)) signal(s, `Sigma deny rule as Kusto (${table}): found`);
      expect(names(deny)).toEqual(
        scenarios
          .filter((s) => s.annotations.verdict === 'deny')
          .map(nameOf)
          .sort(),
      );
      expect(names(warn)).toEqual(
        scenarios
          .filter((s) => s.annotations.verdict === 'warn')
          .map(nameOf)
          .sort(),
      );
    },
    60_000,
  );

  it('the Kusto conversion of the seed Sigma rule finds what jobguard kql finds on the Atomic scenarios, with the same fields', async () => {
    const seedKql = path.join(dir, 'seed.kql');
    await writeFile(seedKql, await jobguard('kql'));
    const [seedQuery] = await convert(
      'kusto',
      ['-p', 'pipeline-AzureDiagnostics.yml'],
      RULE_FILES.slice(0, 1),
    );
    const rows = path.join(dir, 'AzureDiagnostics.jsonl');
    const fromKql = await kql('AzureDiagnostics', seedKql, rows);
    const fromSigma = await kql('AzureDiagnostics', await queryFile('seed-sigma.kql', seedQuery!), rows);
    const atomicNames = scenarios
      .filter((s) => s.atomic)
      .map(nameOf)
      .sort();
    const atomicOnly = (r: Record<string, unknown>[]) =>
      r.filter((row) => atomicNames.includes(String(row.Name)));
    expect(names(atomicOnly(fromKql))).toEqual(atomicNames);
    expect(names(atomicOnly(fromSigma))).toEqual(atomicNames);
    // Sigma's contains is a substring match, KQL's has a term match: Sigma may find more, never less.
    for (const name of names(fromKql)) expect(names(fromSigma)).toContain(name);
    const fields = ['Verb', 'Resource', 'Namespace', 'Name', 'User', 'UserAgent', 'SourceIP', 'RequestBody'];
    const pick = (row: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, row[f]]));
    const byName = (r: Record<string, unknown>[]) =>
      atomicOnly(r)
        .map(pick)
        .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    expect(byName(fromSigma)).toEqual(byName(fromKql));
    // Each Atomic scenario raises at least one of the seed's indicators, as its Testing Methodology expects.
    for (const row of atomicOnly(fromKql)) expect(Number(row.SuspicionScore)).toBeGreaterThanOrEqual(2);
    for (const s of scenarios.filter((x) => x.atomic)) {
      const row = atomicRow(fromKql, s)!;
      const raised = Object.keys(row).filter((key) => key.startsWith('Is') && row[key] === true);
      signal(s, `jobguard kql: SuspicionScore ${String(row.SuspicionScore)} (${raised.join(', ')})`);
      if (atomicRow(fromSigma, s)) signal(s, 'seed Sigma rule as Kusto (AzureDiagnostics): found');
    }
  }, 60_000);

  it('each indicator of the seed Sigma rule, as Kusto, raises on the Atomic scenarios where jobguard kql sets its Is column', async () => {
    const rule = parseAllDocuments(await readFile(path.join(dir, RULE_FILES[0]!), 'utf8'))[0]!.toJSON() as {
      detection: Record<string, unknown>;
    };
    const indicators = Object.keys(rule.detection).filter((key) => key.startsWith('indicator_'));
    expect(indicators.length).toBeGreaterThanOrEqual(6);
    // One rule per indicator: the seed rule with its condition narrowed to that indicator.
    const files = await Promise.all(
      indicators.map(async (indicator) => {
        const file = `k8s_audit_jobguard_seed_${indicator}.yml`;
        const narrowed = {
          ...rule,
          detection: { ...rule.detection, condition: `selection and ${indicator}` },
        };
        await writeFile(path.join(dir, file), stringify(narrowed, { lineWidth: 0 }));
        return file;
      }),
    );
    const queries = await convert('kusto', ['-p', 'pipeline-AzureDiagnostics.yml'], files);
    const rows = path.join(dir, 'AzureDiagnostics.jsonl');
    const seedKql = path.join(dir, 'seed-all.kql');
    // jobguard kql keeps rows at its threshold; without that filter every row shows its Is columns.
    await writeFile(seedKql, (await jobguard('kql')).replace(/^\| where SuspicionScore >= .*$/m, ''));
    const fromKql = await kql('AzureDiagnostics', seedKql, rows);
    const atomic = scenarios.filter((x) => x.atomic);
    expect(fromKql.filter((row) => atomic.some((s) => nameOf(s) === row.Name))).toHaveLength(4);
    for (const [i, indicator] of indicators.entries()) {
      const column = `Is${indicator
        .replace(/^indicator_/, '')
        .split('_')
        .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
        .join('')}`;
      const hits = names(
        await kql('AzureDiagnostics', await queryFile(`${indicator}.kql`, queries[i]!), rows),
      );
      for (const s of atomic) {
        const row = atomicRow(fromKql, s)!;
        expect(row).toHaveProperty(column);
        expect([nameOf(s), column, hits.includes(nameOf(s))]).toEqual([
          nameOf(s),
          column,
          row[column] === true,
        ]);
      }
    }
  }, 120_000);

  it('jobguard audit replays the same log to the webhook’s verdicts', async () => {
    const out = JSON.parse(await jobguardAudit()) as {
      results: { name: string; verdict: string; score: number }[];
    };
    for (const s of scenarios) {
      const result = out.results.find((r) => r.name === nameOf(s))!;
      expect(result.verdict).toBe(s.annotations.verdict ?? 'allow');
      if (s.annotations.score !== undefined) expect(result.score).toBe(Number(s.annotations.score));
      signal(s, `jobguard audit replay: verdict ${result.verdict}, score ${result.score}`);
    }
  });
});

/** `jobguard audit --format json` over the test's log; exit 1 is expected (the log has denials). */
async function jobguardAudit(): Promise<string> {
  const io = fakeIo({ cwd: dir });
  const code = await main(['audit', '--format', 'json', 'audit.jsonl'], io);
  expect(code).toBe(1);
  return io.out();
}
