/**
 * `--client-ca-file`: only callers with a certificate signed by that CA (kube-apiserver through its
 * AdmissionConfiguration kubeconfig, docs/mtls.md) get past the TLS handshake.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type RunningServer } from '../src/server/webhook.js';
import {
  createCa,
  fingerprintOf,
  issueClientCert,
  issueServingCert,
  ProjectedDir,
  type KeyPair,
} from './support/certs.js';
import { postReview, replyProblems, send, waitFor, type HttpsTarget } from './support/load.js';
import { captureLogger, loopbackServe, fixture, makeReview } from './support/review.js';

/** What a refused handshake looks like to the client: an alert or a reset, never an HTTP status. */
const REFUSED =
  /certificate required|unknown ca|bad certificate|handshake failure|ECONNRESET|socket hang up|EPIPE/i;

describe('mutual TLS with --client-ca-file', () => {
  let servingCa: KeyPair;
  let clientCa: KeyPair;
  let client: KeyPair;
  let stranger: KeyPair;
  let dir: ProjectedDir;
  let server: RunningServer;

  beforeAll(async () => {
    [servingCa, clientCa] = await Promise.all([createCa('serving-ca'), createCa('apiserver-client-ca')]);
    const otherCa = await createCa('some-other-ca');
    [client, stranger] = await Promise.all([
      issueClientCert(clientCa, 'kube-apiserver'),
      issueClientCert(otherCa, 'kube-apiserver'),
    ]);
    const serving = await issueServingCert(servingCa);
    dir = await ProjectedDir.create('jobguard-mtls-', {
      'tls.crt': serving.cert,
      'tls.key': serving.key,
      'client-ca.crt': clientCa.cert,
    });
    const { logger } = captureLogger();
    server = await startServer(
      loopbackServe({
        overrides: { profile: 'kql', mode: 'enforce' },
        tls: {
          certFile: dir.path('tls.crt'),
          keyFile: dir.path('tls.key'),
          caFile: dir.path('client-ca.crt'),
        },
        logger,
      }),
    );
  });

  afterAll(async () => {
    await server.close();
    await dir.remove();
  });

  const target = (pair?: KeyPair): HttpsTarget => ({
    url: server.url,
    agent: false,
    ca: servingCa.cert,
    ...(pair ? { cert: pair.cert, key: pair.key } : {}),
  });

  async function expectRefused(pair: KeyPair | undefined): Promise<void> {
    const review = makeReview(fixture('kubectl/hello-cronjob.json'));
    await expect(postReview(target(pair), review)).rejects.toThrow(REFUSED);
    await expect(send(target(pair), 'GET', '/healthz')).rejects.toThrow(REFUSED);
  }

  it('gives a client with a certificate signed by the CA a 200 AdmissionReview', async () => {
    const review = makeReview(fixture('kubectl/hello-cronjob.json'), { uid: 'mtls-ok' });
    const res = await postReview(target(client), review);
    expect(replyProblems(review, res.status, res.text)).toEqual([]);
  });

  it('refuses a client without a certificate at the TLS layer', async () => {
    await expectRefused(undefined);
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    await expectRefused(stranger);
  });

  it('refuses a look-alike CA: same name as the client CA, another key', async () => {
    const forger = await createCa('apiserver-client-ca');
    await expectRefused(forger);
    await expectRefused(await issueClientCert(forger, 'kube-apiserver'));
  });

  it('keeps requiring client certificates after the serving certificate rotates', async () => {
    const next = await issueServingCert(servingCa);
    await dir.write({ 'tls.crt': next.cert, 'tls.key': next.key, 'client-ca.crt': clientCa.cert });
    await waitFor(
      'the rotated certificate',
      async () => (await send(target(client), 'GET', '/healthz')).fingerprint === fingerprintOf(next.cert),
      { timeoutMs: 8_000, intervalMs: 100 },
    );
    await expectRefused(undefined);
    await expectRefused(stranger);
    const review = makeReview(fixture('kubectl/hello-cronjob.json'), { uid: 'mtls-after-rotation' });
    const res = await postReview(target(client), review);
    expect(replyProblems(review, res.status, res.text)).toEqual([]);
  });
});

describe('mutual TLS with --client-name', () => {
  let servingCa: KeyPair;
  let clientCa: KeyPair;
  let dir: ProjectedDir;
  let server: RunningServer;

  beforeAll(async () => {
    [servingCa, clientCa] = await Promise.all([createCa('serving-ca'), createCa('apiserver-client-ca')]);
    const serving = await issueServingCert(servingCa);
    dir = await ProjectedDir.create('jobguard-mtls-name-', {
      'tls.crt': serving.cert,
      'tls.key': serving.key,
      'client-ca.crt': clientCa.cert,
    });
    server = await startServer(
      loopbackServe({
        overrides: { profile: 'kql', mode: 'enforce' },
        tls: {
          certFile: dir.path('tls.crt'),
          keyFile: dir.path('tls.key'),
          caFile: dir.path('client-ca.crt'),
        },
        clientNames: ['kube-apiserver'],
      }),
    );
  });

  afterAll(async () => {
    await server.close();
    await dir.remove();
  });

  const target = (pair: KeyPair): HttpsTarget => ({
    url: server.url,
    agent: false,
    ca: servingCa.cert,
    cert: pair.cert,
    key: pair.key,
  });

  it('answers the named client, and refuses another certificate from the same CA with 403', async () => {
    const review = makeReview(fixture('kubectl/hello-cronjob.json'), { uid: 'mtls-named' });
    const named = await postReview(target(await issueClientCert(clientCa, 'kube-apiserver')), review);
    expect(replyProblems(review, named.status, named.text)).toEqual([]);

    const other = await issueClientCert(clientCa, 'some-workload');
    const refused = await postReview(target(other), review);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({ error: 'forbidden-client' });
    expect((await send(target(other), 'GET', '/metrics')).status).toBe(403);
  });

  it('under mTLS the webhook port serves /metrics and tells why in /readyz', async () => {
    const apiserver = target(await issueClientCert(clientCa, 'kube-apiserver'));
    expect(JSON.parse((await send(apiserver, 'GET', '/readyz')).text)).toMatchObject({
      ready: true,
      mode: 'enforce',
      profile: 'kql',
    });
    const metrics = await send(apiserver, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('jobguard_admission_requests_total');
  });
});
