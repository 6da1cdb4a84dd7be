import { describe, expect, it } from '@jest/globals';
import { fixture, makeReview, testApp } from './support/review.js';

type Review = ReturnType<typeof makeReview>;
interface Reply {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string; reason: string };
    warnings?: string[];
    auditAnnotations?: Record<string, string>;
    patch?: unknown;
  };
}

async function post(
  app: ReturnType<typeof testApp>['app'],
  review: Review | string,
  contentType = 'application/json',
) {
  const res = await app.inject({
    method: 'POST',
    url: '/validate?timeout=10s',
    headers: { 'content-type': contentType },
    payload: typeof review === 'string' ? review : JSON.stringify(review),
  });
  return { status: res.statusCode, body: res.json<Reply>() };
}

function withPrivilegedHostEtc(job: Record<string, unknown>): Record<string, unknown> {
  // kubectl create job cannot set securityContext or volumes: added as the seed's scenario 2 describes.
  const spec = (job.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  const [container] = spec.containers as Record<string, unknown>[];
  container!.securityContext = { privileged: true };
  container!.volumeMounts = [{ name: 'host-etc', mountPath: '/host/etc' }];
  spec.volumes = [{ name: 'host-etc', hostPath: { path: '/etc' } }];
  return job;
}

function withDockerSocket(cronJob: Record<string, unknown>): Record<string, unknown> {
  const spec = (cronJob.spec as { jobTemplate: { spec: { template: { spec: Record<string, unknown> } } } })
    .jobTemplate.spec.template.spec;
  const [container] = spec.containers as Record<string, unknown>[];
  container!.volumeMounts = [{ name: 'docker', mountPath: '/var/run/docker.sock' }];
  spec.volumes = [{ name: 'docker', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }];
  return cronJob;
}

describe('the seed scenarios under the kql profile', () => {
  // Expected flags worked out by hand from the seed query's has/has_any semantics on each object's JSON text.
  it.each([
    {
      name: '1: reverse-shell CronJob on alpine',
      object: () => fixture('kubectl/reverse-shell-cronjob.json'),
      rules: ['kql-suspicious-command', 'kql-suspicious-image'],
      score: 2,
    },
    {
      name: '2: privileged busybox Job mounting host /etc',
      object: () => withPrivilegedHostEtc(fixture('kubectl/privileged-job.json')),
      rules: ['kql-host-path-mount', 'kql-privileged', 'kql-sensitive-mount', 'kql-suspicious-image'],
      score: 4,
    },
    {
      name: '3: CronJob mounting /var/run/docker.sock',
      object: () => withDockerSocket(fixture('kubectl/docker-socket-cronjob.json')),
      // "alpine" and "--privileged" sit in the docker run arguments: the KQL counts words anywhere.
      rules: ['kql-host-path-mount', 'kql-privileged', 'kql-sensitive-mount', 'kql-suspicious-image'],
      score: 4,
    },
    {
      name: '4: ubuntu crypto-mining CronJob with curl and chmod +x',
      object: () => fixture('kubectl/miner-cronjob.json'),
      rules: ['kql-suspicious-command', 'kql-suspicious-image'],
      score: 2,
    },
  ])('$name scores $score', async ({ object, rules, score }) => {
    const { app } = testApp({ profile: 'kql', mode: 'enforce' });
    const { status, body } = await post(app, makeReview(object()));
    expect(status).toBe(200);
    const annotations = body.response.auditAnnotations!;
    expect(annotations.score).toBe(String(score));
    expect(annotations.rules!.split(',').sort()).toEqual(rules);
    expect(annotations.profile).toBe('kql');
    expect(body.response.allowed).toBe(score < 3);
    if (score >= 3) {
      expect(body.response.status?.code).toBe(403);
      for (const rule of rules) expect(body.response.status?.message).toContain(rule);
      expect(body.response.status?.message).toContain(`score ${score}`);
    }
  });
});

describe('POST /validate', () => {
  const malicious = () => withPrivilegedHostEtc(fixture('kubectl/privileged-job.json'));

  it('answers in the request apiVersion and kind with the request uid, v1 and v1beta1', async () => {
    const { app } = testApp({ profile: 'kql' });
    for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const) {
      const { status, body } = await post(
        app,
        makeReview(fixture('kubectl/hello-cronjob.json'), { apiVersion, uid: `u-${apiVersion}` }),
      );
      expect(status).toBe(200);
      expect(body.apiVersion).toBe(apiVersion);
      expect(body.kind).toBe('AdmissionReview');
      expect(body.response.uid).toBe(`u-${apiVersion}`);
      expect(body.response.patch).toBeUndefined();
    }
  });

  it.each([
    ['enforce', false, 'deny'],
    ['warn', true, 'warn'],
    ['audit', true, 'annotate'],
    ['off', true, undefined],
  ] as const)(
    'in %s mode a deny-level object is allowed=%s with action %s',
    async (mode, allowed, action) => {
      const { app } = testApp({ profile: 'kql', mode });
      const { body } = await post(app, makeReview(malicious()));
      expect(body.response.allowed).toBe(allowed);
      expect(body.response.auditAnnotations?.action).toBe(action);
      if (mode === 'warn')
        expect(body.response.warnings?.[0]).toMatch(/would be denied in enforce mode \(score 4, deny at 3\)/);
      if (mode === 'audit' || mode === 'off') expect(body.response.warnings).toBeUndefined();
      if (mode === 'off') expect(body.response.auditAnnotations).toBeUndefined();
    },
  );

  it('gives one single-line warning of at most 120 characters per indicator, heaviest first', async () => {
    const { app } = testApp({ profile: 'kql', mode: 'warn' });
    const { body } = await post(app, makeReview(malicious()));
    const warnings = body.response.warnings!;
    expect(warnings).toHaveLength(5);
    for (const warning of warnings) {
      expect(warning.length).toBeLessThanOrEqual(120);
      expect(warning).not.toMatch(/[\n\r]/);
    }
    expect(warnings.slice(1).map((w) => /^jobguard: ([a-z-]+): /.exec(w)?.[1])).toEqual([
      'kql-host-path-mount',
      'kql-privileged',
      'kql-sensitive-mount',
      'kql-suspicious-image',
    ]);
  });

  it('scores UPDATE like CREATE and dry-run like a real request', async () => {
    const { app } = testApp({ profile: 'kql', mode: 'enforce' });
    const update = await post(
      app,
      makeReview(malicious(), { operation: 'UPDATE', oldObject: fixture('kubectl/privileged-job.json') }),
    );
    const dryRun = await post(app, makeReview(malicious(), { dryRun: true }));
    expect(update.body.response.allowed).toBe(false);
    expect(dryRun.body.response).toEqual({ ...update.body.response });
  });

  it.each([
    ['DELETE', {}],
    ['CONNECT', {}],
    ['UPDATE', { subResource: 'status' }],
    ['UPDATE', { subResource: 'scale' }],
  ] as const)('allows %s %o without scoring', async (operation, extra) => {
    const { app, lines } = testApp({ profile: 'kql', mode: 'enforce' });
    const { body } = await post(app, makeReview(malicious(), { operation, ...extra }));
    expect(body.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
    expect(lines.find((l) => l.msg === 'admission')?.skipped).toBeDefined();
  });

  it('allows objects without a pod template and kinds the policy does not score', async () => {
    const { app } = testApp({ profile: 'kql', mode: 'enforce' });
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { a: 'curl | sh' },
    };
    expect((await post(app, makeReview(configMap))).body.response.allowed).toBe(true);
    const emptyJob = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: {} };
    expect((await post(app, makeReview(emptyJob))).body.response.allowed).toBe(true);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { hostNetwork: true, containers: [{ name: 'a', image: 'kali' }] },
    };
    expect((await post(app, makeReview(pod))).body.response.allowed).toBe(true);
    const { app: podsToo } = testApp({ profile: 'kql', mode: 'enforce', kinds: ['Pod'] });
    expect((await post(podsToo, makeReview(pod))).body.response.auditAnnotations?.score).toBe('2');
  });

  it('writes one decision log line without the request body', async () => {
    const { app, lines } = testApp({ profile: 'kql', mode: 'warn' });
    await post(app, makeReview(malicious(), { username: 'mallory', namespace: 'team-a' }));
    const decisions = lines.filter((l) => l.msg === 'admission');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: 'Job',
      namespace: 'team-a',
      name: 'host-etc-job',
      user: 'mallory',
      operation: 'CREATE',
      dryRun: false,
      score: 4,
      action: 'warn',
    });
    expect(typeof decisions[0]!.durationMs).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('/host/etc/shadow');
  });
});

