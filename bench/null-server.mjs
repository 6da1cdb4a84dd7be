// The baseline: fastify over HTTPS answering every review `allowed: true`, nothing else.
// Same framework, TLS and JSON parsing as jobguard, so the ratio isolates jobguard's own cost.
import fastify from 'fastify';
import { readFileSync } from 'node:fs';

const [port, certFile, keyFile] = process.argv.slice(2);
const app = fastify({
  https: { cert: readFileSync(certFile), key: readFileSync(keyFile) },
  bodyLimit: 8 * 1024 * 1024,
  keepAliveTimeout: 100_000,
});
app.post('/validate', (request) => ({
  apiVersion: request.body.apiVersion,
  kind: 'AdmissionReview',
  response: { uid: request.body.request.uid, allowed: true },
}));
app.get('/readyz', () => ({ ready: true }));
await app.listen({ host: '127.0.0.1', port: Number(port) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
