/**
 * The AdmissionReview kube-apiserver really sends, next to the one the unit tests build
 * (test/support/review.ts makeReview): a second webhook, registered only for this file's namespace
 * and answering "allowed" to everything, records the requests of a create, an UPDATE (kubectl apply
 * sends a patch, the API server reviews it as UPDATE) and a dry run. If the API server adds,
 * drops or renames a field the stand-in has, or sends a field the stand-in lacks, this fails and
 * the stand-in is fixed to match.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:https';
import { createCa, issueServingCert, type KeyPair } from '../support/certs.js';
import { makeReview } from '../support/review.js';
import { KubeCluster } from './cluster.js';
import { freePort, waitUntil } from './jobguard.js';
import { benignCronJob } from './workloads.js';

const NAMESPACE = 'review-shape';

interface Captured {
  apiVersion: string;
  kind: string;
  request: Record<string, unknown> & { operation: string; dryRun: boolean; name: string };
}

let cluster: KubeCluster;
let server: Server;
const captured: Captured[] = [];

async function startRecorder(ca: KeyPair, port: number): Promise<Server> {
  const serving = await issueServingCert(ca);
  const recorder = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const review = JSON.parse(body) as Captured;
      captured.push(review);
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: review.apiVersion,
          kind: 'AdmissionReview',
          response: { uid: review.request.uid, allowed: true },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => recorder.listen(port, '127.0.0.1', resolve));
  return recorder;
}

beforeAll(async () => {
  cluster = await KubeCluster.start();
  const ca = await createCa('review-shape-ca');
  const port = await freePort();
  server = await startRecorder(ca, port);
  await cluster.kubectlOk(['create', 'namespace', NAMESPACE]);
  await cluster.kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'review-recorder' },
      webhooks: [
        {
          name: 'record.review-shape.test',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
          clientConfig: {
            url: `https://127.0.0.1:${port}/validate`,
            caBundle: Buffer.from(ca.cert).toString('base64'),
          },
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NAMESPACE } },
          rules: [
            {
              apiGroups: ['batch'],
              apiVersions: ['v1'],
              resources: ['cronjobs'],
              operations: ['CREATE', 'UPDATE'],
            },
          ],
        },
      ],
    }),
  });
  // The API server picks the configuration up from an informer; dry runs show when it has.
  await waitUntil('the recorder to be called', async () => {
    await cluster.kubectl(['create', '--dry-run=server', '-n', NAMESPACE, '-f', '-'], {
      input: JSON.stringify(benignCronJob('probe')),
    });
    return captured.length > 0;
  });
  captured.length = 0;
}, 300_000);

afterAll(async () => {
  // beforeAll may have failed before either was made.
  const recorder = server as Server | undefined;
  if (recorder) {
    recorder.closeAllConnections();
    await new Promise<void>((resolve) => {
      recorder.close(() => {
        resolve();
      });
    });
  }
  await (cluster as KubeCluster | undefined)?.stop();
}, 60_000);

/** Every key path of a value, objects only (arrays and scalars are leaves), sorted. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>)
    .flatMap(([key, child]) => keyPaths(child, prefix ? `${prefix}.${key}` : key))
    .sort();
}

/** The request's fields, without the object bodies (those are the API server's own). */
function shape(review: Captured | ReturnType<typeof makeReview>): string[] {
  const { object: _object, oldObject: _oldObject, ...rest } = review.request as Record<string, unknown>;
  return keyPaths({ ...review, request: rest });
}

describe('the AdmissionReview kube-apiserver sends', () => {
  it('for a CREATE, an UPDATE and a dry run has the fields of the unit tests stand-in', async () => {
    const object = benignCronJob('shape');
    await cluster.kubectlOk(['apply', '-n', NAMESPACE, '-f', '-'], { input: JSON.stringify(object) });
    (object.spec as { schedule: string }).schedule = '30 3 * * *';
    await cluster.kubectlOk(['apply', '-n', NAMESPACE, '-f', '-'], { input: JSON.stringify(object) });
    await cluster.kubectlOk(['apply', '--dry-run=server', '-n', NAMESPACE, '-f', '-'], {
      input: JSON.stringify(benignCronJob('shape-dry')),
    });
    expect(captured.map((r) => [r.request.operation, r.request.dryRun, r.request.name])).toEqual([
      ['CREATE', false, 'shape'],
      ['UPDATE', false, 'shape'],
      ['CREATE', true, 'shape-dry'],
    ]);
    const [create, update, dry] = captured as [Captured, Captured, Captured];
    expect(update.request.oldObject).toMatchObject({ spec: { schedule: '15 3 * * *' } });
    expect(create.request.oldObject).toBeNull();

    const user = create.request.userInfo as { username: string; groups: string[] };
    const stand = (operation: 'CREATE' | 'UPDATE', dryRun: boolean) =>
      shape(
        makeReview(object, {
          namespace: NAMESPACE,
          operation,
          dryRun,
          username: user.username,
          groups: user.groups,
          oldObject: operation === 'UPDATE' ? object : null,
        }),
      );
    expect(shape(create)).toEqual(stand('CREATE', false));
    expect(shape(update)).toEqual(stand('UPDATE', false));
    expect(shape(dry)).toEqual(stand('CREATE', true));
    // The options object names the operation's options kind.
    expect(create.request.options).toMatchObject({ kind: 'CreateOptions' });
    expect(update.request.options).toMatchObject({ kind: 'UpdateOptions' });
    expect(dry.request.options).toMatchObject({ kind: 'CreateOptions', dryRun: ['All'] });
    expect(create.request.options).toMatchObject({
      fieldManager: 'kubectl-client-side-apply',
      fieldValidation: 'Strict',
    });
    expect(create.request.userInfo).toMatchObject({
      extra: {
        'authentication.kubernetes.io/credential-id': [expect.stringMatching(/^X509SHA256=[0-9a-f]{64}$/)],
      },
    });
  });
});
