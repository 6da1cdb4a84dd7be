/**
 * `jobguard export`: the seed query and jobguard's verdicts as KQL and Sigma, and the pySigma
 * pipeline for the Kusto backend. These tests need Node only; test/export-sigma.test.ts runs the
 * real sigma-cli and a KQL engine over the same output.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../src/cli/index.js';
import { assess, createEngine } from '../src/engine.js';
import { auditAnnotationsFor } from '../src/admission/messages.js';
import { resolvePolicy } from '../src/policy/load.js';
import { ANNOTATION_KEYS, DEFAULT_WEBHOOK_NAME } from '../src/format/annotation.js';
import { minimalSets, sigmaLiteral } from '../src/format/sigma.js';
import { KQL_RULES } from '../src/scoring/profiles.js';
import { fakeIo } from './fixtures/scan/fake-io.js';

const POLICY = 'apiVersion: jobguard.dev/v1\nkind: Policy\n';

async function run(argv: string[], policy?: string): Promise<{ code: number; out: string; err: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jobguard-export-'));
  const args = [...argv];
  if (policy !== undefined) {
    await writeFile(path.join(dir, 'policy.yaml'), policy);
    args.push('--config', 'policy.yaml');
  }
  const io = fakeIo({ cwd: dir });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** Sigma documents, loosely typed: tests read any key. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

function yamlDocs(text: string): Doc[] {
  return parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJSON() as Doc;
  });
}

describe('jobguard export --format kql', () => {
  it.each([
    ['the built-in policy', undefined],
    [
      'a kql policy with overrides',
      `${POLICY}profile: kql\nthresholds: { annotate: 2, warn: 3, deny: 4 }\nrules:\n  kql-privileged: { weight: 3 }\n`,
    ],
  ])('prints exactly what jobguard kql prints (%s)', async (_what, policy) => {
    const kql = await run(['kql'], policy);
    const exported = await run(['export', '--format', 'kql'], policy);
    expect(exported.code).toBe(0);
    expect(exported.out).toBe(kql.out);
    expect(exported.out).toContain('| extend SuspicionScore =');
  });

  it('reads the verdict annotations with the policy thresholds from AzureDiagnostics', async () => {
    const { out, code } = await run(
      ['export', '--format', 'kql', '--detection', 'verdicts'],
      `${POLICY}thresholds: { annotate: 2, warn: 5, deny: 9 }\n`,
    );
    expect(code).toBe(0);
    expect(out).toContain('let WarnAt = 5;');
    expect(out).toContain('let DenyAt = 9;');
    expect(out).toContain('| extend AuditLog = parse_json(log_s)');
    expect(out).toContain('| extend Annotations = AuditLog.annotations');
    for (const key of ANNOTATION_KEYS) expect(out).toContain(`Annotations["validate.jobguard.dev/${key}"]`);
    expect(out).toContain('    Score = toint(Annotations["validate.jobguard.dev/score"]),');
    expect(out).toContain(
      '| where Score >= WarnAt or Verdict in ("warn", "deny") or isnotempty(ExemptedBy) or isnotempty(EngineErrors)',
    );
    expect(out).toContain(
      'let RuleDocBase = "https://github.com/jobguard/jobguard/blob/main/docs/rules.md#";',
    );
    expect(out.trimEnd().split('\n').at(-1)).toBe('| sort by Score desc, TimeGenerated desc');
  });

  it('reads the AKSAudit columns and another webhook name', async () => {
    const { out } = await run([
      'export',
      '--format',
      'kql',
      '--detection',
      'verdicts',
      '--table',
      'AKSAudit',
      '--webhook-name',
      'cronjobs.security.example.com',
    ]);
    expect(out.split('\n').find((l) => !l.startsWith('//') && !l.startsWith('let '))).toBe('AKSAudit');
    expect(out).not.toContain('log_s');
    expect(out).toContain('    Resource = tostring(ObjectRef.resource),');
    expect(out).toContain('    SourceIP = tostring(SourceIps[0]),');
    expect(out).toContain('Annotations["cronjobs.security.example.com/verdict"]');
    expect(out).not.toContain('validate.jobguard.dev');
  });

  it.each([
    [['export'], /--format is required/],
    [['export', '--format', 'splunk'], /--format: expected one of kql, sigma, sigma-pipeline/],
    [['export', '--format', 'kql', '--table', 'AKSAudit'], /seed query reads AzureDiagnostics only/],
    [
      ['export', '--format', 'kql', '--detection', 'verdicts', '--webhook-name', 'Jobguard'],
      /not a fully qualified/,
    ],
    [
      ['export', '--format', 'kql', '--detection', 'verdicts', '--webhook-name', 'jobguard'],
      /not a fully qualified/,
    ],
  ])('refuses %j with exit 2', async (argv, message) => {
    const { code, err, out } = await run(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });
});

describe('jobguard export --format sigma (seed)', () => {
  it('carries the seed query: resources, verbs, the kql indicators as contains lists, any one suffices', async () => {
    const kql = (await run(['kql'])).out;
    const [rule, ...rest] = yamlDocs((await run(['export', '--format', 'sigma'])).out);
    expect(rest).toEqual([]);
    expect(rule!.logsource).toEqual({ product: 'kubernetes', service: 'audit' });
    expect(rule!.tags).toContain('attack.t1053.007');
    const detection = rule!.detection as Doc;
    expect(detection.selection).toEqual({
      'objectRef.resource': ['cronjobs', 'jobs'],
      verb: ['create', 'update', 'patch'],
    });
    // the same terms as the KQL `has` tests, indicator by indicator (the unscored token flag aside)
    for (const kqlRule of KQL_RULES) {
      const name = `indicator_${kqlRule.id.replace(/^kql-/, '').replace(/-/g, '_')}`;
      const terms = (kqlRule.params?.defaults as { terms: string[] }).terms;
      if (kqlRule.weight === 0) {
        expect(detection[name]).toBeUndefined();
        continue;
      }
      expect(detection[name]).toEqual({ 'requestObject|contains': terms });
      for (const term of terms) expect(kql).toContain(JSON.stringify(term));
    }
    expect(detection.condition).toBe('selection and 1 of indicator_*');
  });

  it('turns weights and a threshold into the minimal indicator sets, drops disabled ones, escapes wildcards', async () => {
    const [rule] = yamlDocs(
      (
        await run(
          ['export', '--format', 'sigma'],
          `${POLICY}profile: kql
thresholds: { annotate: 2, warn: 3, deny: 4 }
kinds: [CronJob, Job, Deployment]
rules:
  kql-privileged: { weight: 2 }
  kql-host-network: { enabled: false }
  kql-sensitive-mount: { enabled: false }
  kql-suspicious-command: { terms: ["curl*|sh", "a?b", "back\\\\slash"] }
`,
        )
      ).out,
    );
    const detection = rule!.detection as Doc;
    expect(detection.selection['objectRef.resource']).toEqual(['cronjobs', 'jobs', 'deployments']);
    expect(detection.indicator_host_network).toBeUndefined();
    expect(detection.indicator_suspicious_command).toEqual({
      'requestObject|contains': ['curl\\*|sh', 'a\\?b', 'back\\\\slash'],
    });
    expect(detection.condition).toBe(
      'selection and (indicator_privileged or (indicator_suspicious_image and indicator_suspicious_command) or ' +
        '(indicator_suspicious_image and indicator_host_path_mount) or (indicator_suspicious_command and indicator_host_path_mount))',
    );
  });

  it('refuses a policy whose indicators cannot reach the threshold', async () => {
    const { code, err } = await run(
      ['export', '--format', 'sigma'],
      `${POLICY}profile: kql\nthresholds: { annotate: 50, warn: 50, deny: 60 }\n`,
    );
    expect(code).toBe(2);
    expect(err).toContain('cannot reach its threshold 50');
  });

  it.each([
    [{ a: 1, b: 1, c: 1 }, 1, [['a'], ['b'], ['c']]],
    [
      { a: 1, b: 1, c: 1 },
      2,
      [
        ['a', 'b'],
        ['a', 'c'],
        ['b', 'c'],
      ],
    ],
    [{ a: 3, b: 1, c: 2 }, 3, [['a'], ['b', 'c']]],
    [{ a: 1, b: 1 }, 3, []],
  ])('minimal sets of %j at %i', (weights, threshold, expected) => {
    expect(minimalSets(new Map(Object.entries(weights)), threshold)).toEqual(expected);
  });

  it('escapes only what Sigma treats as wildcards', () => {
    expect(sigmaLiteral('nc ')).toBe('nc ');
    expect(sigmaLiteral('a*b?c\\d')).toBe('a\\*b\\?c\\\\d');
  });
});

describe('jobguard export --format sigma --detection verdicts', () => {
  it('prints three rules (deny, warn, exemption or failure) over the annotation fields, thresholds from the policy', async () => {
    const docs = yamlDocs(
      (
        await run(
          ['export', '--format', 'sigma', '--detection', 'verdicts'],
          `${POLICY}thresholds: { annotate: 2, warn: 5, deny: 9 }\n`,
        )
      ).out,
    );
    expect(docs.map((d) => d.level as string)).toEqual(['high', 'medium', 'low']);
    expect(new Set(docs.map((d) => d.id as string)).size).toBe(3);
    const [deny, warn, exempted] = docs as [Doc, Doc, Doc];
    expect(deny.detection).toEqual({
      deny_score: { 'annotations.validate.jobguard.dev/score|gte': 9 },
      deny_verdict: { 'annotations.validate.jobguard.dev/verdict': 'deny' },
      condition: '1 of deny_*',
    });
    expect(warn.detection.warn_score).toEqual({ 'annotations.validate.jobguard.dev/score|gte': 5 });
    expect(warn.detection.condition).toBe('1 of warn_* and not 1 of deny_*');
    expect(exempted.detection.exempted).toEqual({
      'annotations.validate.jobguard.dev/exempted-by|exists': true,
    });
    for (const doc of docs) expect(doc.logsource).toEqual({ product: 'kubernetes', service: 'audit' });
  });
});

describe('jobguard export --format sigma-pipeline', () => {
  /** The field names a rule's detection reads, modifiers stripped. */
  function fieldsOf(rule: Doc): string[] {
    const fields: string[] = [];
    for (const [name, value] of Object.entries(rule.detection as Doc)) {
      if (name === 'condition') continue;
      for (const key of Object.keys(value as Doc)) fields.push(key.split('|')[0]!);
    }
    return fields;
  }

  it.each([['AzureDiagnostics'], ['AKSAudit'], ['AKSAuditAdmin']])(
    'maps every field the rules read onto a column it defines (%s)',
    async (table) => {
      const rules = [
        ...yamlDocs((await run(['export', '--format', 'sigma'])).out),
        ...yamlDocs((await run(['export', '--format', 'sigma', '--detection', 'verdicts'])).out),
      ];
      const [pipeline] = yamlDocs(
        (await run(['export', '--format', 'sigma-pipeline', '--table', table])).out,
      );
      const mapping = pipeline!.transformations[0].mapping as Record<string, string>;
      const template = pipeline!.postprocessing[0].template as string;
      expect(template.split('\n')[0]).toBe(table);
      expect(template.trimEnd().endsWith('| where {{ query }}')).toBe(true);
      for (const rule of rules)
        for (const field of [...fieldsOf(rule), ...(rule.fields as string[])]) {
          expect(mapping).toHaveProperty([field]);
          expect(template).toMatch(new RegExp(`^    ${mapping[field]!} = `, 'm'));
        }
    },
  );
});

