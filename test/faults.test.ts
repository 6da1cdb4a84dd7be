/**
 * Faults under load, on loopback only, every loop bounded: reloads and rotations while 50
 * connections hammer the server; SIGTERM in the middle of traffic; a rule that throws.
 */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startServer } from '../src/cli/serve.js';
import type { Engine } from '../src/engine.js';
import { compilePolicy } from '../src/policy/decide.js';
import { PROFILES } from '../src/scoring/profiles.js';
import type { Rule } from '../src/scoring/types.js';
import { createCa, issueServingCert, ProjectedDir, type KeyPair } from './support/certs.js';
import {
  apiServerAgent,
  drive,
  postReview,
  replyProblems,
  send,
  waitFor,
  type HttpsTarget,
  type ReviewReply,
} from './support/load.js';
import { FakeApiServer } from './support/fake-apiserver.js';
import { captureLogger, loopbackServe, engineFor, fixture, makeReview, testApp } from './support/review.js';

interface AutocannonResult {
  requests: { total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  resets: number;
  '2xx': number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types; this is the part of its programmatic API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tlsFiles(pair: KeyPair): Record<string, string> {
  return { 'tls.crt': pair.cert, 'tls.key': pair.key };
}

const policy = (mode: string) => `apiVersion: jobguard.dev/v1\nkind: Policy\nprofile: kql\nmode: ${mode}\n`;

describe('reloads and rotations under load', () => {
  it('keeps 50 connections answered while the policy and the certificate change every second', async () => {
    const ca = await createCa();
    const certs = await ProjectedDir.create('jobguard-faults-tls-', tlsFiles(await issueServingCert(ca)));
    const config = await ProjectedDir.create('jobguard-faults-policy-', { 'policy.yaml': policy('warn') });
    const { logger, lines } = captureLogger();
    const server = await startServer(
      loopbackServe({
        configFile: config.path('policy.yaml'),
        tls: { certFile: certs.path('tls.crt'), keyFile: certs.path('tls.key') },
        logger,
      }),
    );
    try {
      const uid = 'faults-under-load';
      const body = JSON.stringify(makeReview(fixture('kubectl/reverse-shell-cronjob.json'), { uid }));
      const load = autocannon({
        url: `${server.url}/validate?timeout=10s`,
        connections: 50,
        duration: 5,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        // New handshakes during the run, so rotated certificates are actually served.
        reconnectRate: 200,
        // autocannon connects with rejectUnauthorized: false whatever is passed; the CA documents intent.
        tlsOptions: { ca: ca.cert },
        timeout: 10,
        verifyBody: (text: string) => text.includes(`"uid":"${uid}"`) && text.includes('"allowed":true'),
      });
      const modes = ['audit', 'warn', 'audit', 'warn'];
      for (const mode of modes) {
        await sleep(1_000);
        await Promise.all([
          config.write({ 'policy.yaml': policy(mode) }),
          issueServingCert(ca).then((next) => certs.write(tlsFiles(next))),
        ]);
      }
      const result = await load;
      expect({
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        mismatches: result.mismatches,
        resets: result.resets,
      }).toEqual({ non2xx: 0, errors: 0, timeouts: 0, mismatches: 0, resets: 0 });
      expect(result.requests.total).toBeGreaterThan(100);
      // The changes were applied, not just survived.
      expect(lines.filter((l) => l.msg === 'TLS certificate reloaded').length).toBeGreaterThanOrEqual(2);
      expect(lines.filter((l) => l.msg === 'policy reloaded').length).toBeGreaterThanOrEqual(2);
    } finally {
      await server.close();
      await certs.remove();
      await config.remove();
    }
  }, 60_000);
});

describe('SIGTERM under load', () => {
  it('answers every in-flight request and exits 0 within the grace period', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before this test`);
    const ca = await createCa();
    const certs = await ProjectedDir.create('jobguard-faults-sigterm-', tlsFiles(await issueServingCert(ca)));
    const child = spawn(
      process.execPath,
      [
        MAIN,
        'serve',
        '--host=127.0.0.1',
        '--port=0',
        `--tls-cert-file=${certs.path('tls.crt')}`,
        `--tls-key-file=${certs.path('tls.key')}`,
        '--profile=kql',
        '--log-level=info',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => {
      child.on('exit', (code) => {
        resolve({ code, at: Date.now() });
      });
    });
    const agent = apiServerAgent(ca.cert, { maxSockets: 8 });
    try {
      let url = '';
      await waitFor(
        'the child to listen',
        () => {
          url = /"url":"(https:\/\/[^"]+)"/.exec(stdout)?.[1] ?? '';
          return url !== '' || child.exitCode !== null;
        },
        { timeoutMs: 15_000 },
      );
      expect(`${url}${stderr}`).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const target: HttpsTarget = { url, agent };
      let closed = false;
      let refusedAfterClose = 0;
      let uid = 0;
      const load = drive(
        async () => {
          const review = makeReview(fixture('kubectl/hello-cronjob.json'), { uid: `term-${uid++}` });
          try {
            const res = await postReview(target, review);
            return replyProblems(review, res.status, res.text).join('; ') || undefined;
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            // After SIGTERM the listener closes: a new connection is refused, never reset mid-request.
            if (closed && code === 'ECONNREFUSED') {
              refusedAfterClose += 1;
              await sleep(20);
              return undefined;
            }
            return `${code ?? ''} ${(error as Error).message}`;
          }
        },
        { workers: 8, maxMs: 20_000 },
      );
      await sleep(1_500);
      const answeredBeforeTerm = load.result.ok;
      const signalled = Date.now();
      closed = true;
      child.kill('SIGTERM');
      let grace: NodeJS.Timeout | undefined;
      const { code, at } = await Promise.race([
        exited,
        new Promise<{ code: number; at: number }>((resolve) => {
          grace = setTimeout(() => {
            resolve({ code: -1, at: Date.now() });
          }, 10_000);
        }),
      ]);
      clearTimeout(grace);
      await sleep(300);
      const { sent, ok, failures } = await load.stop();
      expect(failures).toEqual([]);
      expect(code).toBe(0);
      expect(at - signalled).toBeLessThan(10_000);
      expect(answeredBeforeTerm).toBeGreaterThan(20);
      expect(ok).toBe(sent);
      // Kept-alive sockets were told `Connection: close`; the reconnects that followed were refused.
      expect(refusedAfterClose).toBeGreaterThan(0);
      expect(stdout).toContain('shutting down');
      expect(stdout).toContain('"msg":"stopped"');
    } finally {
      agent.destroy();
      if (child.exitCode === null) child.kill('SIGKILL');
      await certs.remove();
    }
  }, 60_000);
});

describe('SIGTERM while the API server does not answer', () => {
  it('exits 0 promptly though the namespace watch is still waiting for its response', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before this test`);
    const fake = await FakeApiServer.start();
    fake.setNamespace('default');
    // The list answers; every watch is accepted and never answered (no status line, socket left open).
    fake.stall.watches = true;
    const dir = mkdtempSync(join(tmpdir(), 'jobguard-faults-stall-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeConfig().exportConfig());
    const child = spawn(
      process.execPath,
      [MAIN, 'serve', '--host=127.0.0.1', '--port=0', `--kubeconfig=${kubeconfig}`, '--log-level=info'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => {
        resolve(code);
      });
    });
    try {
      // Serving first: SIGTERM is handled from then on (before, Node's default ends the process).
      await waitFor(
        'the stalled namespace watch',
        () =>
          (fake.stalledRequests() > 0 && stdout.includes('jobguard is serving')) || child.exitCode !== null,
        {
          timeoutMs: 15_000,
        },
      );
      expect(stdout).toContain('namespace labels synced');
      const signalled = Date.now();
      child.kill('SIGTERM');
      let grace: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<string>((resolve) => {
          grace = setTimeout(() => {
            resolve('still running 8 s after SIGTERM');
          }, 8_000);
        }),
      ]);
      clearTimeout(grace);
      expect(code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(8_000);
      expect(stdout).toContain('"msg":"stopped"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('a rule that throws under load', () => {
  const throwingRule: Rule = {
    id: 'always-throws',
    profile: 'kql',
    weight: 5,
    technique: 'T1053.007',
    description: 'Throws on every workload (test double)',
    reason: 'never found',
    doc: { reads: 'nothing', why: 'to test onError', benign: 'everything' },
    check() {
      throw new Error('boom: rule bug');
    },
  };

  function engineWithThrowingRule(onError: 'allow' | 'deny'): Engine {
    const base = engineFor({ profile: 'kql', mode: 'enforce', onError });
    return {
      policy: base.policy,
      compiled: compilePolicy(base.policy, PROFILES.kql),
      rules: [...base.rules, { rule: throwingRule, weight: 5, params: undefined }],
    };
  }

  it.each(['allow', 'deny'] as const)(
    'onError %s is honoured for 1,000 concurrent requests; never a 500',
    async (onError) => {
      const engine = engineWithThrowingRule(onError);
      const { app, lines } = testApp({}, { engine: () => engine });
      const replies = await Promise.all(
        Array.from({ length: 1_000 }, async (_, i) => {
          const review = makeReview(fixture('kubectl/hello-cronjob.json'), { uid: `throw-${i}` });
          const res = await app.inject({
            method: 'POST',
            url: '/validate?timeout=10s',
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify(review),
          });
          return { review, status: res.statusCode, text: res.body };
        }),
      );
      for (const { review, status, text } of replies) {
        expect(replyProblems(review, status, text)).toEqual([]);
        const response = (JSON.parse(text) as ReviewReply).response!;
        expect(response.auditAnnotations?.['engine-errors']).toBe('always-throws');
        if (onError === 'allow') {
          expect(response.allowed).toBe(true);
          expect(response.warnings?.some((w) => w.includes('always-throws') && w.includes('allow'))).toBe(
            true,
          );
        } else {
          expect(response.allowed).toBe(false);
          expect(response.status?.code).toBe(403);
          expect(response.status?.message).toContain('always-throws');
        }
        // The error text stays in the log, never in the reply.
        expect(text).not.toContain('boom');
      }
      const admissions = lines.filter((l) => l.msg === 'admission');
      expect(admissions).toHaveLength(1_000);
      expect(admissions.every((l) => JSON.stringify(l.ruleErrors) === '["always-throws"]')).toBe(true);
      expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
      await app.close();
    },
  );

  it('answers by onError when the handler itself throws (a bug of ours), never with a 500', async () => {
    const base = engineFor({ profile: 'kql', mode: 'enforce', onError: 'deny' });
    // An engine whose rule list is not iterable breaks scoring outside any rule's try/catch.
    const broken = { ...base, rules: null } as unknown as Engine;
    const { app } = testApp({}, { engine: () => broken });
    const review = makeReview(fixture('kubectl/hello-cronjob.json'), { uid: 'handler-bug' });
    const res = await app.inject({
      method: 'POST',
      url: '/validate?timeout=10s',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(review),
    });
    expect(replyProblems(review, res.statusCode, res.body)).toEqual([]);
    expect((JSON.parse(res.body) as ReviewReply).response?.status?.code).toBe(403);
    await app.close();
  });
});

describe('the test server itself', () => {
  it('is reachable over the same helpers (sanity for the load tests above)', async () => {
    const ca = await createCa();
    const certs = await ProjectedDir.create('jobguard-faults-sanity-', tlsFiles(await issueServingCert(ca)));
    const { logger } = captureLogger();
    const server = await startServer(
      loopbackServe({
        overrides: { profile: 'kql' },
        tls: { certFile: certs.path('tls.crt'), keyFile: certs.path('tls.key') },
        logger,
      }),
    );
    const agent = apiServerAgent(ca.cert);
    try {
      expect((await send({ url: server.url, agent }, 'GET', '/healthz')).status).toBe(200);
    } finally {
      agent.destroy();
      await server.close();
      await certs.remove();
    }
  });
});
