/**
 * JobguardException objects judged under a policy (policy/exception.ts), and decide() with them
 * beside the file's exemptions: namespace scoping, the cluster-wide grant, expiry, and every way an
 * object can be refused.
 */
import { describe, expect, it } from '@jest/globals';
import { compilePolicy, decide } from '../src/policy/decide.js';
import type { Subject } from '../src/policy/decision.js';
import {
  evaluateException,
  exemptionsOf,
  nextExpiry,
  type ExceptionObject,
  type ExceptionStatus,
} from '../src/policy/exception.js';
import { policySchema, type PolicyFile } from '../src/policy/schema.js';
import { PROFILES } from '../src/scoring/profiles.js';
import type { Finding, Score } from '../src/scoring/types.js';

const NOW = new Date('2026-11-27T12:00:00Z');

function compiled(policy: Partial<PolicyFile> = {}) {
  return compilePolicy(
    policySchema.parse({ apiVersion: 'jobguard.dev/v1', kind: 'Policy', ...policy }),
    PROFILES.default,
  );
}

function exception(
  spec: Record<string, unknown>,
  namespace = 'security',
  name = 'kube-bench',
): ExceptionObject {
  return { namespace, name, generation: 3, spec };
}

const scanner = {
  reason: 'CIS benchmark scanner (SEC-1423)',
  names: ['kube-bench-*'],
  rules: ['host-pid', 'sensitive-host-path'],
  expires: '2027-06-30T00:00:00Z',
};

function subject(overrides: Partial<Subject> = {}): Subject {
  return {
    kind: 'CronJob',
    namespace: 'security',
    name: 'kube-bench-nodes',
    username: 'alice@example.com',
    groups: ['system:authenticated'],
    serviceAccounts: ['kube-bench'],
    images: [{ raw: 'aquasec/kube-bench:v0.7.3', normalized: 'docker.io/aquasec/kube-bench:v0.7.3' }],
    labels: {},
    annotations: {},
    ...overrides,
  };
}

function finding(rule: string, weight: number): Finding {
  return { rule, weight, technique: 'T1611', message: rule, path: 'spec.template.spec.hostPID' };
}

const score: Score = {
  score: 9,
  findings: [finding('host-pid', 5), finding('sensitive-host-path', 4)],
  errors: [],
};

function decideWith(statuses: ExceptionStatus[], who: Subject, policy: Partial<PolicyFile> = {}) {
  return decide(
    { score, subject: who, exceptions: exemptionsOf(statuses), now: NOW },
    compiled({ mode: 'enforce', ...policy }),
  );
}

