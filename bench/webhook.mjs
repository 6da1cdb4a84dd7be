// npm run bench: jobguard against a null handler, each in its own process, driven by autocannon in a
// third process (50 connections, a realistic ~3 KB CronJob review, HTTPS keep-alive). Prints req/s,
// p50, p99, the ratio jobguard/null, what jobguard adds per request, its peak RSS and its time from
// start to ready. Machines here are shared and noisy: rounds alternate null and jobguard, and the
// ratio is per round.
// jobguard runs as the image and the chart deploy it: the one-file bundle, namespace labels on
// (client-node watching a stand-in API server, as in a cluster), info logging, and the heap limit
// the chart derives from its default 256Mi memory limit. BENCH_BARE=1 drops the API server and
// the heap limit.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  BUNDLE,
  CHART_NODE_OPTIONS,
  peakRss,
  realisticReview,
  root,
  scratch,
  standInApiServer,
  start,
  stop,
  waitReady,
} from './setup.mjs';

const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const duration = Number(process.env.BENCH_DURATION ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
/** A second run per server at this offered rate: tail latency with headroom, as a cluster sees it. */
const rate = Number(process.env.BENCH_RATE ?? 1000);
const { dir, certFile, keyFile } = await scratch('jobguard-bench-');
const review = realisticReview();
const bare = process.env.BENCH_BARE === '1';
const apiServer = await standInApiServer(dir);
const kubeconfig = apiServer.kubeconfig;

const bodyFile = join(dir, 'review.json');
writeFileSync(bodyFile, JSON.stringify(review));

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

const rows = [];
let port = 18443;
for (let round = 1; round <= rounds; round += 1) {
  for (const name of ['null', 'jobguard']) {
    port += 1;
    const url = `https://127.0.0.1:${port}`;
    const args =
      name === 'null'
        ? [join(root, 'bench/null-server.mjs'), String(port), certFile, keyFile]
        : [
            // The artifact the image runs (npm run bundle; the prebench script builds it).
            BUNDLE,
            'serve',
            '--port',
            String(port),
            '--tls-cert-file',
            certFile,
            '--tls-key-file',
            keyFile,
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
