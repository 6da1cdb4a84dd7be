/**
 * deploy/policies/*.yaml: each example loads completely and decides as its comments say.
 * The default-profile examples are checked with synthetic scores (rule ids and weights given here),
 * so their tables hold whatever the rules' weights become; kql-compatible.yaml runs real objects
 * through the kql profile.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { assess } from '../src/engine.js';
import {
  compilePolicy,
  decide,
  MODE_LABEL,
  SELF_EXEMPT_LABEL,
  SELF_EXEMPT_REASON_ANNOTATION,
} from '../src/policy/decide.js';
import type { Decision, Subject, Verdict } from '../src/policy/decision.js';
import { parsePolicy } from '../src/policy/load.js';
import { policySchema, type Mode, type Policy } from '../src/policy/schema.js';
import { PROFILES } from '../src/scoring/profiles.js';
import type { Finding, Score } from '../src/scoring/types.js';
import { parseImageReference } from '../src/workload/image.js';
import { sumWeights } from '../src/scoring/score.js';

const DIR = join(import.meta.dirname, '..', 'deploy', 'policies');
const FILES = readdirSync(DIR).filter((name) => name.endsWith('.yaml'));
const NOW = new Date('2026-11-27T12:00:00Z');

const text = (name: string) => readFileSync(join(DIR, name), 'utf8');

/** The schema alone: no rule lookup, so this holds before the default profile's rules exist. */
function schemaOnly(name: string): Policy {
  return policySchema.parse(parse(text(name)));
}

function finding(rule: string, weight: number): Finding {
  return { rule, weight, technique: 'T1053.007', message: rule, path: 'spec.jobTemplate.spec.template.spec' };
}

function scoreOf(...findings: Finding[]): Score {
  return { score: sumWeights(findings), findings, errors: [] };
}

function image(raw: string): Subject['images'][number] {
  const ref = parseImageReference(raw);
  return { raw: ref.raw, normalized: ref.normalized, ...(ref.digest ? { digest: ref.digest } : {}) };
}

function subject(change: Partial<Subject> = {}): Subject {
  return {
    kind: 'CronJob',
    namespace: 'payments',
    name: 'nightly',
    username: 'alice@example.com',
    groups: ['system:authenticated'],
    serviceAccounts: ['default'],
    images: [image('registry.example.com/payments/nightly:1.4.2')],
    labels: {},
    annotations: {},
    ...change,
  };
}

function decideWith(
  policy: Policy,
  input: { score: Score; subject?: Partial<Subject>; label?: Mode; now?: Date },
): Decision {
  return decide(
    {
      score: input.score,
      subject: subject(input.subject),
      ...(input.label ? { namespaceLabels: { [MODE_LABEL]: input.label } } : {}),
      now: input.now ?? NOW,
    },
    compilePolicy(policy, PROFILES[policy.profile]),
  );
}

const total = (n: number) => (n === 0 ? scoreOf() : scoreOf(finding('reverse-shell', n)));

