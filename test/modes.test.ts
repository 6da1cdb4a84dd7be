import { describe, expect, it } from '@jest/globals';
import { fixture, makeReview, testApp } from './support/review.js';

/**
 * The policy issue's "done when": the same object is denied in an enforce namespace, warned in a
 * warn namespace, annotated in an audit namespace and allowed when exempted — through the HTTP
 * app with namespace labels served from a cache, as the webhook runs in a cluster.
 */
const LABELS: Record<string, Record<string, string>> = {
  'team-enforce': { 'jobguard.dev/mode': 'enforce' },
  'team-warn': {},
  'team-audit': { 'jobguard.dev/mode': 'audit' },
  'team-lax-label': { 'jobguard.dev/mode': 'off' },
  security: { 'jobguard.dev/mode': 'enforce' },
};

function reverseShell(): Record<string, unknown> {
  return fixture('kubectl/reverse-shell-cronjob.json');
}

const policy = {
  mode: 'warn' as const,
  namespaces: [{ names: ['team-audit', 'team-lax-*'], mode: 'audit' as const }],
  exemptions: [
    {
      reason: 'red-team exercise until the end of the year',
      expires: '2026-12-31',
      namespaces: ['security'],
      users: ['system:serviceaccount:security:red-team'],
    },
  ],
};

interface Reply {
  response: {
    allowed: boolean;
    status?: { code: number };
    warnings?: string[];
    auditAnnotations?: Record<string, string>;
  };
}

async function admit(namespace: string, username = 'alice') {
  const { app } = testApp(policy, { namespaceLabels: (ns) => LABELS[ns] });
  const res = await app.inject({
    method: 'POST',
    url: '/validate',
    payload: makeReview(reverseShell(), { namespace, username }),
  });
  return res.json<Reply>().response;
}

describe('one object, four outcomes', () => {
  it('is denied in a namespace labelled enforce', async () => {
    const response = await admit('team-enforce');
    expect(response.allowed).toBe(false);
    expect(response.status?.code).toBe(403);
    expect(response.auditAnnotations).toMatchObject({ action: 'deny', mode: 'enforce', verdict: 'deny' });
  });

  it('is warned in a warn namespace (the policy default)', async () => {
    const response = await admit('team-warn');
    expect(response.allowed).toBe(true);
    expect(response.warnings?.[0]).toContain('would be denied in enforce mode');
    expect(response.auditAnnotations).toMatchObject({ action: 'warn', mode: 'warn' });
  });

  it('is only annotated in an audit namespace', async () => {
    const response = await admit('team-audit');
    expect(response.allowed).toBe(true);
    expect(response.warnings).toBeUndefined();
    expect(response.auditAnnotations).toMatchObject({ action: 'annotate', mode: 'audit', verdict: 'deny' });
  });

  it('cannot be made laxer by a label unless the policy allows downgrades', async () => {
    const response = await admit('team-lax-label');
    expect(response.auditAnnotations).toMatchObject({ mode: 'audit', action: 'annotate' });
  });

  it('is allowed when exempted, and the exemption is recorded', async () => {
    const response = await admit('security', 'system:serviceaccount:security:red-team');
    expect(response.allowed).toBe(true);
    expect(response.warnings).toBeUndefined();
    expect(response.auditAnnotations?.['exempted-by']).toBe(
      'policy:red-team-exercise-until-the-end-of-the-year: red-team exercise until the end of the year',
    );
    expect(response.auditAnnotations?.score).toBe('0');
    expect(response.auditAnnotations?.waived).toContain('reverse-shell');
  });

  it('is denied in the same namespace for anyone the exemption does not name', async () => {
    const response = await admit('security', 'mallory');
    expect(response.allowed).toBe(false);
  });
});