describe('evaluateException', () => {
  it('is Active and says what it waives, where and until when', () => {
    const status = evaluateException(exception(scanner), compiled(), NOW);
    expect(status).toMatchObject({
      id: 'security/kube-bench',
      generation: 3,
      state: 'Active',
      message: 'waives host-pid, sensitive-host-path in namespace security until 2027-06-30T00:00:00Z',
      expiresAt: Date.parse('2027-06-30T00:00:00Z'),
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no reason', { ...scanner, reason: undefined }, 'spec.reason: '],
    ['a blank reason', { ...scanner, reason: ' ' }, 'spec.reason: an exemption needs a reason'],
    [
      'no selector but its namespace',
      { reason: 'everything here', rules: ['host-pid'] },
      'spec: an exception needs at least one of names, users, groups, serviceAccounts, images',
    ],
    ['only kinds', { reason: 'r', kinds: ['CronJob'] }, 'spec: an exception needs at least one of'],
    [
      'an unknown rule',
      { ...scanner, rules: ['host-pid', 'host-pdi'] },
      'spec.rules[1]: unknown rule "host-pdi"',
    ],
    // A field from a newer version may narrow the exception: ignoring it would widen it.
    ['an unknown field', { ...scanner, labels: { team: 'sec' } }, 'spec: '],
    ['a date that does not exist', { ...scanner, expires: '2027-02-30' }, 'spec.expires: expected a date'],
    ['an empty selector', { ...scanner, images: [] }, 'spec.images: expected at least one entry'],
    ['a kind that is not a workload', { ...scanner, kinds: ['Secret'] }, 'spec.kinds[0]: '],
    [
      'another namespace, from a namespace that may not grant it',
      { ...scanner, namespaces: ['payments'] },
      'spec.namespaces: an exception in security covers only its own namespace; the policy lets no namespace grant wider ones',
    ],
    [
      'every namespace, ditto',
      { ...scanner, namespaces: ['*'] },
      'spec.namespaces: an exception in security',
    ],
  ])('is Invalid with %s', (_name, spec, problem) => {
    const status = evaluateException(exception(spec), compiled(), NOW);
    expect(status.state).toBe('Invalid');
    expect(status.message).toContain(problem);
    expect(status.exemption).toBeUndefined();
    expect(decideWith([status], subject()).exemptions).toEqual([]);
  });

  it('names the namespaces that may grant wider exceptions when one tries', () => {
    const status = evaluateException(
      exception({ ...scanner, namespaces: ['payments'] }),
      compiled({ exceptions: { clusterWideNamespaces: ['platform', 'sec-*'] } }),
      NOW,
    );
    expect(status.message).toBe(
      'spec.namespaces: an exception in security covers only its own namespace; only exceptions in platform, sec-* may name others',
    );
  });

  it('accepts its own namespace written out', () => {
    expect(
      evaluateException(exception({ ...scanner, namespaces: ['security'] }), compiled(), NOW).state,
    ).toBe('Active');
  });

  it('is Expired after its instant, and then applies to nothing', () => {
    const status = evaluateException(
      exception({ ...scanner, expires: '2026-11-27T11:59:59Z' }),
      compiled(),
      NOW,
    );
    expect(status).toMatchObject({
      state: 'Expired',
      message: 'expired 2026-11-27T11:59:59Z; it no longer applies',
    });
    expect(decideWith([status], subject())).toMatchObject({ score: 9, verdict: 'deny', exemptions: [] });
  });

  it('is Ignored while the policy reads no exceptions', () => {
    const status = evaluateException(exception(scanner), compiled({ exceptions: { enabled: false } }), NOW);
    expect(status).toMatchObject({ state: 'Ignored' });
    expect(status.exemption).toBeUndefined();
  });
});

describe('decide() with exceptions', () => {
  const active = (spec: Record<string, unknown>, namespace = 'security', policy: Partial<PolicyFile> = {}) =>
    evaluateException(exception(spec, namespace), compiled(policy), NOW);

  it('waives the listed rules for the workloads it selects, and names itself', () => {
    const decision = decideWith([active(scanner)], subject());
    expect(decision).toMatchObject({ score: 0, verdict: 'allow' });
    expect(decision.exemptions).toEqual([
      {
        id: 'security/kube-bench',
        reason: 'CIS benchmark scanner (SEC-1423)',
        rules: ['host-pid', 'sensitive-host-path'],
      },
    ]);
  });

  it('covers nothing outside its own namespace', () => {
    expect(decideWith([active(scanner)], subject({ namespace: 'payments' })).exemptions).toEqual([]);
  });

  it('from a cluster-wide namespace, covers the namespaces it names (and not its own unless named)', () => {
    const policy = { exceptions: { clusterWideNamespaces: ['platform'] } };
    const status = active({ ...scanner, namespaces: ['security', 'audit-*'] }, 'platform', policy);
    expect(status.state).toBe('Active');
    expect(status.message).toContain('in namespaces security, audit-*');
    const covered = (namespace: string) =>
      decideWith([status], subject({ namespace }), policy).exemptions.map((e) => e.id);
    expect(covered('security')).toEqual(['platform/kube-bench']);
    expect(covered('audit-eu')).toEqual(['platform/kube-bench']);
    expect(covered('platform')).toEqual([]);
    expect(covered('payments')).toEqual([]);
  });

  it('from a cluster-wide namespace without spec.namespaces, covers only that namespace', () => {
    const policy = { exceptions: { clusterWideNamespaces: ['platform'] } };
    const status = active(scanner, 'platform', policy);
    expect(decideWith([status], subject({ namespace: 'security' }), policy).exemptions).toEqual([]);
    expect(decideWith([status], subject({ namespace: 'platform' }), policy).exemptions).toHaveLength(1);
  });

  it("adds to the policy file's exemptions, which come first", () => {
    const decision = decideWith([active({ ...scanner, rules: ['sensitive-host-path'] })], subject(), {
      exemptions: [{ name: 'pid', reason: 'pid', namespaces: ['security'], rules: ['host-pid'] }],
    });
    expect(decision.exemptions.map((e) => e.id)).toEqual(['policy:pid', 'security/kube-bench']);
    expect(decision.score).toBe(0);
  });

  it("covers a Job controller's Pods of a Job it covers", () => {
    const status = active({ ...scanner, kinds: ['CronJob', 'Job'] });
    const pod = subject({
      kind: 'Pod',
      name: 'kube-bench-29000000-abcde',
      username: 'system:serviceaccount:kube-system:job-controller',
      controller: { apiVersion: 'batch/v1', kind: 'Job', name: 'kube-bench-29000000' },
    });
    expect(decideWith([status], pod).exemptions).toEqual([
      expect.objectContaining({ id: 'security/kube-bench', via: 'Job/kube-bench-29000000' }),
    ]);
    expect(decideWith([status], { ...pod, username: 'mallory@example.com' }).exemptions).toEqual([]);
  });
});

describe('nextExpiry', () => {
  it('is the earliest future expiry among Active exceptions', () => {
    const policy = compiled();
    const statuses = [
      evaluateException(exception({ ...scanner, expires: '2027-01-01T00:00:00Z' }, 'a'), policy, NOW),
      evaluateException(exception({ ...scanner, expires: '2026-12-01T00:00:00Z' }, 'b'), policy, NOW),
      evaluateException(exception({ ...scanner, expires: '2026-01-01T00:00:00Z' }, 'c'), policy, NOW),
      evaluateException(exception({ ...scanner, expires: undefined }, 'd'), policy, NOW),
    ];
    expect(nextExpiry(statuses, NOW)).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(nextExpiry([statuses[3]!], NOW)).toBeUndefined();
  });
});
