/**
 * Hostile input against the server (issue 16): what one review may cost, what a client that never
 * finishes may hold, what reaches the metric labels, and what the TLS port offers and tells.
 * bench/hostile.mjs measures the same attacks for memory and latency; these assert the behaviour.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { main } from '../src/cli/index.js';
import type { CliIo } from '../src/cli/io.js';
import { DEFAULT_ANALYSIS_LIMITS, exceededLimit } from '../src/server/limits.js';
import { startServer, type RunningServer } from '../src/server/webhook.js';
import { loadCorpus } from './corpus/load.js';
import { waitFor } from './support/load.js';
import { fixture, loopbackServe, makeReview, testApp } from './support/review.js';

function jobWith(containers: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'big' },
    spec: { template: { spec: { restartPolicy: 'Never', containers, ...extra } } },
  };
}

const many = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'alpine', command: ['sh', '-c', 'true'] }));

async function post(app: FastifyInstance, payload: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/validate',
    headers: { 'content-type': 'application/json' },
    payload,
  });
  return { status: res.statusCode, body: res.json<{ response: Record<string, unknown> }>() };
}

describe('analysis limits: what cannot be analysed is answered as a deny verdict', () => {
  it('30,000 containers (2.9 MB, under the API server limit) are denied in enforce mode, naming the limit', async () => {
    const { app, lines, metrics } = testApp({ mode: 'enforce' });
    const { status, body } = await post(app, JSON.stringify(makeReview(jobWith(many(30_000)))));
    expect(status).toBe(200);
    expect(body.response).toMatchObject({ allowed: false, status: { code: 403 } });
    expect(JSON.stringify(body.response.status)).toContain('more than 100 containers');
    expect(lines.find((l) => l.msg === 'admission')).toMatchObject({ action: 'deny', verdict: 'deny' });
    expect(await metrics.registry.getSingleMetricAsString('jobguard_errors_total')).toContain(
      'kind="unanalysed"} 1',
    );
  });

  it('in warn mode the same object is allowed with a warning that it would be denied', async () => {
    const { app } = testApp({ mode: 'warn' });
    const { body } = await post(app, JSON.stringify(makeReview(jobWith(many(101)))));
    expect(body.response.allowed).toBe(true);
    expect((body.response.warnings as string[])[0]).toMatch(/could not analyse.*more than 100 containers/);
  });

  it('kql profile, onError allow: a 5,000-deep array is denied, not allowed by rules that throw', async () => {
    const { app } = testApp({ profile: 'kql', mode: 'enforce', onError: 'allow' });
    const review = JSON.stringify(makeReview(jobWith(many(1), { deep: 'HOLE' })));
    const payload = review.replace('"HOLE"', `${'['.repeat(5000)}${']'.repeat(5000)}`);
    const { body } = await post(app, payload);
    expect(body.response.allowed).toBe(false);
    expect(JSON.stringify(body.response.status)).toContain('nests deeper than 64 levels');
  });

  it('commands past the entry and byte limits are not analysed', () => {
    const args = Array.from({ length: 2_001 }, () => 'x');
    expect(exceededLimit(jobWith([{ name: 'a', image: 'alpine', args }]))).toMatch(/2000 command and args/);
    const script = 'echo '.repeat(110_000);
    expect(exceededLimit(jobWith([{ name: 'a', image: 'alpine', args: [script] }]))).toMatch(/512 KiB/);
    const env = [{ name: 'SCRIPT', value: script }];
    expect(exceededLimit(jobWith([{ name: 'a', image: 'alpine', env }]))).toMatch(/512 KiB/);
  });

  it('objects that are not scored (other kinds, DELETE) are not refused for their size', async () => {
    const { app } = testApp({ mode: 'enforce' });
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, containers: many(200) };
    const review = makeReview(configMap);
    expect((await post(app, JSON.stringify(review))).body.response.allowed).toBe(true);
  });

  it('no corpus object comes within a tenth of any limit', () => {
    const tenth = {
      containers: DEFAULT_ANALYSIS_LIMITS.containers / 10,
      commandEntries: DEFAULT_ANALYSIS_LIMITS.commandEntries / 10,
      commandBytes: DEFAULT_ANALYSIS_LIMITS.commandBytes / 10,
      depth: DEFAULT_ANALYSIS_LIMITS.depth / 2,
    };
    const corpus = loadCorpus();
    expect(corpus.length).toBeGreaterThan(100);
    expect(
      corpus.filter((entry) => exceededLimit(entry.object, tenth) !== undefined).map((e) => e.id),
    ).toEqual([]);
  });
});

describe('metric labels come from known values only', () => {
  it('random kinds and namespaces become "other" and "(other)"; configured namespaces keep their name', async () => {
    const { createMetrics } = await import('../src/server/metrics.js');
    const metrics = createMetrics({ processMetrics: false, namespaces: ['prod'] });
    const { app } = testApp({ mode: 'warn' }, { metrics });
    for (let i = 0; i < 20; i++) {
      const odd = { ...fixture('kubectl/hello-cronjob.json'), kind: `Random${i}` };
      await post(app, JSON.stringify(makeReview(odd, { namespace: `ns-${i}` })));
      await post(app, JSON.stringify(makeReview(jobWith(many(1)), { namespace: `ns-${i}` })));
    }
    await post(app, JSON.stringify(makeReview(jobWith(many(1)), { namespace: 'prod' })));
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/Random\d|ns-\d/);
    expect(text).toContain('kind="other"');
    expect(text).toContain('namespace="(other)"');
    expect(text).toContain('namespace="prod"');
  });
});

/** Sends raw bytes and resolves with what comes back before the server closes (or `ms` pass). */
function exchange(port: number, data: string, ms: number): Promise<{ reply: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = netConnect(port, '127.0.0.1');
    let reply = '';
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    const done = () => {
      clearTimeout(timer);
      resolve({ reply, closedAfterMs: Date.now() - started });
    };
    const timer = setTimeout(() => {
      socket.destroy();
    }, ms);
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(data);
  });
}

