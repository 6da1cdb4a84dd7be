/**
 * decide(): thresholds → verdict, mode → action, namespace overrides and labels, exemptions,
 * self-exemption and onError, as tables. Scores are built from synthetic findings so the tables do
 * not move when rule weights do.
 */
import { describe, expect, it } from '@jest/globals';
import {
  compilePolicy,
  decide,
  expiredExemptions,
  MODE_LABEL,
  SELF_EXEMPT_LABEL,
  SELF_EXEMPT_REASON_ANNOTATION,
} from '../src/policy/decide.js';
import type { Decision, Subject, Verdict } from '../src/policy/decision.js';
import { policySchema, type Mode, type PolicyFile } from '../src/policy/schema.js';
import type { Finding, Profile, Score } from '../src/scoring/types.js';
import { parseImageReference } from '../src/workload/image.js';
import { sumWeights } from '../src/scoring/score.js';

const PROFILE: Profile = { name: 'default', rules: [], thresholds: { annotate: 2, warn: 5, deny: 8 } };
const NOW = new Date('2026-11-27T12:00:00Z');

function finding(rule: string, weight: number): Finding {
  return { rule, weight, technique: 'T1053.007', message: rule, path: 'spec.template.spec.containers[0]' };
}

function scoreOf(...findings: Finding[]): Score {
  return { score: sumWeights(findings), findings, errors: [] };
}

/** A score of exactly `total` from one rule. */
function scoreOfTotal(total: number): Score {
  return total === 0 ? scoreOf() : scoreOf(finding('reverse-shell', total));
}

function image(raw: string): Subject['images'][number] {
  const ref = parseImageReference(raw);
  return { raw: ref.raw, normalized: ref.normalized, ...(ref.digest ? { digest: ref.digest } : {}) };
}

function subject(overrides: Partial<Subject> = {}): Subject {
  return {
    kind: 'CronJob',
    namespace: 'default',
    name: 'backup',
    username: 'alice@example.com',
    groups: ['system:authenticated'],
    serviceAccounts: ['default'],
    images: [image('alpine:3.20')],
    labels: {},
    annotations: {},
    ...overrides,
  };
}

function compiled(policy: Partial<PolicyFile> = {}) {
  return compilePolicy(
    policySchema.parse({ apiVersion: 'jobguard.dev/v1', kind: 'Policy', ...policy }),
    PROFILE,
  );
}

function run(
  policy: Partial<PolicyFile>,
  input: { score?: Score; subject?: Subject; namespaceLabels?: Record<string, string>; now?: Date } = {},
): Decision {
  return decide(
    {
      score: input.score ?? scoreOf(),
      subject: input.subject ?? subject(),
      ...(input.namespaceLabels ? { namespaceLabels: input.namespaceLabels } : {}),
      now: input.now ?? NOW,
    },
    compiled(policy),
  );
}

describe('verdict: thresholds, each boundary inclusive', () => {
  it.each<[number, Verdict]>([
    [0, 'allow'],
    [1, 'allow'],
    [2, 'annotate'],
    [4, 'annotate'],
    [5, 'warn'],
    [7, 'warn'],
    [8, 'deny'],
    [40, 'deny'],
  ])('profile thresholds 2/5/8: score %i → %s', (score, verdict) => {
    const decision = run({ mode: 'enforce' }, { score: scoreOfTotal(score) });
    expect(decision).toMatchObject({ score, verdict, action: verdict, thresholds: PROFILE.thresholds });
  });

  it.each<[{ annotate?: number; warn?: number; deny?: number }, number, Verdict]>([
    [{ annotate: 1, warn: 1, deny: 3 }, 1, 'warn'],
    [{ annotate: 1, warn: 1, deny: 3 }, 2, 'warn'],
    [{ annotate: 1, warn: 1, deny: 3 }, 3, 'deny'],
    [{ deny: 6 }, 5, 'warn'],
    [{ deny: 6 }, 6, 'deny'],
    [{ annotate: 3 }, 2, 'allow'],
    [{ annotate: 3 }, 3, 'annotate'],
    [{ annotate: 4, warn: 4, deny: 4 }, 3, 'allow'],
    [{ annotate: 4, warn: 4, deny: 4 }, 4, 'deny'],
  ])('policy thresholds %j over the profile: score %i → %s', (thresholds, score, verdict) => {
    expect(run({ mode: 'enforce', thresholds }, { score: scoreOfTotal(score) }).verdict).toBe(verdict);
  });
});

