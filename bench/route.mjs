// The webhook's route in one process, without TLS, sockets or a load generator beside it: fastify's
// inject() posts each review to jobguard's app (dist/server/app.js, as `serve` builds it: metrics,
// the decision log line written to /dev/null one line per write, the analysis pool) and to a null
// app that answers `allowed: true`, in alternating rounds. What jobguard's route costs beyond the
// null one, by CPU time per review, varies far less here than between two servers under load on a
// shared machine; `npm run bench` prints it beside the servers' figures.
//   route.mjs FILE ITERATIONS   prints {"jobguard": µs, "null": µs} for the bodies in FILE (one per line)
import { openSync, readFileSync } from 'node:fs';
import fastify from 'fastify';
import { pino } from 'pino';
import { createEngine } from '../dist/engine.js';
import { DEFAULT_POLICY } from '../dist/policy/schema.js';
import { Analysis, DEFAULT_ANALYSIS_DEADLINE_MS, DEFAULT_ANALYSIS_WORKERS } from '../dist/server/analysis.js';
import { buildApp } from '../dist/server/app.js';
import { createMetrics } from '../dist/server/metrics.js';

const [file, iterations = '10000'] = process.argv.slice(2);
const texts = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line !== '');

const engine = createEngine(DEFAULT_POLICY);
const jobguard = buildApp({
  logger: pino(
    { level: 'info', base: { service: 'jobguard' } },
    pino.destination({ dest: openSync('/dev/null', 'w'), sync: true }),
  ),
  engine: () => engine,
  metrics: createMetrics(),
  analysis: new Analysis({ workers: DEFAULT_ANALYSIS_WORKERS, deadlineMs: DEFAULT_ANALYSIS_DEADLINE_MS }),
  isDetailed: false,
  readiness: () => ({ ready: true, detail: {} }),
  draining: () => false,
});
// The same answer bench/null-server.mjs gives.
const nul = fastify({ bodyLimit: 8 * 1024 * 1024 });
nul.post('/validate', (request) => ({
  apiVersion: request.body.apiVersion,
  kind: 'AdmissionReview',
  response: { uid: request.body.request.uid, allowed: true },
}));
await Promise.all([jobguard.ready(), nul.ready()]);

let next = 0;
/** Posts `n` reviews to `app`, cycling through the bodies; throws on an answer that is not 200. */
async function post(app, n) {
  for (let i = 0; i < n; i++) {
    const reply = await app.inject({
      method: 'POST',
      url: '/validate?timeout=10s',
      headers: { 'content-type': 'application/json' },
      payload: texts[next++ % texts.length],
    });
    if (reply.statusCode !== 200) throw new Error(`HTTP ${reply.statusCode}: ${reply.body.slice(0, 200)}`);
  }
}

/** CPU µs per review of `n` posts to `app`. */
async function cpuPerReview(app, n) {
  const before = process.cpuUsage();
  await post(app, n);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

const total = Number(iterations);
const rounds = 4;
// Warm both, then alternate: the same minute, the same process, the same bodies.
await post(nul, Math.max(texts.length * 3, total / 5));
await post(jobguard, Math.max(texts.length * 3, total / 5));
const figures = { jobguard: [], null: [] };
for (let round = 0; round < rounds; round++) {
  figures.null.push(await cpuPerReview(nul, total / rounds));
  figures.jobguard.push(await cpuPerReview(jobguard, total / rounds));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
process.stdout.write(
  JSON.stringify({ jobguard: median(figures.jobguard), null: median(figures.null) }) + '\n',
);
