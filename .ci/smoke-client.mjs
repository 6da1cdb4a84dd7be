// Waits for jobguard's /readyz, then posts AdmissionReviews as kube-apiserver would and checks
// each answer: the uid echoed, allowed or not, and the action taken (annotate, warn, deny, …).
//   node .ci/smoke-client.mjs --port N --metrics-port M [--ca-file F] [--since EPOCH_MS] FIXTURE:NAMESPACE:ACTION...
// With --ca-file the server's certificate must verify against that CA for 127.0.0.1 (as the API
// server verifies it against the webhook's caBundle); without, any certificate is accepted.
// --since: the moment the server was started, for the start-to-ready time it prints.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    port: { type: 'string' },
    'metrics-port': { type: 'string' },
    'ca-file': { type: 'string' },
    since: { type: 'string' },
  },
  allowPositionals: true,
});
const started = Number(values.since ?? Date.now());
const tls = values['ca-file']
  ? { ca: readFileSync(values['ca-file']), rejectUnauthorized: true }
  : { rejectUnauthorized: false };

const call = (method, path, body) =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(values.port),
        method,
        path,
        ...tls,
        timeout: 5000,
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });

const review = (uid, namespace, object) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'smoke' },
      object,
      kind: { group: 'batch', version: 'v1', kind: object.kind },
      resource: { group: 'batch', version: 'v1', resource: `${object.kind.toLowerCase()}s` },
    },
  });

let ready;
let lastError = 'no answer';
for (;;) {
  try {
    ready = await call('GET', '/readyz');
    if (ready.status === 200) break;
    lastError = `${ready.status} ${ready.text}`;
  } catch (error) {
    // A certificate that does not verify is an answer, not a slow start.
    if (/certificate|self.signed|altname/i.test(error.message)) throw error;
    lastError = error.message;
  }
  if (Date.now() - started > 30000) throw new Error(`not ready within 30 s: ${lastError}`);
  await new Promise((r) => setTimeout(r, 20));
}
const readyMs = Date.now() - started;
// Without mTLS the HTTPS port says only whether it is ready; the details are on the metrics port.
const details = await fetch(`http://127.0.0.1:${values['metrics-port']}/readyz`).then((r) => r.text());
const labels = JSON.parse(details).namespaceLabels;
// The stand-in API server answers at once: ready without synced labels means the client failed.
if (labels !== 'synced') throw new Error(`ready, but namespace labels are ${labels}: ${details}`);

const verdicts = [];
for (const [index, check] of positionals.entries()) {
  const [fixture, namespace, expected] = check.split(':');
  const object = JSON.parse(readFileSync(fixture, 'utf8'));
  const uid = `smoke-${index}`;
  const { status, text } = await call('POST', '/validate?timeout=10s', review(uid, namespace, object));
  const response = JSON.parse(text).response;
  const action = response?.auditAnnotations?.action ?? (response?.allowed ? 'allow' : 'deny');
  const allowedRight = response?.allowed === (expected !== 'deny');
  if (status !== 200 || response?.uid !== uid || action !== expected || !allowedRight)
    throw new Error(`${fixture} in ${namespace}: expected ${expected}, got ${status} ${text}`);
  verdicts.push(`${object.kind} ${object.metadata.name} in ${namespace}: ${action}`);
}
console.log(`ready in ${readyMs} ms (namespace labels ${labels}); ${verdicts.join('; ')}`);
console.log(`ready_ms=${readyMs}`);