describe('bad input', () => {
  it.each([
    {
      name: 'invalid JSON',
      payload: '{"apiVersion": ',
      type: 'application/json',
      status: 400,
      error: 'invalid-json',
    },
    { name: 'an empty body', payload: '', type: 'application/json', status: 400, error: 'empty-body' },
    {
      name: 'a text/plain body',
      payload: 'hello',
      type: 'text/plain',
      status: 415,
      error: 'unsupported-media-type',
    },
    {
      name: 'a JSON array',
      payload: '[1,2]',
      type: 'application/json',
      status: 400,
      error: 'invalid-review',
    },
    {
      name: 'a review without request',
      payload: '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}',
      type: 'application/json',
      status: 400,
      error: 'invalid-review',
    },
    {
      name: 'an unknown apiVersion',
      payload: '{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{}}',
      type: 'application/json',
      status: 400,
      error: 'invalid-review',
    },
    {
      name: 'only a __proto__ key (dropped, leaving no review)',
      payload: '{"__proto__":{"x":1}}',
      type: 'application/json',
      status: 400,
      error: 'invalid-review',
    },
  ])('$name → $status $error', async ({ payload, type, status, error }) => {
    const { app } = testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/validate',
      headers: { 'content-type': type },
      payload,
    });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error });
    expect(typeof res.json<{ message: string }>().message).toBe('string');
  });

  it('answers a review that carries a __proto__ key, and pollutes nothing', async () => {
    const { app } = testApp({ profile: 'kql', mode: 'enforce' });
    const review = JSON.stringify(makeReview(fixture('kubectl/hello-cronjob.json'))).replace(
      '"userInfo":{',
      '"userInfo":{"__proto__":{"polluted":true},',
    );
    const { status, body } = await post(app, review);
    expect(status).toBe(200);
    expect(body.response.uid).toBe('705ab4f5-6393-11e8-b7cc-42010a800002');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names what is missing: request.uid', async () => {
    const { app } = testApp();
    const review = makeReview(fixture('kubectl/hello-cronjob.json')) as {
      request: Partial<Review['request']>;
    };
    delete review.request.uid;
    const res = await app.inject({ method: 'POST', url: '/validate', payload: review });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toContain('request.uid: expected string, got nothing');
  });

  it('rejects a body over the limit with 413 and keeps serving', async () => {
    const { app } = testApp({}, { bodyLimit: 64 * 1024 });
    const big = makeReview({ ...fixture('kubectl/hello-cronjob.json'), data: 'x'.repeat(70 * 1024) });
    const res = await app.inject({ method: 'POST', url: '/validate', payload: big });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'body-too-large' });
    const next = await post(app, makeReview(fixture('kubectl/hello-cronjob.json')));
    expect(next.status).toBe(200);
  });

  it('accepts a 7 MiB UPDATE under the default limit', async () => {
    const { app } = testApp({ profile: 'kql' });
    const padded = {
      ...fixture('kubectl/hello-cronjob.json'),
      metadata: { name: 'big', annotations: { pad: 'y'.repeat(3.5 * 1024 * 1024) } },
    };
    const review = makeReview(padded, { operation: 'UPDATE', oldObject: padded });
    const { status, body } = await post(app, review);
    expect(status).toBe(200);
    expect(body.response.uid).toBe(review.request.uid);
  });

  it('answers 404 in JSON for unknown routes', async () => {
    const { app } = testApp();
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not-found' });
  });
});

describe('health', () => {
  it('healthz is always ok; readyz follows readiness', async () => {
    let ready = true;
    const { app } = testApp({}, { readiness: () => ({ ready, detail: { draining: !ready } }) });
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    ready = false;
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false, draining: true });
  });
});
