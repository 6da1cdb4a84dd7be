// What the webhook benches share: a serving certificate, a stand-in API server for namespace labels
// (one list, then a watch that stays open and quiet, as in a quiet cluster), the realistic ~2.8 KB
// CronJob review, and starting, probing and measuring a server process.
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import selfsigned from 'selfsigned';
import { parseAllDocuments } from 'yaml';

export const root = fileURLToPath(new URL('..', import.meta.url));
/** The artifact the image runs (npm run bundle; the bench scripts' pre-scripts build it). */
export const BUNDLE = join(root, 'dist/bundle/jobguard.mjs');
/** What the chart passes for its default 256Mi memory limit (heap.maxOldSpaceMiB: limit - 128; heap.maxSemiSpaceMiB). */
export const CHART_NODE_OPTIONS = '--max-old-space-size=128 --max-semi-space-size=4';

/** A scratch directory with a self-signed certificate for 127.0.0.1 (tls.crt, tls.key). */
export async function scratch(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  writeFileSync(join(dir, 'tls.crt'), pems.cert);
  writeFileSync(join(dir, 'tls.key'), pems.private);
  return { dir, certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
}

/** A review as kube-apiserver sends it for `object` (CREATE by a CI service account). */
export function reviewOf(object, { kind = object.kind, namespace = 'reports', uid } = {}) {
  const [group, resource] = { CronJob: ['batch', 'cronjobs'], Job: ['batch', 'jobs'] }[kind] ?? [
    'example.com',
    'things',
  ];
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group, version: 'v1', kind },
      resource: { group, version: 'v1', resource },
      requestKind: { group, version: 'v1', kind },
      requestResource: { group, version: 'v1', resource },
      name: object?.metadata?.name ?? '',
      namespace,
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:ci:deployer',
        uid: 'a1b2',
        groups: ['system:serviceaccounts', 'system:authenticated'],
      },
      object,
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'helm' },
    },
  };
}

/** The Kubernetes docs' hello CronJob, dressed as a Helm-managed production one (~2.8 KB review). */
export function realisticReview() {
  const cronJob = JSON.parse(readFileSync(join(root, 'test/fixtures/kubectl/hello-cronjob.json'), 'utf8'));
  const podSpec = cronJob.spec.jobTemplate.spec.template.spec;
  const container = podSpec.containers[0];
  container.env = [
    { name: 'TARGET', value: 'https://backup.internal.example.com/api/v1/upload' },
    { name: 'LOG_LEVEL', value: 'info' },
  ];
  container.resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } };
  container.volumeMounts = [
    { name: 'config', mountPath: '/etc/report', readOnly: true },
    { name: 'scratch', mountPath: '/tmp' },
  ];
  container.imagePullPolicy = 'IfNotPresent';
  container.terminationMessagePath = '/dev/termination-log';
  container.terminationMessagePolicy = 'File';
  container.securityContext = {
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
  podSpec.securityContext = {
    runAsNonRoot: true,
    runAsUser: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  };
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
  return reviewOf(cronJob);
}

/** A deep copy of plain JSON data. */
const copyOf = (value) => JSON.parse(JSON.stringify(value));

/** The pod template of a corpus object, wherever its kind keeps it; undefined for objects without one. */
function podTemplateOf(object) {
  if (object?.kind === 'CronJob') return object.spec?.jobTemplate?.spec?.template;
  if (object?.kind === 'Pod') return { metadata: object.metadata, spec: object.spec };
  return object?.spec?.template;
}

/** A CronJob or Job as one of the mix's workloads: CronJobs and Jobs as they are, other kinds' pod template in a Job. */
function batchWorkload(object) {
  if (object.kind === 'CronJob' || object.kind === 'Job') return copyOf(object);
  const template = copyOf(podTemplateOf(object));
  if (template.spec.restartPolicy === undefined || template.spec.restartPolicy === 'Always')
    template.spec.restartPolicy = 'Never';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: object.metadata?.name ?? 'job', labels: object.metadata?.labels ?? {} },
    spec: { backoffLimit: 2, template },
  };
}