describe('the annotation contract', () => {
  it('uses the webhook name the chart installs', async () => {
    const template = await readFile('charts/jobguard/templates/webhook.yaml', 'utf8');
    expect([...template.matchAll(/^\s+- name: (\S+)$/gm)].map((m) => m[1])).toContain(DEFAULT_WEBHOOK_NAME);
    expect(template).toContain(`- name: ${DEFAULT_WEBHOOK_NAME}\n    admissionReviewVersions`);
  });

  it('knows every key the webhook writes', async () => {
    const { policy } = await resolvePolicy(undefined, {});
    const engine = createEngine({
      ...policy,
      exemptions: [{ reason: 'scanner', namespaces: ['sec'] }],
    });
    const object = JSON.parse(
      await readFile('test/fixtures/kubectl/reverse-shell-cronjob.json', 'utf8'),
    ) as Record<string, unknown>;
    const exempt = assess(engine, object, { namespace: 'sec', now: new Date() });
    const plain = assess(engine, object, { namespace: 'default', now: new Date() });
    const keys = new Set([
      ...Object.keys(auditAnnotationsFor(exempt!.decision)),
      ...Object.keys(auditAnnotationsFor(plain!.decision)),
    ]);
    expect(keys.has('exempted-by')).toBe(true);
    for (const key of keys) expect(ANNOTATION_KEYS).toContain(key);
  });
});