describe('action: the verdict after the mode', () => {
  const SCORES: Record<Verdict, number> = { allow: 0, annotate: 2, warn: 5, deny: 8 };
  it.each<[Mode, Verdict, Verdict]>([
    ['enforce', 'allow', 'allow'],
    ['enforce', 'annotate', 'annotate'],
    ['enforce', 'warn', 'warn'],
    ['enforce', 'deny', 'deny'],
    ['warn', 'allow', 'allow'],
    ['warn', 'annotate', 'annotate'],
    ['warn', 'warn', 'warn'],
    ['warn', 'deny', 'warn'],
    ['audit', 'allow', 'allow'],
    ['audit', 'annotate', 'annotate'],
    ['audit', 'warn', 'annotate'],
    ['audit', 'deny', 'annotate'],
    ['off', 'allow', 'allow'],
    ['off', 'annotate', 'allow'],
    ['off', 'warn', 'allow'],
    ['off', 'deny', 'allow'],
  ])('mode %s, verdict %s → action %s', (mode, verdict, action) => {
    const decision = run({ mode }, { score: scoreOfTotal(SCORES[verdict]) });
    expect(decision).toMatchObject({ mode, verdict, action });
  });
});

describe('namespace overrides: globs, first match wins', () => {
  const namespaces = [
    { names: ['prod-*', 'payments'], mode: 'enforce' as const },
    { names: ['prod-sandbox'], mode: 'audit' as const },
    { names: ['*-dev', 'scratch?'], mode: 'off' as const },
  ];
  it.each<[string, Mode]>([
    ['prod-eu', 'enforce'],
    ['payments', 'enforce'],
    ['prod-sandbox', 'enforce'],
    ['payments-v2', 'warn'],
    ['team-dev', 'off'],
    ['scratch1', 'off'],
    ['scratch12', 'warn'],
    ['default', 'warn'],
    ['production', 'warn'],
  ])('%s → %s', (namespace, mode) => {
    expect(run({ mode: 'warn', namespaces }, { subject: subject({ namespace }) }).mode).toBe(mode);
  });
});

describe(`namespace label ${MODE_LABEL}`, () => {
  it.each<[string, Mode, string | undefined, boolean, Mode]>([
    ['stricter label applies', 'warn', 'enforce', false, 'enforce'],
    ['stricter label applies (audit → warn)', 'audit', 'warn', false, 'warn'],
    ['same mode', 'warn', 'warn', false, 'warn'],
    ['laxer label ignored without allowDowngrade', 'warn', 'audit', false, 'warn'],
    ['laxer label ignored without allowDowngrade (off)', 'enforce', 'off', false, 'enforce'],
    ['laxer label applies with allowDowngrade', 'warn', 'audit', true, 'audit'],
    ['laxer label applies with allowDowngrade (off)', 'enforce', 'off', true, 'off'],
    ['stricter label with allowDowngrade', 'audit', 'enforce', true, 'enforce'],
    ['unknown value ignored', 'warn', 'strict', true, 'warn'],
    ['values are case-sensitive, as Pod Security Admission', 'warn', 'Enforce', false, 'warn'],
    ['a prototype property is no mode', 'warn', 'constructor', true, 'warn'],
    ['a prototype property is no mode (no downgrade)', 'warn', 'toString', false, 'warn'],
    ['no label', 'warn', undefined, false, 'warn'],
  ])('%s: policy %s, label %s, allowDowngrade %s → %s', (_name, mode, label, allowDowngrade, expected) => {
    const decision = run(
      { mode, namespaceLabels: { allowDowngrade } },
      { namespaceLabels: label === undefined ? { team: 'a' } : { [MODE_LABEL]: label } },
    );
    expect(decision.mode).toBe(expected);
  });

  it('applies over a namespaces: entry (the entry is the base)', () => {
    const decision = run(
      { mode: 'enforce', namespaces: [{ names: ['ci-*'], mode: 'audit' }] },
      { subject: subject({ namespace: 'ci-web' }), namespaceLabels: { [MODE_LABEL]: 'warn' } },
    );
    expect(decision.mode).toBe('warn');
  });

  it('is ignored when namespaceLabels.enabled is false', () => {
    const decision = run(
      { mode: 'audit', namespaceLabels: { enabled: false } },
      { namespaceLabels: { [MODE_LABEL]: 'enforce' }, score: scoreOfTotal(9) },
    );
    expect(decision).toMatchObject({ mode: 'audit', verdict: 'deny', action: 'annotate' });
  });

  it('offline (no labels known) keeps the policy mode', () => {
    expect(run({ mode: 'audit' }).mode).toBe('audit');
  });

  it('a stricter label turns a would-be warning into a deny', () => {
    const decision = run(
      { mode: 'warn' },
      { score: scoreOfTotal(8), namespaceLabels: { [MODE_LABEL]: 'enforce' } },
    );
    expect(decision).toMatchObject({ mode: 'enforce', action: 'deny' });
  });
});