describe('deploy/policies', () => {
  it('holds the four examples', () => {
    expect(FILES.sort()).toEqual([
      'exemptions.yaml',
      'kql-compatible.yaml',
      'strict-enforce.yaml',
      'warn-rollout.yaml',
    ]);
  });

  it.each(FILES)('%s opens with a comment that says what it is for, after the schema line', (name) => {
    expect(text(name)).toMatch(/^# yaml-language-server: \$schema=\S+\n# \S+\.yaml: /);
  });

  it.each(FILES)('%s passes the schema', (name) => {
    expect(() => schemaOnly(name)).not.toThrow();
  });

  // Needs the default profile's rules (src/scoring/rules/index.ts): the files name rule ids.
  it.each(FILES)('%s loads completely (rule ids and parameters included)', (name) => {
    expect(parsePolicy(text(name), name).policy).toEqual(schemaOnly(name));
  });
});

describe('warn-rollout.yaml', () => {
  const policy = schemaOnly('warn-rollout.yaml');

  it.each<[string, number, Mode | undefined, { mode: Mode; verdict: Verdict; action: Verdict }]>([
    ['payments', 1, undefined, { mode: 'warn', verdict: 'allow', action: 'allow' }],
    ['payments', 2, undefined, { mode: 'warn', verdict: 'annotate', action: 'annotate' }],
    ['payments', 5, undefined, { mode: 'warn', verdict: 'warn', action: 'warn' }],
    ['payments', 8, undefined, { mode: 'warn', verdict: 'deny', action: 'warn' }],
    ['sandbox-alice', 8, undefined, { mode: 'audit', verdict: 'deny', action: 'annotate' }],
    ['dev-web', 5, undefined, { mode: 'audit', verdict: 'warn', action: 'annotate' }],
    ['payments', 8, 'enforce', { mode: 'enforce', verdict: 'deny', action: 'deny' }],
    ['payments', 8, 'off', { mode: 'warn', verdict: 'deny', action: 'warn' }],
  ])('%s, score %i, label %s → %j', (namespace, score, label, expected) => {
    expect(
      decideWith(policy, { score: total(score), subject: { namespace }, ...(label ? { label } : {}) }),
    ).toMatchObject(expected);
  });

  it('never denies without a label asking for it', () => {
    expect(policy.mode).toBe('warn');
    expect(policy.namespaces.map((n) => n.mode)).not.toContain('enforce');
  });
});

describe('strict-enforce.yaml', () => {
  const policy = schemaOnly('strict-enforce.yaml');

  it.each<[string, number, Mode | undefined, { mode: Mode; verdict: Verdict; action: Verdict }]>([
    ['payments', 1, undefined, { mode: 'enforce', verdict: 'allow', action: 'allow' }],
    ['payments', 3, undefined, { mode: 'enforce', verdict: 'annotate', action: 'annotate' }],
    ['payments', 4, undefined, { mode: 'enforce', verdict: 'warn', action: 'warn' }],
    ['payments', 6, undefined, { mode: 'enforce', verdict: 'warn', action: 'warn' }],
    ['payments', 7, undefined, { mode: 'enforce', verdict: 'deny', action: 'deny' }],
    ['prod-eu', 7, undefined, { mode: 'enforce', verdict: 'deny', action: 'deny' }],
    ['kube-system', 50, undefined, { mode: 'off', verdict: 'deny', action: 'allow' }],
    ['jobguard', 50, undefined, { mode: 'off', verdict: 'deny', action: 'allow' }],
    ['ci-web', 7, undefined, { mode: 'warn', verdict: 'deny', action: 'warn' }],
    ['build-images', 7, undefined, { mode: 'warn', verdict: 'deny', action: 'warn' }],
    ['sandbox-alice', 7, undefined, { mode: 'audit', verdict: 'deny', action: 'annotate' }],
    ['sandbox-alice', 7, 'enforce', { mode: 'enforce', verdict: 'deny', action: 'deny' }],
    ['payments', 7, 'audit', { mode: 'enforce', verdict: 'deny', action: 'deny' }],
    ['ci-web', 7, 'off', { mode: 'warn', verdict: 'deny', action: 'warn' }],
  ])('%s, score %i, label %s → %j', (namespace, score, label, expected) => {
    expect(
      decideWith(policy, { score: total(score), subject: { namespace }, ...(label ? { label } : {}) }),
    ).toMatchObject(expected);
  });

  it('a rule that fails denies', () => {
    const failed: Score = { score: 0, findings: [], errors: ['reverse-shell'] };
    expect(decideWith(policy, { score: failed })).toMatchObject({
      mode: 'enforce',
      verdict: 'deny',
      action: 'deny',
    });
  });

  it.each<[string, string, Verdict]>([
    ['ci-web', 'a self-exempt job in ci-* is allowed', 'allow'],
    ['payments', 'a self-exempt label in payments is ignored', 'deny'],
  ])('self-exemption in %s: %s', (namespace, _name, verdict) => {
    const self = {
      namespace,
      labels: { [SELF_EXEMPT_LABEL]: 'true' },
      annotations: { [SELF_EXEMPT_REASON_ANNOTATION]: 'load test, CI-42' },
    };
    expect(decideWith(policy, { score: total(9), subject: self }).verdict).toBe(verdict);
  });
});

describe('exemptions.yaml', () => {
  const policy = schemaOnly('exemptions.yaml');
  const DIGEST = 'sha256:2f8b1a6c2e6a1f4b3d0c8e9a7b6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c';
  const FLUX = 'system:serviceaccount:flux-system:kustomize-controller';
  const kubeBench: Partial<Subject> = {
    namespace: 'security',
    name: 'kube-bench-nodes',
    serviceAccounts: ['kube-bench'],
    images: [image('aquasec/kube-bench:v0.7.3')],
  };
  const logCleanup: Partial<Subject> = {
    namespace: 'node-maintenance',
    name: 'log-cleanup',
    serviceAccounts: ['log-cleanup'],
    images: [image(`busybox@${DIGEST}`)],
  };
  const etcdBackup: Partial<Subject> = {
    namespace: 'etcd-backup',
    name: 'etcd-snapshot',
    username: FLUX,
    serviceAccounts: ['etcd-backup'],
    images: [image('registry.example.com/platform/etcd-backup:v3.5.17')],
  };
  const scanner = scoreOf(finding('host-pid', 5), finding('sensitive-host-path', 6), finding('host-path', 2));
  const cleanup = scoreOf(finding('host-path', 2), finding('generic-image', 1), finding('shell-wrapper', 1));
  const backup = scoreOf(
    finding('host-network', 4),
    finding('sensitive-host-path', 6),
    finding('node-credentials', 5),
  );

  // The score left after the exemptions: 0 when everything found was waived (independent of thresholds).
  it.each<[string, Partial<Subject>, Score, Date, number]>([
    ['kube-bench as deployed', kubeBench, scanner, NOW, 0],
    [
      'kube-bench with a reverse shell added',
      kubeBench,
      scoreOf(...scanner.findings, finding('reverse-shell', 10)),
      NOW,
      10,
    ],
    [
      'kube-bench with an extra sidecar',
      { ...kubeBench, images: [image('aquasec/kube-bench:v0.7.3'), image('alpine:3.20')] },
      scanner,
      NOW,
      13,
    ],
    [
      'kube-bench from :latest',
      { ...kubeBench, images: [image('aquasec/kube-bench:latest')] },
      scanner,
      NOW,
      13,
    ],
    ['kube-bench in another namespace', { ...kubeBench, namespace: 'default' }, scanner, NOW, 13],
    [
      'kube-bench as another service account',
      { ...kubeBench, serviceAccounts: ['default'] },
      scanner,
      NOW,
      13,
    ],
    ['kube-bench on its expiry day', kubeBench, scanner, new Date('2027-06-30T23:00:00Z'), 0],
    ['kube-bench after its expiry', kubeBench, scanner, new Date('2027-07-01T00:00:00Z'), 13],
    ['log cleanup pinned by digest', logCleanup, cleanup, NOW, 0],
    ['log cleanup by tag, not digest', { ...logCleanup, images: [image('busybox:1.36.1')] }, cleanup, NOW, 4],
    [
      'log cleanup with a miner',
      logCleanup,
      scoreOf(...cleanup.findings, finding('crypto-miner', 9)),
      NOW,
      9,
    ],
    ['etcd backup applied by Flux', etcdBackup, backup, NOW, 0],
    ['etcd backup applied by a person', { ...etcdBackup, username: 'kubernetes-admin' }, backup, NOW, 15],
    ['etcd backup as a Job', { ...etcdBackup, kind: 'Job' }, backup, NOW, 15],
    [
      'etcd backup on an unlisted minor version',
      { ...etcdBackup, images: [image('registry.example.com/platform/etcd-backup:v3.6.0')] },
      backup,
      NOW,
      15,
    ],
  ])('%s', (_name, who, score, now, left) => {
    expect(decideWith(policy, { score, subject: who, now }).score).toBe(left);
  });

  it('every exemption has a reason, an expiry, pinned images and a rules list', () => {
    for (const exemption of policy.exemptions) {
      expect(exemption).toMatchObject({
        reason: expect.any(String),
        expires: expect.any(String),
        images: expect.any(Array),
        rules: expect.any(Array),
      });
    }
  });
});

describe('kql-compatible.yaml', () => {
  // Only kql rules: this runs today, independent of the default profile.
  const engine = parsePolicy(text('kql-compatible.yaml'), 'kql-compatible.yaml');

  const cronJob = (container: Record<string, unknown>, volumes: unknown[] = []) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'job', namespace: 'team-a' },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'main', ...container }], volumes },
          },
        },
      },
    },
  });

  it.each<[string, ReturnType<typeof cronJob>, number, Verdict]>([
    [
      'a report job on a private image',
      cronJob({ image: 'registry.example.com/report:1.2', command: ['/app/report'] }),
      0,
      'allow',
    ],
    [
      'privileged: false still counts (the seed matches the word)',
      cronJob({ image: 'registry.example.com/report:1.2', securityContext: { privileged: false } }),
      1,
      'warn',
    ],
    [
      'the seed test 2: busybox, privileged, hostPath /etc',
      cronJob(
        {
          image: 'busybox:latest',
          securityContext: { privileged: true },
          volumeMounts: [{ name: 'etc', mountPath: '/host' }],
        },
        [{ name: 'etc', hostPath: { path: '/etc' } }],
      ),
      4,
      'deny',
    ],
  ])('%s', (_name, object, score, verdict) => {
    const assessment = assess(engine, object, { now: NOW, namespaceLabels: { [MODE_LABEL]: 'enforce' } });
    expect(assessment?.decision).toMatchObject({
      profile: 'kql',
      score,
      verdict,
      // namespaceLabels disabled: an enforce label does not turn the detection into enforcement.
      mode: 'audit',
      action: verdict === 'allow' ? 'allow' : 'annotate',
      thresholds: { annotate: 1, warn: 1, deny: 3 },
    });
  });
});
