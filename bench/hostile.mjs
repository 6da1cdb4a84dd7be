// npm run bench:hostile: the attacks of an unauthenticated caller (anyone who reaches the HTTPS
// port) and of anyone who may create Jobs, replayed on loopback against jobguard as the chart runs
// it: the one-file bundle, the chart's heap flag (--max-old-space-size=128 for its 256Mi memory
// limit), namespace labels from a stand-in API server, enforce mode, a plain-HTTP metrics port.
// Every attack gets a fresh server; beside each, healthy traffic (the realistic ~2.8 KB CronJob
// review, evenly paced from another process) measures what the attack costs everyone else. Prints,
// per attack: whether the process lived, its peak RSS, the longest its event loop stalled during the
// attack (prom-client's lag monitor: a review analysed on the event loop stalls every other one for
// as long as it takes), the healthy p50, p99 and throughput, and what the server did with the attack.
//   BENCH_ONLY=slowloris,idle-tcp   run only these attacks (names as printed)
//   BENCH_HEALTHY_RATE=200          healthy reviews a second (default 200, over 8 connections)
//   BENCH_HOLD=40                   seconds an attack that holds connections waits for the server to cut them
//   BENCH_BUNDLE=path/jobguard.mjs  another build to attack (say, main's, for a before/after)
//   BENCH_SERVE_ARGS='--analysis-workers 0'  extra `jobguard serve` flags
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import {
  BUNDLE,
  CHART_NODE_OPTIONS,
  maintenanceScript,
  peakRss,
  realisticReview,
  reviewOf,
  root,
  scratch,
  standInApiServer,
  start,
  stop,
  waitReady,
} from './setup.mjs';

const MiB = 1024 * 1024;
const healthyRate = Number(process.env.BENCH_HEALTHY_RATE ?? 200);
const healthyConnections = 8;
const healthySeconds = 8;
const holdSeconds = Number(process.env.BENCH_HOLD ?? 40);
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const bundle = process.env.BENCH_BUNDLE ?? BUNDLE;
const serveArgs = process.env.BENCH_SERVE_ARGS?.split(/\s+/).filter(Boolean) ?? [];

const { dir, certFile, keyFile } = await scratch('jobguard-hostile-');
const apiServer = await standInApiServer(dir);
const healthyFile = join(dir, 'healthy.json');
writeFileSync(healthyFile, JSON.stringify(realisticReview()));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

// ---- objects -------------------------------------------------------------------------------------

function job(name, containers) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'reports' },
    spec: { template: { spec: { restartPolicy: 'Never', containers } } },
  };
}

/** The heavy review of issue 16: ~1.46 MB, 100 containers each running a ~14 KiB shell script. */
function heavyReview() {
  const containers = Array.from({ length: 100 }, (_, i) => ({
    name: `c${i}`,
    image: `registry.example.com/ops/tool-${i}:1.${i}.0`,
    command: ['/bin/sh', '-c', maintenanceScript(13_900, i)],
  }));
  return reviewOf(job('heavy', containers));
}

/**
 * The heaviest review under the analysis limits (server/limits.ts: 512 KiB of commands, args and
 * env values): 36 containers of 14,000-character scripts, 504,000 characters. What an attacker who
 * knows the limits can still ask for, looped.
 */
function heavyUnderLimitsReview() {
  const containers = Array.from({ length: 36 }, (_, i) => ({
    name: `c${i}`,
    image: `registry.example.com/ops/tool-${i}:1.${i}.0`,
    command: ['/bin/sh', '-c', maintenanceScript(14_000, i)],
  }));
  return reviewOf(job('heavy-under-limits', containers));
}

/**
 * 470 KiB of Python statements in one `python3 -c`: the input that costs the most CPU per work unit
 * (bench/budget.mjs) while staying under both the analysis limits and the work budget.
 */
function heavyPythonReview() {
  const line = 'import os\nx = os.environ.get("A", "b") + str(1)\n';
  const code = line.repeat(Math.floor((470 * 1024) / line.length));
  return reviewOf(
    job('heavy-python', [{ name: 'py', image: 'python:3.12', command: ['python3', '-c', code] }]),
  );
}