describe('exemptions', () => {
  const SCANNER = 'docker.io/aquasec/kube-bench:v0.7.3';
  const DIGEST = `sha256:${'ab'.repeat(32)}`;
  const scanner = subject({
    kind: 'CronJob',
    namespace: 'security',
    name: 'kube-bench-nodes',
    username: 'system:serviceaccount:flux-system:kustomize-controller',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:flux-system'],
    serviceAccounts: ['kube-bench'],
    images: [image('aquasec/kube-bench:v0.7.3')],
  });
  const exemption = {
    reason: 'CIS benchmark scanner',
    namespaces: ['security'],
    names: ['kube-bench-*'],
    kinds: ['CronJob' as const, 'Job' as const],
    users: ['system:serviceaccount:flux-system:*'],
    groups: ['system:serviceaccounts:flux-system'],
    serviceAccounts: ['kube-bench'],
    images: ['docker.io/aquasec/kube-bench:*'],
  };
  const findings = scoreOf(finding('host-pid', 5), finding('sensitive-host-path', 4));

  it('unexempted, the scanner would be denied', () => {
    expect(run({ mode: 'enforce' }, { score: findings, subject: scanner })).toMatchObject({
      score: 9,
      verdict: 'deny',
    });
  });

  it.each<[string, boolean, Partial<Subject>]>([
    ['every selector matches', true, {}],
    ['another namespace', false, { namespace: 'default' }],
    ['another name', false, { name: 'bench' }],
    ['another kind', false, { kind: 'Deployment' }],
    ['another user', false, { username: 'alice@example.com' }],
    ['no user known (offline scan)', false, { username: undefined }],
    ['none of the groups', false, { groups: ['system:authenticated'] }],
    ['no groups known', false, { groups: undefined }],
    ['one template with another service account', false, { serviceAccounts: ['kube-bench', 'default'] }],
    ['two templates, both listed', true, { serviceAccounts: ['kube-bench', 'kube-bench'] }],
    ['an unlisted sidecar image', false, { images: [image(SCANNER), image('alpine:3.20')] }],
    ['two listed images', true, { images: [image(SCANNER), image('aquasec/kube-bench:v0.8.0')] }],
    ['no images at all', false, { images: [] }],
    ['the image by its normalized name', true, { images: [image('docker.io/aquasec/kube-bench:v0.7.3')] }],
    [
      'an image from another registry',
      false,
      { images: [image('evil.example.com/aquasec/kube-bench:v0.7.3')] },
    ],
    ['a look-alike repository', false, { images: [image('aquasec/kube-bench-evil:v0.7.3')] }],
  ])('%s → exempt: %s', (_name, isExempt, change) => {
    const decision = run(
      { mode: 'enforce', exemptions: [exemption] },
      { score: findings, subject: { ...scanner, ...change } },
    );
    if (isExempt) {
      expect(decision).toMatchObject({ score: 0, verdict: 'allow', findings: [] });
      expect(decision.waived.map((f) => f.rule)).toEqual(['host-pid', 'sensitive-host-path']);
      expect(decision.exemptions).toEqual([
        { id: 'policy:cis-benchmark-scanner', reason: 'CIS benchmark scanner', rules: ['*'] },
      ]);
    } else {
      expect(decision).toMatchObject({ score: 9, verdict: 'deny', waived: [], exemptions: [] });
    }
  });

  it.each<[string, string[], string, boolean]>([
    ['digest glob matches the digest', [DIGEST], `aquasec/kube-bench@${DIGEST}`, true],
    ['digest glob matches the digest behind a tag', [DIGEST], `aquasec/kube-bench:v0.7.3@${DIGEST}`, true],
    ['digest glob, another digest', [DIGEST], `aquasec/kube-bench@sha256:${'cd'.repeat(32)}`, false],
    ['digest glob, tag only', [DIGEST], 'aquasec/kube-bench:v0.7.3', false],
    ['pinned name@digest', [`docker.io/aquasec/kube-bench@${DIGEST}`], `aquasec/kube-bench@${DIGEST}`, true],
    ['raw short form', ['aquasec/kube-bench:v0.7.*'], 'aquasec/kube-bench:v0.7.3', true],
    ['raw short form, other minor', ['aquasec/kube-bench:v0.7.*'], 'aquasec/kube-bench:v0.8.0', false],
    ['untagged image is :latest', ['docker.io/aquasec/kube-bench:latest'], 'aquasec/kube-bench', true],
  ])('images: %s', (_name, images, raw, isExempt) => {
    const decision = run(
      { mode: 'enforce', exemptions: [{ reason: 'pinned', namespaces: ['security'], images }] },
      { score: findings, subject: { ...scanner, images: [image(raw)] } },
    );
    expect(decision.exemptions.length > 0).toBe(isExempt);
  });

  it.each<[string, string[] | undefined, Finding[], { score: number; verdict: Verdict; waived: string[] }]>([
    [
      'no rules list waives everything',
      undefined,
      findings.findings,
      { score: 0, verdict: 'allow', waived: ['host-pid', 'sensitive-host-path'] },
    ],
    [
      'a list waives only its rules',
      ['host-pid'],
      findings.findings,
      { score: 4, verdict: 'annotate', waived: ['host-pid'] },
    ],
    [
      'an unlisted attack is still scored',
      ['host-pid', 'sensitive-host-path'],
      [finding('reverse-shell', 10), ...findings.findings],
      { score: 10, verdict: 'deny', waived: ['host-pid', 'sensitive-host-path'] },
    ],
    [
      'a rule that did not fire',
      ['host-network'],
      findings.findings,
      { score: 9, verdict: 'deny', waived: [] },
    ],
  ])('%s', (_name, rules, found, expected) => {
    const decision = run(
      { mode: 'enforce', exemptions: [{ ...exemption, ...(rules ? { rules } : {}) }] },
      { score: scoreOf(...found), subject: scanner },
    );
    expect({
      score: decision.score,
      verdict: decision.verdict,
      waived: decision.waived.map((f) => f.rule),
    }).toEqual(expected);
  });

  it('several matching exemptions waive the union of their rules, each listed', () => {
    const decision = run(
      {
        mode: 'enforce',
        exemptions: [
          { reason: 'pid', namespaces: ['security'], rules: ['host-pid'] },
          { reason: 'unrelated', namespaces: ['payments'] },
          { name: 'bench-paths', reason: 'paths', names: ['kube-bench-*'], rules: ['sensitive-host-path'] },
        ],
      },
      { score: findings, subject: scanner },
    );
    expect(decision).toMatchObject({ score: 0, verdict: 'allow' });
    expect(decision.exemptions).toEqual([
      { id: 'policy:pid', reason: 'pid', rules: ['host-pid'] },
      { id: 'policy:bench-paths', reason: 'paths', rules: ['sensitive-host-path'] },
    ]);
  });

  it.each<[string, string, string, boolean]>([
    ['expired the day before', '2026-11-26', '2026-11-27T12:00:00Z', false],
    ['a bare date lasts to the end of its day (UTC)', '2026-11-27', '2026-11-27T23:59:59.999Z', true],
    ['a bare date has ended at midnight UTC', '2026-11-27', '2026-11-28T00:00:00.000Z', false],
    ['a date-time applies up to its instant', '2026-11-27T12:00:00Z', '2026-11-27T12:00:00.000Z', true],
    ['a date-time has ended a millisecond later', '2026-11-27T12:00:00Z', '2026-11-27T12:00:00.001Z', false],
    ['an offset is honoured', '2026-11-27T12:00:00+02:00', '2026-11-27T10:00:00.001Z', false],
    ['an offset is honoured (before)', '2026-11-27T12:00:00+02:00', '2026-11-27T09:59:59.999Z', true],
    ['in the future', '2027-06-30', '2026-11-27T12:00:00Z', true],
  ])('expiry: %s', (_name, expires, now, applies) => {
    const policy = { mode: 'enforce' as const, exemptions: [{ ...exemption, expires }] };
    const decision = run(policy, { score: findings, subject: scanner, now: new Date(now) });
    expect(decision.exemptions.length > 0).toBe(applies);
    expect(decision.verdict).toBe(applies ? 'allow' : 'deny');
    // The helper the server and `policy check` use agrees with decide() at the boundary.
    expect(expiredExemptions(compiled(policy).policy, new Date(now)).map((e) => e.path)).toEqual(
      applies ? [] : ['exemptions[0]'],
    );
  });
});

