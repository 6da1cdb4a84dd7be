// npm run bench: jobguard against a null handler, each in its own process, driven by autocannon in a
// third process (50 connections, a realistic ~3 KB CronJob review, HTTPS keep-alive). Prints req/s,
// p50, p99, the ratio jobguard/null, what jobguard adds per request, its peak RSS and its time from
// start to ready. Machines here are shared and noisy: rounds alternate null and jobguard, and the
// ratio is per round.
// jobguard runs as the image and the chart deploy it: the one-file bundle, namespace labels on
// (client-node watching a stand-in API server, as in a cluster), info logging, and the heap limit
// the chart derives from its default 256Mi memory limit. BENCH_BARE=1 drops the API server and
// the heap limit.
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import selfsigned from 'selfsigned';

const root = fileURLToPath(new URL('..', import.meta.url));
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const duration = Number(process.env.BENCH_DURATION ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
/** A second run per server at this offered rate: tail latency with headroom, as a cluster sees it. */
const rate = Number(process.env.BENCH_RATE ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'jobguard-bench-'));

const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
  keyType: 'ec',
  curve: 'P-256',
  extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
});
writeFileSync(join(dir, 'tls.crt'), pems.cert);
writeFileSync(join(dir, 'tls.key'), pems.private);

const cronJob = JSON.parse(readFileSync(join(root, 'test/fixtures/kubectl/hello-cronjob.json'), 'utf8'));
const podSpec = cronJob.spec.jobTemplate.spec.template.spec;
podSpec.containers[0].env = [
  { name: 'TARGET', value: 'https://backup.internal.example.com/api/v1/upload' },
  { name: 'LOG_LEVEL', value: 'info' },
];
podSpec.containers[0].resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } };
podSpec.containers[0].volumeMounts = [
  { name: 'config', mountPath: '/etc/report', readOnly: true },
  { name: 'scratch', mountPath: '/tmp' },
];
podSpec.containers[0].imagePullPolicy = 'IfNotPresent';
podSpec.containers[0].terminationMessagePath = '/dev/termination-log';
podSpec.containers[0].terminationMessagePolicy = 'File';
podSpec.containers[0].securityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
podSpec.volumes = [
  { name: 'config', configMap: { name: 'nightly-report', defaultMode: 420 } },
  { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
];
podSpec.serviceAccountName = 'nightly-report';
podSpec.dnsPolicy = 'ClusterFirst';
podSpec.schedulerName = 'default-scheduler';
podSpec.terminationGracePeriodSeconds = 30;
podSpec.securityContext = { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } };
cronJob.metadata = {
  name: 'nightly-report',
  namespace: 'reports',
  uid: '6a1e4c2d-8f3b-4a5e-9d7c-1b2a3c4d5e6f',
  labels: { app: 'nightly-report', team: 'analytics', 'app.kubernetes.io/managed-by': 'Helm' },
  annotations: { 'meta.helm.sh/release-name': 'reports', 'meta.helm.sh/release-namespace': 'reports' },
  creationTimestamp: '2026-11-27T10:00:00Z',
  managedFields: [
    {
      manager: 'helm',
      operation: 'Update',
      apiVersion: 'batch/v1',
      time: '2026-11-27T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:team': {} } },
        'f:spec': { 'f:schedule': {}, 'f:concurrencyPolicy': {}, 'f:jobTemplate': {} },
      },
    },
  ],
};
cronJob.spec.concurrencyPolicy = 'Forbid';
cronJob.spec.successfulJobsHistoryLimit = 3;
cronJob.spec.failedJobsHistoryLimit = 1;
cronJob.spec.schedule = '30 2 * * *';
cronJob.spec.jobTemplate.spec.backoffLimit = 2;
cronJob.spec.jobTemplate.spec.activeDeadlineSeconds = 3600;
cronJob.spec.jobTemplate.spec.ttlSecondsAfterFinished = 86400;
const review = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: 'batch', version: 'v1', kind: 'CronJob' },
    resource: { group: 'batch', version: 'v1', resource: 'cronjobs' },
    requestKind: { group: 'batch', version: 'v1', kind: 'CronJob' },
    requestResource: { group: 'batch', version: 'v1', resource: 'cronjobs' },
    name: 'nightly-report',
    namespace: 'reports',
    operation: 'CREATE',
    userInfo: {
      username: 'system:serviceaccount:ci:deployer',
      uid: 'a1b2',
      groups: ['system:serviceaccounts', 'system:authenticated'],
    },
    object: cronJob,
    oldObject: null,
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'helm' },
  },
};
// A stand-in for the API server: one namespace list, then a watch that stays open and quiet.
const bare = process.env.BENCH_BARE === '1';
const apiServer = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://api');
  if (url.pathname !== '/api/v1/namespaces') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  if (url.searchParams.get('watch') === 'true') {
    res.flushHeaders();
    return;
  }
  const items = ['default', 'reports', 'kube-system'].map((name) => ({
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
  }));
  res.end(
    JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items }),
  );
});
await new Promise((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'bench',
        cluster: { server: `http://127.0.0.1:${apiServer.address().port}`, 'insecure-skip-tls-verify': true },
      },
    ],
    users: [{ name: 'bench', user: { token: 'bench' } }],
    contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench' } }],
    'current-context': 'bench',
  }),
);
/** What the chart passes for its default 256Mi memory limit (heap.maxOldSpaceMiB: limit - 128). */
const CHART_NODE_OPTIONS = '--max-old-space-size=128';

