/**
 * The policy file's JSON Schema (src/policy/json-schema.ts): the committed copies are current, every
 * policy the repository ships validates against it with a real JSON Schema validator (ajv, draft-07
 * as the file declares), and what the loader refuses on shape the schema refuses too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments, parse } from 'yaml';
import { buildChartPolicySchema, buildPolicyJsonSchema } from '../src/policy/json-schema.js';
import { parsePolicy, PolicyError } from '../src/policy/load.js';
import { PROFILES } from '../src/scoring/profiles.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA_FILE = join(ROOT, 'schema/policy.schema.json');
const CHART_SCHEMA_FILE = join(ROOT, 'charts/jobguard/values.schema.json');
const STALE = 'stale: run `npm run schema` and commit the result';

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const generated = buildPolicyJsonSchema();

function validator(schema: unknown): ValidateFunction {
  // strict: an unknown keyword (a typo in a `.meta()` override) is an error, not silently ignored.
  // strictRequired off: "at least one selector" is `anyOf: [{ required: [namespaces] }, …]`, whose
  // branches name properties the exemption object defines, as JSON Schema intends.
  return new Ajv({ strict: true, strictRequired: false, allErrors: true }).compile(schema as object);
}
const validate = validator(readJson(SCHEMA_FILE));

interface PolicyText {
  where: string;
  /** The `# yaml-language-server: $schema=` line's target, when the text is a file. */
  header?: string | undefined;
  policy: unknown;
}

const isPolicy = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  (value as Record<string, unknown>).apiVersion === 'jobguard.dev/v1' &&
  (value as Record<string, unknown>).kind === 'Policy';

function policiesIn(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as unknown)
    .filter(isPolicy);
}

/** Policy files under deploy/ and examples/. */
function policyFiles(): PolicyText[] {
  const found: PolicyText[] = [];
  for (const dir of ['deploy/policies', 'examples']) {
    for (const name of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) {
      if (!/\.ya?ml$/.test(name)) continue;
      const file = join(ROOT, dir, name);
      const text = readFileSync(file, 'utf8');
      const header = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text)?.[1];
      for (const policy of policiesIn(text)) found.push({ where: relative(ROOT, file), header, policy });
    }
  }
  return found;
}

/** Policies shown in the documentation's YAML code blocks. */
function documentedPolicies(): PolicyText[] {
  const found: PolicyText[] = [];
  const docs = ['README.md', 'CONTRIBUTING.md', 'charts/jobguard/README.md', 'deploy/README.md'].concat(
    readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  );
  for (const doc of docs) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const block of text.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm))
      for (const policy of policiesIn(block[1]!)) found.push({ where: doc, policy });
  }
  return found;
}