/** 30,000 containers, each holding a command: ~2.93 MB, under the API server's 3 MiB request limit. */
function manyContainersReview() {
  const containers = Array.from({ length: 30_000 }, (_, i) => ({
    name: `c${i}`,
    image: 'busybox:1.36',
    command: ['sh', '-c', `echo ${i} > /tmp/${i}.log; sleep 1`],
  }));
  return reviewOf(job('many', containers));
}

// ---- the server and the healthy traffic -----------------------------------------------------------

let nextPort = 19443;
async function startServer() {
  const port = (nextPort += 2);
  const url = `https://127.0.0.1:${port}`;
  const { child, started, stderr } = start(
    [
      bundle,
      'serve',
      '--port',
      String(port),
      '--metrics-port',
      String(port + 1),
      '--tls-cert-file',
      certFile,
      '--tls-key-file',
      keyFile,
      '--mode',
      'enforce',
      '--kubeconfig',
      apiServer.kubeconfig,
      '--log-level',
      'info',
      ...serveArgs,
    ],
    { NODE_OPTIONS: CHART_NODE_OPTIONS },
    { captureStderr: true },
  );
  await waitReady(url, started);
  return { child, stderr, url, port, metricsUrl: `http://127.0.0.1:${port + 1}` };
}

/** Healthy reviews, evenly paced from its own process; resolves with load.mjs's JSON line. */
function healthyTraffic(url) {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bench/load.mjs'),
      `${url}/validate?timeout=10s`,
      healthyFile,
      String(healthyConnections),
      String(healthySeconds),
      String(healthyRate),
    ],
    {
      env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  return new Promise((resolve) => {
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        resolve({ requests: 0, p99: NaN, errors: NaN, non2xx: NaN });
      }
    });
  });
}

/** The longest the server's event loop stalled since the last call, ms (prom-client resets it on each scrape). */
function eventLoopStall(server) {
  return new Promise((resolve) => {
    http
      .get(`${server.metricsUrl}/metrics`, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve(Number(/^jobguard_nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1]) * 1000),
        );
      })
      .on('error', () => resolve(NaN));
  });
}

function isAlive(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = https.get(`${server.url}/healthz`, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

// ---- attack tools ----------------------------------------------------------------------------------

/** A TLS connection to the server; `closed` resolves with the ms from open to the server's close. */
function connect(port, { plain = false } = {}) {
  const opened = performance.now();
  const socket = plain
    ? net.connect(port, '127.0.0.1')
    : tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  let reply = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk) => {
    if (reply.length < 512) reply += chunk;
  });
  const closed = new Promise((resolve) => {
    socket.on('close', () => resolve(performance.now() - opened));
    socket.on('error', () => {});
  });
  const ready = new Promise((resolve) => socket.once(plain ? 'connect' : 'secureConnect', resolve));
  return { socket, closed, ready, status: () => /^HTTP\/1\.1 (\d+)/.exec(reply)?.[1] ?? 'none' };
}

/** Waits for every connection to be closed by the server, at most `holdSeconds`; then closes the rest. */
async function hold(connections) {
  const deadline = sleep(holdSeconds * 1000).then(() => 'timeout');
  const held = await Promise.all(connections.map((c) => Promise.race([c.closed, deadline])));
  const open = held.filter((h) => h === 'timeout').length;
  for (const c of connections) c.socket.destroy();
  const cut = held.filter((h) => h !== 'timeout');
  return { open, longest: cut.length > 0 ? Math.max(...cut) : undefined };
}

/** What `hold` saw, as a note. */
function held({ open, longest }) {
  return [
    longest === undefined ? 'none cut' : `cut after ≤ ${seconds(longest)}`,
    ...(open > 0 ? [`${open} still open after ${holdSeconds} s`] : []),
  ].join('; ');
}