describe('exemption names', () => {
  it('names a file exemption policy:<name>, or after its reason when it has no name', () => {
    const decision = run(
      {
        mode: 'enforce',
        exemptions: [
          { name: 'bench', reason: 'CIS benchmark scanner (SEC-1)', names: ['backup'], rules: ['host-pid'] },
          { reason: 'CIS benchmark scanner (SEC-1)', names: ['backup'] },
        ],
      },
      { score: scoreOfTotal(9) },
    );
    expect(decision.exemptions.map((e) => e.id)).toEqual([
      'policy:bench',
      'policy:cis-benchmark-scanner-sec-1',
    ]);
  });

  it.each<[string, PolicyFile['exemptions'], string | undefined]>([
    [
      'two exemptions with one name',
      [
        { name: 'x', reason: 'a', names: ['a'] },
        { name: 'x', reason: 'b', names: ['b'] },
      ],
      'exemptions.1.name: "x" already names exemptions[0]; give each exemption its own name',
    ],
    [
      'two unnamed exemptions with one reason',
      [
        { reason: 'Scanner', names: ['a'] },
        { reason: 'scanner!', names: ['b'] },
      ],
      'exemptions.1.name: "scanner" already names exemptions[0] (derived from the reason); give each exemption its own name',
    ],
    [
      'a name that is not an object name',
      [{ name: 'Bench_1', reason: 'a', names: ['a'] }],
      'exemptions.0.name',
    ],
    [
      'distinct names',
      [
        { name: 'a', reason: 'r', names: ['a'] },
        { reason: 'r', names: ['b'] },
      ],
      undefined,
    ],
  ])('%s', (_name, exemptions, problem) => {
    const parsed = policySchema.safeParse({ apiVersion: 'jobguard.dev/v1', kind: 'Policy', exemptions });
    if (problem === undefined) expect(parsed.success).toBe(true);
    else {
      const issues = parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
      expect(issues.some((i) => i.startsWith(problem))).toBe(true);
    }
  });
});