describe('policy JSON Schema', () => {
  it(`schema/policy.schema.json is the generated schema (${STALE})`, () => {
    expect(readJson(SCHEMA_FILE)).toEqual(generated);
  });

  it(`the chart's policy value is the generated schema less apiVersion and kind (${STALE})`, () => {
    const values = readJson(CHART_SCHEMA_FILE) as { properties: { policy: unknown } };
    expect(values.properties.policy).toEqual(buildChartPolicySchema(generated));
    const chartPolicy = values.properties.policy as { properties: Record<string, unknown> };
    expect(Object.keys(chartPolicy.properties)).toEqual(
      Object.keys(generated.properties ?? {}).filter((key) => key !== 'apiVersion' && key !== 'kind'),
    );
  });

  it('names every rule of both profiles, each with its own parameters', () => {
    const rules = (generated.properties?.rules ?? {}) as {
      properties: Record<string, { properties: Record<string, unknown> }>;
    };
    const ids = Object.values(PROFILES).flatMap((profile) => profile.rules.map((rule) => rule.id));
    expect(Object.keys(rules.properties).sort()).toEqual([...ids].sort());
    expect(Object.keys(rules.properties['generic-image']!.properties).sort()).toEqual([
      'enabled',
      'images',
      'weight',
    ]);
    expect(Object.keys(rules.properties['reverse-shell']!.properties).sort()).toEqual(['enabled', 'weight']);
  });

  const files = policyFiles();
  it('finds the policy files the repository ships', () => {
    expect(files.map((file) => file.where)).toEqual(
      expect.arrayContaining([
        'deploy/policies/exemptions.yaml',
        'deploy/policies/kql-compatible.yaml',
        'deploy/policies/strict-enforce.yaml',
        'deploy/policies/warn-rollout.yaml',
        'examples/custom-rules/policy.yaml',
      ]),
    );
  });

  it.each(files.map((file) => [file.where, file] as const))(
    '%s names the schema on its first line and validates',
    (where, file) => {
      expect(file.header).toBeDefined();
      expect(resolve(ROOT, dirname(where), file.header!)).toBe(SCHEMA_FILE);
      expect(validate(file.policy) ? [] : validate.errors).toEqual([]);
    },
  );

  const documented = documentedPolicies();
  it('finds policies in the documentation', () => {
    expect(documented.map((doc) => doc.where)).toContain('docs/cel.md');
  });

  it.each(documented.map((doc, i) => [`${doc.where} #${i}`, doc.policy] as const))(
    'the policy in %s validates',
    (_where, policy) => {
      expect(validate(policy) ? [] : validate.errors).toEqual([]);
    },
  );

  it("validates the chart's default policy value, as the ConfigMap writes it", () => {
    const values = parse(readFileSync(join(ROOT, 'charts/jobguard/values.yaml'), 'utf8')) as {
      policy: Record<string, unknown>;
    };
    const policy = { apiVersion: 'jobguard.dev/v1', kind: 'Policy', ...values.policy };
    expect(validate(policy) ? [] : validate.errors).toEqual([]);
  });

  const HEAD = { apiVersion: 'jobguard.dev/v1', kind: 'Policy' };
  const exemption = { reason: 'nightly backup', namespaces: ['backup'] };
  // Each is refused by the loader too: the JSON Schema says the same about the file's shape.
  it.each<[string, Record<string, unknown>, string]>([
    ['no apiVersion', { kind: 'Policy' }, 'apiVersion'],
    ['another kind', { ...HEAD, kind: 'ClusterPolicy' }, 'kind'],
    ['an unknown field', { ...HEAD, mod: 'enforce' }, 'mod'],
    ['an unknown mode', { ...HEAD, mode: 'block' }, '/mode'],
    ['a threshold out of range', { ...HEAD, thresholds: { deny: 0 } }, '/thresholds/deny'],
    ['an unknown threshold', { ...HEAD, thresholds: { block: 3 } }, 'block'],
    ['no kinds', { ...HEAD, kinds: [] }, '/kinds'],
    ['an unknown kind', { ...HEAD, kinds: ['Cron'] }, '/kinds/0'],
    ['an unknown rule id', { ...HEAD, rules: { 'reverse-shel': { weight: 3 } } }, 'reverse-shel'],
    ['a weight that is not a number', { ...HEAD, rules: { 'reverse-shell': { weight: 'high' } } }, 'weight'],
    ['a parameter the rule does not have', { ...HEAD, rules: { 'reverse-shell': { hosts: [] } } }, 'hosts'],
    [
      'a parameter of the wrong type',
      { ...HEAD, rules: { 'generic-image': { images: 'alpine' } } },
      'images',
    ],
    ['an exemption without a reason', { ...HEAD, exemptions: [{ namespaces: ['x'] }] }, 'reason'],
    ['a blank reason', { ...HEAD, exemptions: [{ ...exemption, reason: '   ' }] }, '/exemptions/0/reason'],
    ['an exemption without a selector', { ...HEAD, exemptions: [{ reason: 'all' }] }, '/exemptions/0'],
    ['an empty selector', { ...HEAD, exemptions: [{ ...exemption, users: [] }] }, 'users'],
    [
      'an expiry in another format',
      { ...HEAD, exemptions: [{ ...exemption, expires: '30/06/2027' }] },
      'expires',
    ],
    [
      'a custom rule without an expression',
      { ...HEAD, customRules: [{ id: 'x', weight: 1, technique: 'T1610', message: 'm' }] },
      'expression',
    ],
    [
      'a custom rule with a bad technique',
      { ...HEAD, customRules: [{ id: 'x', weight: 1, technique: 'T16', message: 'm', expression: 'true' }] },
      'technique',
    ],
  ])('refuses %s', (_name, policy, where) => {
    expect(() => parsePolicy(JSON.stringify(policy), 'policy.json')).toThrow(PolicyError);
    expect(validate(policy)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain(where);
  });

  it.each<[string, Record<string, unknown>]>([
    ['the smallest policy', HEAD],
    [
      'every top-level field',
      {
        ...HEAD,
        mode: 'enforce',
        profile: 'kql',
        thresholds: { annotate: 1, warn: 2, deny: 3 },
        onError: 'allow',
        kinds: ['CronJob', 'Pod'],
        rules: { 'kql-privileged': { enabled: false }, 'generic-image': { weight: 2, images: ['alpine'] } },
        namespaces: [{ names: ['ci-*'], mode: 'warn' }],
        namespaceLabels: { enabled: false, allowDowngrade: true },
        selfExemption: { namespaces: ['sandbox'] },
        exemptions: [
          { ...exemption, name: 'backup', expires: '2027-06-30T18:00:00Z', rules: ['reverse-shell'] },
        ],
        exceptions: { enabled: false, clusterWideNamespaces: ['platform'] },
        controllerUsers: ['system:kube-controller-manager'],
        customRules: [
          { id: 'no-latest', weight: 5, technique: 'T1610', message: 'latest tag', expression: 'false' },
        ],
      },
    ],
  ])('accepts %s, as the loader does', (_name, policy) => {
    expect(() => parsePolicy(JSON.stringify(policy), 'policy.json')).not.toThrow();
    expect(validate(policy) ? [] : validate.errors).toEqual([]);
  });
});