describe('the HTTP layer against clients that hold on', () => {
  let app: FastifyInstance;
  let port: number;
  const held: Socket[] = [];

  beforeAll(async () => {
    ({ app } = testApp({}, { bodyLimit: 1024 * 1024, bodyBudget: 1024 * 1024, maxConnections: 8 }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await app.close();
  });

  it('a half-sent request gets 408 within a few seconds (the default timeout), not 30', async () => {
    const head =
      'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":';
    const { reply, closedAfterMs } = await exchange(port, head, 15_000);
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(8_000);
  });

  it('bodies announced past the budget in flight get 429 until the budget frees', async () => {
    const stalled = netConnect(port, '127.0.0.1');
    held.push(stalled);
    stalled.write(
      `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\n\r\n{`,
    );
    const small = JSON.stringify(makeReview(jobWith(many(1))));
    const request = `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${small.length}\r\nConnection: close\r\n\r\n${small}`;
    let last = '';
    await waitFor('a 429', async () => {
      last = (await exchange(port, request, 3_000)).reply;
      return last.startsWith('HTTP/1.1 429');
    });
    expect(last).toMatch(/retry-after: 1/i);
    stalled.destroy();
    await waitFor('the budget to free', async () =>
      (await exchange(port, request, 3_000)).reply.startsWith('HTTP/1.1 200'),
    );
  });

  it('connections past the cap are closed on arrival while the first ones stay open', async () => {
    const open = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<Socket>((resolve) => {
            const socket = netConnect(port, '127.0.0.1', () => {
              resolve(socket);
            });
          }),
      ),
    );
    held.push(...open);
    await waitFor('the server to count them', async () => {
      const count = await new Promise<number>((resolve) =>
        app.server.getConnections((_e, n) => {
          resolve(n);
        }),
      );
      return count >= 8;
    });
    const { reply, closedAfterMs } = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 3_000);
    expect(reply).toBe('');
    expect(closedAfterMs).toBeLessThan(2_000);
    for (const socket of open) socket.destroy();
  });
});

describe('the TLS port', () => {
  let server: RunningServer;
  let port: number;

  beforeAll(async () => {
    server = await startServer(loopbackServe({ overrides: { mode: 'enforce' } }));
    port = Number(new URL(server.url).port);
  });

  afterAll(async () => {
    await server.close();
  });

  const handshake = (options: { ciphers: string; maxVersion?: 'TLSv1.2' }) =>
    new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
        const cipher = socket.getCipher().name;
        socket.destroy();
        resolve(cipher);
      });
      socket.on('error', reject);
    });

  it('offers TLS 1.2 only with ECDHE key exchange and an AEAD cipher', async () => {
    await expect(
      handshake({ ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }),
    ).resolves.toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    for (const ciphers of [
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA384',
      'AES128-GCM-SHA256',
      'AES128-SHA',
    ])
      await expect(handshake({ ciphers, maxVersion: 'TLSv1.2' })).rejects.toThrow();
  });

  it('closes a connection that never starts its handshake within a few seconds, not 120', async () => {
    const { closedAfterMs } = await exchange(port, '', 15_000);
    expect(closedAfterMs).toBeLessThan(8_000);
  });

  it('without mTLS, /readyz says only whether, and /metrics is not served', async () => {
    const readyz = await server.app.inject({ url: '/readyz' });
    expect(readyz.json()).toEqual({ ready: true });
    expect((await server.app.inject({ url: '/metrics' })).statusCode).toBe(404);
  });
});

describe('serve --metrics-port on a busy port', () => {
  it('says so and exits 2, like a busy --port', async () => {
    const busy = await startServer(loopbackServe({ metricsPort: 0 }));
    const taken = new URL(busy.metricsUrl ?? '').port;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const err: string[] = [];
    stdout.resume();
    stderr.on('data', (chunk: Buffer) => err.push(chunk.toString()));
    const io: CliIo = {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: {},
      cwd: process.cwd(),
      stdoutIsTTY: false,
      stderrIsTTY: false,
    };
    try {
      const code = await main(['serve', '--port', '0', '--metrics-port', taken, '--log-level', 'fatal'], io);
      expect(code).toBe(2);
      expect(err.join('')).toMatch(/^jobguard serve: .*EADDRINUSE/);
      expect(err.join('')).not.toMatch(/\n\s+at /);
    } finally {
      await busy.close();
    }
  });
});