describe("a controller's objects and their owner's exemptions", () => {
  const JOB_CONTROLLER = 'system:serviceaccount:kube-system:job-controller';
  const exemption = {
    reason: 'CIS scanner',
    namespaces: ['security'],
    names: ['kube-bench-*'],
    kinds: ['CronJob' as const, 'Job' as const],
    rules: ['host-pid'],
  };
  const jobOwner = { apiVersion: 'batch/v1', kind: 'Job', name: 'kube-bench-29000000' };
  const pod = subject({
    kind: 'Pod',
    namespace: 'security',
    name: 'kube-bench-29000000-x7k2p',
    username: JOB_CONTROLLER,
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
    controller: jobOwner,
  });
  const findings = scoreOf(finding('host-pid', 9));

  it.each<[string, Partial<Subject>, Partial<PolicyFile>, string | undefined]>([
    ["the Job controller's Pod of an exempt Job", {}, {}, 'Job/kube-bench-29000000'],
    [
      'the controller-manager under its own identity',
      { username: 'system:kube-controller-manager' },
      {},
      'Job/kube-bench-29000000',
    ],
    // The abuse case: anyone who may create Pods may write an ownerReference naming an exempt Job.
    ['a forged ownerReference from a person', { username: 'mallory@example.com' }, {}, undefined],
    [
      'a forged ownerReference from a service account',
      { username: 'system:serviceaccount:security:ci' },
      {},
      undefined,
    ],
    ['an ownerReference without controller: true', { controller: undefined }, {}, undefined],
    ['an owner that is not exempt', { controller: { ...jobOwner, name: 'miner-1' } }, {}, undefined],
    [
      'an owner kind that never creates Pods',
      { controller: { apiVersion: 'batch/v1', kind: 'CronJob', name: 'kube-bench' } },
      {},
      undefined,
    ],
    [
      'an owner in another API group',
      { controller: { ...jobOwner, apiVersion: 'evil.example.com/v1' } },
      {},
      undefined,
    ],
    [
      'a controller user the policy no longer trusts',
      {},
      { controllerUsers: ['system:kube-controller-manager'] },
      undefined,
    ],
    [
      'an exempt namespace is still required (the owner lives beside the Pod)',
      { namespace: 'default' },
      {},
      undefined,
    ],
  ])('%s', (_name, change, policy, via) => {
    const decision = run(
      { mode: 'enforce', kinds: ['CronJob', 'Job', 'Pod'], exemptions: [exemption], ...policy },
      { score: findings, subject: { ...pod, ...change } },
    );
    if (via === undefined) {
      expect(decision).toMatchObject({ score: 9, verdict: 'deny', exemptions: [] });
    } else {
      expect(decision).toMatchObject({ score: 0, verdict: 'allow' });
      expect(decision.exemptions).toEqual([
        { id: 'policy:cis-scanner', reason: 'CIS scanner', rules: ['host-pid'], via },
      ]);
    }
  });

  it.each([
    ['the scanner image', ['docker.io/aquasec/kube-bench:*'], ['kube-bench'], 0],
    ['another image', ['docker.io/library/alpine:*'], ['kube-bench'], 9],
    ['another service account', ['docker.io/aquasec/kube-bench:*'], ['scanner'], 9],
  ])(
    "matches an owner's exemption by image and service account on the Pod's own (%s)",
    (_name, images, serviceAccounts, score) => {
      const decision = run(
        {
          mode: 'enforce',
          kinds: ['CronJob', 'Job', 'Pod'],
          exemptions: [{ ...exemption, images, serviceAccounts }],
        },
        {
          score: findings,
          subject: {
            ...pod,
            images: [image('aquasec/kube-bench:v0.7.3')],
            serviceAccounts: ['kube-bench'],
          },
        },
      );
      expect(decision.score).toBe(score);
    },
  );

  it("covers a CronJob's Jobs when the CronJob controller creates them", () => {
    const job = subject({
      kind: 'Job',
      namespace: 'security',
      name: 'nightly-29000000',
      username: 'system:serviceaccount:kube-system:cronjob-controller',
      controller: { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly' },
    });
    const decision = run(
      {
        mode: 'enforce',
        exemptions: [{ reason: 'r', namespaces: ['security'], names: ['nightly'], kinds: ['CronJob'] }],
      },
      { score: findings, subject: job },
    );
    expect(decision.exemptions).toEqual([
      { id: 'policy:r', reason: 'r', rules: ['*'], via: 'CronJob/nightly' },
    ]);
  });

  it('matches an exemption the object meets itself without a via', () => {
    const decision = run(
      { mode: 'enforce', exemptions: [{ ...exemption, kinds: ['Pod'] }] },
      { score: findings, subject: pod },
    );
    expect(decision.exemptions).toEqual([
      { id: 'policy:cis-scanner', reason: 'CIS scanner', rules: ['host-pid'] },
    ]);
  });

  it("does not lend the owner the requester's identity: a users selector sees the controller", () => {
    const decision = run(
      { mode: 'enforce', exemptions: [{ ...exemption, users: ['system:serviceaccount:flux-system:*'] }] },
      { score: findings, subject: pod },
    );
    expect(decision.exemptions).toEqual([]);
  });
});

describe('self-exemption', () => {
  const labels = { [SELF_EXEMPT_LABEL]: 'true' };
  const annotations = { [SELF_EXEMPT_REASON_ANNOTATION]: 'load test of the queue, INC-77' };
  const policy = { mode: 'enforce' as const, selfExemption: { namespaces: ['ci-*'] } };

  it.each<[string, Partial<PolicyFile>, Partial<Subject>, boolean]>([
    ['allowed namespace, label and reason', policy, { namespace: 'ci-web', labels, annotations }, true],
    ['namespace not allowed', policy, { namespace: 'payments', labels, annotations }, false],
    [
      'no namespace allowed (default)',
      { mode: 'enforce' },
      { namespace: 'ci-web', labels, annotations },
      false,
    ],
    ['no reason annotation', policy, { namespace: 'ci-web', labels }, false],
    [
      'a blank reason',
      policy,
      { namespace: 'ci-web', labels, annotations: { [SELF_EXEMPT_REASON_ANNOTATION]: '  ' } },
      false,
    ],
    [
      'label not "true"',
      policy,
      { namespace: 'ci-web', labels: { [SELF_EXEMPT_LABEL]: 'yes' }, annotations },
      false,
    ],
    ['reason without the label', policy, { namespace: 'ci-web', annotations }, false],
  ])('%s', (_name, file, change, isExempt) => {
    const decision = run(file, { score: scoreOfTotal(9), subject: subject(change) });
    if (isExempt) {
      expect(decision).toMatchObject({ score: 0, verdict: 'allow', action: 'allow' });
      expect(decision.exemptions).toEqual([
        { id: 'self', reason: 'self-exemption: load test of the queue, INC-77', rules: ['*'] },
      ]);
    } else {
      expect(decision).toMatchObject({ score: 9, verdict: 'deny', action: 'deny', exemptions: [] });
    }
  });
});

describe('onError', () => {
  const failed: Score = {
    score: 0,
    findings: [
      { rule: 'engine-error', weight: 0, technique: '', message: 'rule reverse-shell failed', path: '' },
    ],
    errors: ['reverse-shell'],
  };

  it.each<
    [
      string,
      'allow' | 'deny',
      Mode,
      Partial<PolicyFile>,
      { verdict: Verdict; action: Verdict; errors: string[] },
    ]
  >([
    [
      'allow: the score decides',
      'allow',
      'enforce',
      {},
      { verdict: 'allow', action: 'allow', errors: ['reverse-shell'] },
    ],
    [
      'deny: a failed rule denies',
      'deny',
      'enforce',
      {},
      { verdict: 'deny', action: 'deny', errors: ['reverse-shell'] },
    ],
    [
      'deny in warn mode warns',
      'deny',
      'warn',
      {},
      { verdict: 'deny', action: 'warn', errors: ['reverse-shell'] },
    ],
    [
      'deny in audit mode annotates',
      'deny',
      'audit',
      {},
      { verdict: 'deny', action: 'annotate', errors: ['reverse-shell'] },
    ],
    [
      'deny, but the failed rule is waived',
      'deny',
      'enforce',
      { exemptions: [{ reason: 'known parser gap', names: ['backup'], rules: ['reverse-shell'] }] },
      { verdict: 'allow', action: 'allow', errors: [] },
    ],
    [
      'deny, but an exemption waives all rules',
      'deny',
      'enforce',
      { exemptions: [{ reason: 'all', names: ['backup'] }] },
      { verdict: 'allow', action: 'allow', errors: [] },
    ],
  ])('%s', (_name, onError, mode, extra, expected) => {
    expect(run({ mode, onError, ...extra }, { score: failed })).toMatchObject(expected);
  });

  it('deny wins over a low score', () => {
    const score: Score = { ...failed, score: 2, findings: [finding('host-path', 2), ...failed.findings] };
    expect(run({ mode: 'enforce', onError: 'deny' }, { score })).toMatchObject({ score: 2, verdict: 'deny' });
  });
});