function tally(values) {
  const counts = new Map();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n}× ${v}`).join(', ');
}

/** POSTs `body` over a kept-alive agent; resolves with status and ms. */
function post(agent, url, body) {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const req = https.request(
      `${url}/validate?timeout=10s`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          if (text.length < 4096) text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - startedAt, text }));
      },
    );
    req.on('error', (error) => resolve({ status: error.code ?? 'error', ms: performance.now() - startedAt }));
    req.end(body);
  });
}

function verdictOf(result) {
  if (result.status !== 200) return `HTTP ${result.status}`;
  try {
    const reply = JSON.parse(result.text);
    if (reply.response.allowed) return 'allowed';
    // Why: not analysed (a limit, the deadline, a full queue) or scored.
    const message = reply.response.status?.message ?? '';
    const unanalysed = /could not analyse this \w+: ([^;]*)/.exec(message)?.[1];
    if (unanalysed) return `denied (${unanalysed})`;
    return /analysis-incomplete/.test(message) ? 'denied (analysis-incomplete)' : 'denied';
  } catch {
    return 'HTTP 200, not JSON';
  }
}

/** Two connections posting `review` back to back for the healthy traffic's duration. */
async function loopReview(server, review) {
  const body = JSON.stringify(review);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 2, rejectUnauthorized: false });
  const results = [];
  const until = performance.now() + healthySeconds * 1000;
  const loop = async () => {
    while (performance.now() < until) results.push(await post(agent, server.url, body));
  };
  await Promise.all([loop(), loop()]);
  agent.destroy();
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  return `${(body.length / 1e6).toFixed(2)} MB × ${results.length}: ${tally(results.map(verdictOf))}; median ${ms[Math.floor(ms.length / 2)]?.toFixed(0)} ms`;
}

// ---- the attacks -----------------------------------------------------------------------------------

const ATTACKS = [
  {
    name: 'none',
    what: 'healthy traffic alone (the baseline)',
    async run() {
      await sleep(healthySeconds * 1000);
      return '';
    },
  },
  {
    name: 'stalled-bodies',
    what: '32 bodies announced 0.25-8 MiB, all but the last byte sent, never finished',
    async run(server) {
      const filler = Buffer.alloc(8 * MiB, 'a');
      const connections = [];
      for (let i = 0; i < 32; i++) {
        const size = Math.round(0.25 * MiB + (i * (7.75 * MiB)) / 31);
        const c = connect(server.port);
        connections.push(c);
        void c.ready.then(() => {
          c.socket.write(
            `POST /validate?timeout=10s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n{"a":"`,
          );
          c.socket.write(filler.subarray(0, size - 7));
        });
      }
      const result = await hold(connections);
      return `replies: ${tally(connections.map((c) => c.status()))}; ${held(result)}`;
    },
  },
  {
    name: 'label-cardinality',
    what: '15,000 reviews with random request.kind.kind or namespace, then GET /metrics',
    async run(server) {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
      const small = job('x', [{ name: 'x', image: 'busybox:1.36', command: ['true'] }]);
      let sent = 0;
      const statuses = [];
      const worker = async () => {
        while (sent < 15_000) {
          const i = sent++;
          const random = Math.random().toString(36).slice(2, 12);
          const review =
            i % 2 === 0
              ? reviewOf({ ...small, kind: `K${random}` }, { kind: `K${random}` })
              : reviewOf(small, { namespace: `ns-${random}` });
          statuses.push((await post(agent, server.url, JSON.stringify(review))).status);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      agent.destroy();
      const startedAt = performance.now();
      const metrics = await new Promise((resolve) => {
        http
          .get(`${server.metricsUrl}/metrics`, (res) => {
            let bytes = 0;
            res.on('data', (c) => (bytes += c.length));
            res.on('end', () => resolve({ status: res.statusCode, bytes }));
          })
          .on('error', (error) => resolve({ status: error.code, bytes: 0 }));
      });
      return `reviews: ${tally(statuses)}; /metrics HTTP ${metrics.status}, ${(metrics.bytes / 1024).toFixed(0)} KiB in ${(performance.now() - startedAt).toFixed(0)} ms`;
    },
  },
  {
    name: 'heavy-loop',
    what: 'two connections looping a 1.46 MB review (100 containers of 14 KiB scripts)',
    run: (server) => loopReview(server, heavyReview()),
  },
  {
    name: 'heavy-under-limits',
    what: 'two connections looping the heaviest review under the analysis limits (36 containers of 14,000-character scripts)',
    run: (server) => loopReview(server, heavyUnderLimitsReview()),
  },
  {
    name: 'heavy-python',
    what: 'two connections looping 470 KiB of Python statements in one container (under the limits and the work budget)',
    run: (server) => loopReview(server, heavyPythonReview()),
  },
  {
    name: 'slowloris',
    what: '200 TLS connections sending one header line a second, never ending the headers',
    async run(server) {
      const connections = Array.from({ length: 200 }, () => connect(server.port));
      for (const c of connections) {
        void c.ready.then(() => {
          c.socket.write('POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\n');
          const timer = setInterval(() => c.socket.write(`X-Slow-${Date.now()}: 1\r\n`), 1000);
          void c.closed.then(() => clearInterval(timer));
        });
      }
      const result = await hold(connections);
      return `replies: ${tally(connections.map((c) => c.status()))}; ${held(result)}`;
    },
  },
  {
    name: 'idle-tcp',
    what: '1,000 TCP connections that never start TLS',
    async run(server) {
      const connections = Array.from({ length: 1000 }, () => connect(server.port, { plain: true }));
      const result = await hold(connections);
      return held(result);
    },
  },
  {
    name: 'many-containers',
    what: 'one 2.93 MB review: 30,000 containers, each with a command',
    async run(server) {
      const body = JSON.stringify(manyContainersReview());
      const agent = new https.Agent({ keepAlive: false, rejectUnauthorized: false });
      const result = await post(agent, server.url, body);
      return `${(body.length / 1e6).toFixed(2)} MB: ${verdictOf(result)} in ${result.ms.toFixed(0)} ms`;
    },
  },
];

// ---- run -------------------------------------------------------------------------------------------

const rows = [];
for (const attack of ATTACKS) {
  if (only && !only.includes(attack.name)) continue;
  const server = await startServer();
  let exited = '';
  server.child.once('exit', (code, signal) => (exited = signal ?? `exit ${code}`));
  const healthy = healthyTraffic(server.url);
  // One second of healthy traffic first (load.mjs does not count its first second: TLS handshakes).
  await sleep(1000);
  await eventLoopStall(server);
  let notes;
  try {
    notes = await attack.run(server);
  } catch (error) {
    notes = `attack failed: ${error.message}`;
  }
  const load = await healthy;
  const stall = await eventLoopStall(server);
  const lived = await isAlive(server);
  const rss = peakRss(server.child.pid);
  await stop(server.child);
  // A fatal error's first line (V8's "heap out of memory", an uncaught exception) says why it died.
  const fatal = /FATAL ERROR: .*|Error: .*/.exec(server.stderr())?.[0];
  rows.push({
    attack,
    lived: lived ? 'yes' : `NO (${exited || 'not answering'}${fatal ? `: ${fatal}` : ''})`,
    rss,
    load,
    stall,
    notes,
  });
  process.stderr.write(`${attack.name}: done\n`);
}
apiServer.close();

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${bundle === BUNDLE ? 'jobguard bundle' : bundle}${serveArgs.length > 0 ? ` ${serveArgs.join(' ')}` : ''}, NODE_OPTIONS=${CHART_NODE_OPTIONS}, enforce mode, namespace labels on`,
);
console.log(
  `healthy traffic: ${healthyRate} reviews/s offered over ${healthyConnections} connections for ${healthySeconds} s beside each attack\n`,
);
console.log(
  '| attack | lived | peak RSS MiB | longest event-loop stall ms | healthy p50 ms | healthy p99 ms | healthy reviews/s | healthy failures | what the server did |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const failures = r.load.errors + r.load.timeouts + r.load.non2xx;
  console.log(
    `| ${r.attack.name} | ${r.lived} | ${fmt(r.rss)} | ${fmt(r.stall)} | ${fmt(r.load.p50, 1)} | ${fmt(r.load.p99, 1)} | ${fmt(r.load.requests)} | ${fmt(failures)} | ${r.notes || '–'} |`,
  );
}
console.log('');
for (const r of rows) console.log(`${r.attack.name}: ${r.attack.what}`);