/** Every corpus object that has a pod template, with its class (attack, benign, infrastructure). */
export function corpusObjects() {
  const objects = [];
  for (const cls of ['attack', 'benign', 'infrastructure']) {
    const dir = join(root, 'test/corpus', cls);
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.yaml')) continue;
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const object = doc.toJS();
        if (podTemplateOf(object)?.spec) objects.push({ cls, file: `${cls}/${file}`, object });
      }
    }
  }
  return objects;
}

/** A deterministic uid for variant `n` of an object, shaped like the API server's. */
function uidOf(n, salt) {
  const hex = ((n * 2654435761 + salt * 40503) >>> 0).toString(16).padStart(8, '0');
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(4, 7)}-${hex}${hex.slice(0, 4)}`;
}

/**
 * Variant `n` of a workload: its own name, uid, labels and a script or environment that differs,
 * so no two bodies of the mix are the same and no cache keyed on content could answer for another.
 */
function variant(workload, n) {
  const object = copyOf(workload);
  const base = object.metadata?.name ?? object.kind.toLowerCase();
  object.metadata = {
    ...object.metadata,
    name: `${base}-${n}`,
    uid: uidOf(n, 1),
    labels: {
      ...object.metadata?.labels,
      app: base,
      release: `r${n % 7}`,
      'pod-template-hash': uidOf(n, 2).slice(0, 10),
    },
    resourceVersion: String(1000 + n),
    creationTimestamp: '2026-11-27T10:00:00Z',
  };
  const template = podTemplateOf(object);
  for (const container of [...(template.spec.initContainers ?? []), ...(template.spec.containers ?? [])]) {
    const words = [...(container.command ?? []), ...(container.args ?? [])];
    const script = words.findIndex((word, i) => i > 0 && words[i - 1] === '-c');
    if (script >= 0) {
      // The script itself varies: one more harmless line at its end.
      const list = script < (container.command ?? []).length ? container.command : container.args;
      const at =
        script < (container.command ?? []).length ? script : script - (container.command ?? []).length;
      list[at] = `${list[at]}\necho "run ${n} done"`;
    }
    container.env = [...(container.env ?? []), { name: 'RUN_ID', value: `run-${n}` }];
  }
  return object;
}

/**
 * A review as kube-apiserver sends it: CREATE, or UPDATE with the previous version as oldObject.
 * A Job whose name says it comes from a CronJob is created by the CronJob controller.
 */
function reviewFor(object, n, operation) {
  const review = reviewOf(object, { namespace: ['reports', 'default', 'batch'][n % 3], uid: uidOf(n, 3) });
  review.request.operation = operation;
  if (operation === 'UPDATE') {
    const old = copyOf(object);
    old.metadata.resourceVersion = String(Number(object.metadata.resourceVersion) - 1);
    delete old.metadata.labels.release;
    review.request.oldObject = old;
    review.request.options = {
      kind: 'UpdateOptions',
      apiVersion: 'meta.k8s.io/v1',
      fieldManager: 'kubectl-edit',
    };
  }
  if (object.kind === 'Job' && object.metadata.ownerReferences) {
    review.request.userInfo = {
      username: 'system:serviceaccount:kube-system:cronjob-controller',
      uid: 'c0a1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
    };
  }
  return review;
}

/** The Job the CronJob controller creates from `cronJob`, as it names and owns it. */
function jobOf(cronJob, n) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      ...copyOf(cronJob.spec.jobTemplate.metadata ?? {}),
      name: `${cronJob.metadata.name}-${29000000 + n}`,
      uid: uidOf(n, 4),
      labels: { ...cronJob.metadata.labels },
      resourceVersion: String(2000 + n),
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cronJob.metadata.name,
          uid: cronJob.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: copyOf(cronJob.spec.jobTemplate.spec),
  };
}

/**
 * The bench's cluster: every corpus workload as a CronJob or Job, in variants that differ in name,
 * uid, labels and script, created and updated, with the Jobs the CronJob controller creates from the
 * CronJobs. Benign and infrastructure workloads come in three variants each, attacks in one, so most
 * of the traffic is ordinary work and every rule still runs. Returns the reviews and a tally.
 */
export function mixedReviews() {
  const reviews = [];
  const tally = { attack: 0, benign: 0, infrastructure: 0, CronJob: 0, Job: 0, CREATE: 0, UPDATE: 0 };
  let n = 0;
  for (const { cls, object } of corpusObjects()) {
    const workload = batchWorkload(object);
    const copies = cls === 'attack' ? 1 : 3;
    for (let copy = 0; copy < copies; copy += 1) {
      n += 1;
      const changed = variant(workload, n);
      const batch = [reviewFor(changed, n, n % 2 === 0 ? 'UPDATE' : 'CREATE')];
      if (changed.kind === 'CronJob' && copy === 0)
        batch.push(reviewFor(jobOf(changed, n), n + 100_000, 'CREATE'));
      for (const review of batch) {
        reviews.push(review);
        tally[cls] += 1;
        tally[review.request.kind.kind] += 1;
        tally[review.request.operation] += 1;
      }
    }
  }
  // Interleaved, as a cluster's traffic is: not all attacks first.
  const shuffled = [];
  const step = 97; // coprime with any count below 9,409 not divisible by 97
  for (let i = 0; i < reviews.length; i += 1) shuffled.push(reviews[(i * step) % reviews.length]);
  return { reviews: new Set(shuffled).size === reviews.length ? shuffled : reviews, tally };
}

/** A stand-in API server (namespaces list and a quiet watch) and a kubeconfig for it in `dir`. */
/** A realistic maintenance script of `bytes` characters (bench:hostile and bench:budget). */
export function maintenanceScript(bytes, seed) {
  const lines = [
    'set -eu',
    `for ns in $(kubectl get ns -o name | cut -d/ -f2); do`,
    `  kubectl get pods -n "$ns" --field-selector=status.phase==Succeeded -o name | xargs -r kubectl delete -n "$ns"`,
    'done',
    `curl -fsS --max-time 5 "http://api-${seed}.default.svc:8080/healthz" || echo "api ${seed} unhealthy" >&2`,
    `find /data/${seed} -name '*.tmp' -mtime +2 -print0 | xargs -0 -r rm -f`,
    `tar czf /backup/${seed}-$(date +%Y%m%d).tgz -C /data/${seed} . && echo "backup ${seed} done"`,
  ];
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += `${lines[i % lines.length]}\n`;
  return out.slice(0, bytes);
}

export async function standInApiServer(dir) {
  const server = http.createServer((req, res) => {
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
    const items = ['default', 'reports', 'batch', 'kube-system'].map((name) => ({
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    }));
    res.end(
      JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items }),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'bench',
          cluster: { server: `http://127.0.0.1:${server.address().port}`, 'insecure-skip-tls-verify': true },
        },
      ],
      users: [{ name: 'bench', user: { token: 'bench' } }],
      contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench' } }],
      'current-context': 'bench',
    }),
  );
  return {
    kubeconfig,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}

/**
 * Starts `node ARGS…` (`node`: another Node binary) with its stdout discarded; `started` is for the time to ready. Its stderr goes
 * to ours, or with `captureStderr` is kept: `stderr()` returns the last few KiB.
 */
export function start(args, env = {}, { captureStderr = false, node = process.execPath } = {}) {
  const started = process.hrtime.bigint();
  const child = spawn(node, args, {
    cwd: root,
    stdio: ['ignore', 'ignore', captureStderr ? 'pipe' : 'inherit'],
    env: { ...process.env, ...env },
  });
  let tail = '';
  child.stderr?.on('data', (chunk) => (tail = (tail + chunk).slice(-4096)));
  return { child, started, stderr: () => tail };
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

/** Milliseconds from `started` until `url`/readyz answers 200; throws after 15 s. */
export async function waitReady(url, started) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (await isReady(url)) return Number(process.hrtime.bigint() - started) / 1e6;
    if (Date.now() > deadline) throw new Error(`${url} not ready after 15 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

/** CPU seconds a process has used so far, user and system (utime + stime from /proc/PID/stat). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name, field 2, is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Peak resident set size of a process so far (VmHWM), MiB. */
export function peakRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