const bodyFile = join(dir, 'review.json');
writeFileSync(bodyFile, JSON.stringify(review));

function start(args, env = {}) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env },
  });
  return { child, started };
}

function isReady(url) {
  return new Promise((resolve) => {
    const req = https.get(`${url}/readyz`, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

async function waitReady(url, started) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (await isReady(url)) return Number(process.hrtime.bigint() - started) / 1e6;
    if (Date.now() > deadline) throw new Error(`${url} not ready after 15 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function peakRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

function drive(url, offered) {
  const out = execFileSync(
    process.execPath,
    [
      join(root, 'bench/load.mjs'),
      `${url}/validate?timeout=10s`,
      bodyFile,
      String(connections),
      String(duration),
      ...(offered ? [String(offered)] : []),
    ],
    {
      env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
    },
  );
  return JSON.parse(out.trim().split('\n').pop());
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const rows = [];
let port = 18443;
for (let round = 1; round <= rounds; round += 1) {
  for (const name of ['null', 'jobguard']) {
    port += 1;
    const url = `https://127.0.0.1:${port}`;
    const args =
      name === 'null'
        ? [join(root, 'bench/null-server.mjs'), String(port), join(dir, 'tls.crt'), join(dir, 'tls.key')]
        : [
            // The artifact the image runs (npm run bundle; the prebench script builds it).
            join(root, 'dist/bundle/jobguard.mjs'),
            'serve',
            '--port',
            String(port),
            '--tls-cert-file',
            join(dir, 'tls.crt'),
            '--tls-key-file',
            join(dir, 'tls.key'),
            // The production default: one decision line per review (to /dev/null here).
            '--log-level',
            'info',
            ...(bare ? [] : ['--kubeconfig', kubeconfig]),
          ];
    const env = name === 'jobguard' && !bare ? { NODE_OPTIONS: CHART_NODE_OPTIONS } : {};
    const { child, started } = start(args, env);
    const readyMs = await waitReady(url, started);
    const result = drive(url);
    const paced = rate > 0 ? drive(url, rate) : undefined;
    const rss = peakRss(child.pid);
    await stop(child);
    rows.push({ round, name, readyMs, rss, ...result, paced });
  }
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
apiServer.close();
apiServer.closeAllConnections();
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${connections} connections, ${duration} s per run, body ${JSON.stringify(review).length} bytes`,
);
console.log(
  bare
    ? 'jobguard: no API server, default heap (BENCH_BARE=1)'
    : `jobguard: as the chart runs it (namespace labels from a stand-in API server, NODE_OPTIONS=${CHART_NODE_OPTIONS})`,
);
const pacedHeader = rate > 0 ? `  p50/p99 ms at ${rate}/s` : '';
console.log(`round  server     req/s   p50 ms  p99 ms  errors  non2xx  peak RSS MiB  ready ms${pacedHeader}`);
for (const r of rows) {
  const paced = r.paced
    ? `  ${`${fmt(r.paced.p50)} / ${fmt(r.paced.p99)}`.padStart(pacedHeader.length - 2)}`
    : '';
  console.log(
    `${String(r.round).padEnd(6)} ${r.name.padEnd(9)} ${fmt(r.requests).padStart(6)} ${fmt(r.p50, 1).padStart(8)} ${fmt(r.p99, 1).padStart(7)} ${String(r.errors + r.timeouts).padStart(7)} ${String(r.non2xx).padStart(7)} ${fmt(r.rss, 1).padStart(13)} ${fmt(r.readyMs).padStart(9)}${paced}`,
  );
}
// At saturation each server spends its one thread on requests: 1/throughput is the CPU time per
// request, and the difference is what jobguard itself costs (less sensitive to the machine than the ratio).
const ratios = [];
const added = [];
for (let round = 1; round <= rounds; round += 1) {
  const base = rows.find((r) => r.round === round && r.name === 'null');
  const ours = rows.find((r) => r.round === round && r.name === 'jobguard');
  ratios.push(ours.requests / base.requests);
  added.push(1e6 / ours.requests - 1e6 / base.requests);
}
const ours = rows.filter((r) => r.name === 'jobguard');
const worstP99 = Math.max(...ours.map((r) => r.p99));
const peak = Math.max(...ours.map((r) => r.rss));
const ready = Math.max(...ours.map((r) => r.readyMs));
const errors = ours.reduce(
  (n, r) =>
    n + r.errors + r.timeouts + r.non2xx + (r.paced ? r.paced.errors + r.paced.timeouts + r.paced.non2xx : 0),
  0,
);
const ratio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
console.log(
  `\nratio jobguard/null: ${ratios.map((r) => r.toFixed(2)).join(', ')} (mean ${ratio.toFixed(2)}; target ≥ 0.85)`,
);
console.log(`jobguard adds per request: ${added.map((a) => `${fmt(a)} µs`).join(', ')}`);
if (rate > 0) {
  const pacedP99 = Math.max(...ours.map((r) => r.paced.p99));
  console.log(`jobguard worst p99 at ${rate} req/s offered: ${pacedP99} ms`);
}
console.log(
  `jobguard worst p99 at saturation: ${worstP99} ms (target < 10 ms); peak RSS ${fmt(peak, 1)} MiB (target < 150); ready ${fmt(ready)} ms (target < 1000); errors ${errors} (target 0)`,
);
