import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import './support/fuzz-seed.js';
import { admissionReviewSchema, isAdmissionReview, parseAdmissionReview } from '../src/admission/schema.js';
import { fixture, makeReview } from './support/review.js';

/**
 * The route checks the envelope without zod's copy (`isAdmissionReview`) and asks zod only when that
 * check declines. The check may decline a body zod accepts (zod then answers), but it must never
 * accept a body zod refuses or would change.
 */

const cronJob = fixture('kubectl/hello-cronjob.json');

/** Every place in a review a mutation may touch: the envelope's fields and the request's. */
const PATHS: readonly (readonly string[])[] = [
  [],
  ['apiVersion'],
  ['kind'],
  ['request'],
  ...[
    'uid',
    'kind',
    'resource',
    'subResource',
    'requestKind',
    'requestResource',
    'requestSubResource',
    'name',
    'namespace',
    'operation',
    'userInfo',
    'object',
    'oldObject',
    'dryRun',
    'options',
  ].map((key) => ['request', key]),
  ...['group', 'version', 'kind'].map((key) => ['request', 'kind', key]),
  ...['group', 'version', 'resource'].map((key) => ['request', 'resource', key]),
  ...['group', 'version', 'kind'].map((key) => ['request', 'requestKind', key]),
  ...['username', 'uid', 'groups', 'extra'].map((key) => ['request', 'userInfo', key]),
  ['request', 'userInfo', 'groups', '0'],
  ['request', 'userInfo', 'extra', 'authentication.kubernetes.io/credential-id'],
  ['request', 'userInfo', 'extra', 'authentication.kubernetes.io/credential-id', '0'],
];

/** Values a field may be replaced with: every JSON type, and the near misses of the real ones. */
const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    '',
    'CREATE',
    'create',
    'DELETE',
    'admission.k8s.io/v1',
    'admission.k8s.io/v1beta1',
    'admission.k8s.io/v2',
    'AdmissionReview',
    { group: 'batch', version: 'v1', kind: 'Job' },
    { group: 'batch', version: 'v1', resource: 'jobs' },
    { group: 'batch', version: 1, kind: 'Job' },
    [],
    ['a', 1],
    {},
    true,
  ),
);

type Mutation = { path: readonly string[]; value: unknown } | { path: readonly string[]; remove: true };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: fc.constantFrom(...PATHS), value: replacement }),
  fc.record({
    path: fc.constantFrom(...PATHS.filter((p) => p.length > 0)),
    remove: fc.constant(true as const),
  }),
);

function apply(review: unknown, change: Mutation): unknown {
  if (change.path.length === 0) return 'value' in change ? structuredClone(change.value) : undefined;
  if (typeof review !== 'object' || review === null) return review;
  let node = review as Record<string, unknown>;
  for (const key of change.path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) return review;
    node = next as Record<string, unknown>;
  }
  const last = change.path[change.path.length - 1] as string;
  if ('remove' in change) Reflect.deleteProperty(node, last);
  // A copy: fc.constantFrom hands out the same objects to every run, and a later change must not
  // edit (or make a cycle of) one of them.
  else node[last] = structuredClone(change.value);
  return review;
}

const base = (): unknown =>
  JSON.parse(JSON.stringify(makeReview(cronJob, { operation: 'UPDATE', oldObject: cronJob }))) as unknown;

describe('isAdmissionReview', () => {
  it('accepts what kube-apiserver sends, as zod does, without a copy', () => {
    const reviews = [
      makeReview(cronJob),
      makeReview(cronJob, { apiVersion: 'admission.k8s.io/v1beta1' }),
      makeReview(cronJob, { operation: 'UPDATE', oldObject: cronJob, dryRun: true }),
      makeReview(null, { operation: 'DELETE', oldObject: cronJob }),
      makeReview(cronJob, { subResource: 'ephemeralcontainers' }),
    ];
    for (const review of reviews) {
      const body = JSON.parse(JSON.stringify(review)) as unknown;
      expect(isAdmissionReview(body)).toBe(true);
      const parsed = parseAdmissionReview(body);
      expect(parsed.success && parsed.data).toBe(body);
      expect(admissionReviewSchema.parse(body)).toEqual(body);
    }
  });

  it("leaves to zod a review without userInfo (zod defaults it), so the answer is zod's", () => {
    const body = base() as { request: Record<string, unknown> };
    delete body.request.userInfo;
    expect(isAdmissionReview(body)).toBe(false);
    const parsed = parseAdmissionReview(body);
    expect(parsed.success && parsed.data.request.userInfo).toEqual({});
  });

  it("refuses what zod refuses, with zod's issues", () => {
    const body = base() as { request: Record<string, unknown> };
    body.request.operation = 'PATCH';
    expect(isAdmissionReview(body)).toBe(false);
    const parsed = parseAdmissionReview(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['request', 'operation']);
  });

  it('never accepts a body zod refuses or would change (mutated reviews)', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (changes) => {
        let body = base();
        for (const change of changes) body = apply(body, change);
        if (!isAdmissionReview(body)) return;
        const parsed = admissionReviewSchema.safeParse(body);
        expect(parsed.success).toBe(true);
        expect(canonical(parsed.data)).toBe(canonical(body));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts most single-field changes zod accepts (the fast path is the common path)', () => {
    // Not a contract, a guard against a check that declines everything: over the same mutations,
    // the check accepts at least nine in ten of the bodies zod accepts unchanged.
    let zodAccepts = 0;
    let bothAccept = 0;
    fc.assert(
      fc.property(mutation, (change) => {
        const body = apply(base(), change);
        const parsed = admissionReviewSchema.safeParse(body);
        if (!parsed.success || !isDeepEqual(parsed.data, body)) return;
        zodAccepts += 1;
        if (isAdmissionReview(body)) bothAccept += 1;
      }),
      { numRuns: 2000 },
    );
    expect(zodAccepts).toBeGreaterThan(100);
    expect(bothAccept / zodAccepts).toBeGreaterThan(0.9);
  });
});

/** JSON with object keys sorted: the same data, whatever prototype or key order zod's copy has. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
