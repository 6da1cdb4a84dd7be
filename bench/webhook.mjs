// npm run bench: jobguard against a null handler, each in its own process, driven by a load
// generator in a third process (50 connections, HTTPS keep-alive). Two workloads:
//   mix     a cluster's traffic: every corpus workload (test/corpus) as a CronJob or Job, in
//           variants that differ in name, uid, labels and script, CREATE and UPDATE, and the Jobs
//           the CronJob controller makes, over 300 distinct bodies cycled through (setup.mjs);
//   single  one realistic ~2.8 KB CronJob review sent again and again, the earlier bench's line.
// Each server first gets BENCH_WARMUP (20) seconds of the mix, reported as `cold` and not counted
// in the mix's line: the figures of a server that has run for a while, as in a cluster.
// For each: req/s, p50, p99, and the server's own CPU time per review answered (utime + stime from
// /proc over the saturated run), which varies far less than req/s on a shared machine; jobguard's
// CPU per review minus the null handler's is what jobguard itself costs. The mix is also sent at a
// paced rate (tail latency with headroom, as a cluster sees it). Rounds alternate null and jobguard.
// After each jobguard run, the same mix through the handler in a loop without HTTP (bench/handler.mjs,
// from dist/): the engine's cost in a loop, measured in the same minute as the server's; and each
// body through the whole route in one process (bench/route.mjs: fastify inject, no TLS, no load
// generator beside it), jobguard's route against the null one: the steadiest figure of jobguard's
// own cost on a shared machine.
// BENCH_NODE=/path/to/node runs the servers and the in-process figures on another Node (the image
// runs Node 24; the machine's may be older).
// jobguard runs as the image and the chart deploy it: the one-file bundle, namespace labels on
// (client-node watching a stand-in API server, as in a cluster), info logging, and the heap limit
// the chart derives from its default 256Mi memory limit. BENCH_BARE=1 drops the API server and
// the heap limit.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  BUNDLE,
  cpuSeconds,
  mixedReviews,
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
/**
 * Seconds of the mix, unmeasured, before the measured runs: a server that has just started runs its
 * code unoptimized, and with 300 distinct reviews every code path needs many visits before V8
 * compiles it (on this machine the first 8 s ran 200 reviews/s, the third 1,400). A cluster's
 * webhook runs for days; the warm-up's own figures are printed as the `cold` line.
 */
const warmup = Number(process.env.BENCH_WARMUP ?? 20);
/** The Node that runs the servers and the in-process loops. */
const node = process.env.BENCH_NODE ?? process.execPath;
const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
const { dir, certFile, keyFile } = await scratch('jobguard-bench-');
const review = realisticReview();
const bare = process.env.BENCH_BARE === '1';
const apiServer = await standInApiServer(dir);
const kubeconfig = apiServer.kubeconfig;

const bodyFile = join(dir, 'review.json');
writeFileSync(bodyFile, JSON.stringify(review));
const mix = mixedReviews();
const mixFile = join(dir, 'mix.jsonl');
writeFileSync(mixFile, mix.reviews.map((r) => JSON.stringify(r)).join('\n') + '\n');
const mixBytes = mix.reviews.reduce((n, r) => n + JSON.stringify(r).length, 0) / mix.reviews.length;

/** Runs the load generator against `url` with the bodies in `file`; with `pid`, also the server's CPU µs per answer. */
function drive(url, file, offered, pid, seconds = duration) {
  const before = pid ? cpuSeconds(pid) : 0;
  const out = execFileSync(
    process.execPath,
    [
      join(root, 'bench/load.mjs'),
      `${url}/validate?timeout=10s`,
      file,
      String(connections),
      String(seconds),
      ...(offered ? [String(offered)] : []),
    ],
    {
      env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
    },
  );
  const result = JSON.parse(out.trim().split('\n').pop());
  const answered = result.total - result.errors - result.timeouts;
  return { ...result, cpuUs: pid ? ((cpuSeconds(pid) - before) * 1e6) / answered : NaN };
}

/** CPU µs per review of the same work without HTTP (bench/handler.mjs, dist/), in a process of its own, now. */
function handlerLoop(file) {
  const out = execFileSync(node, [join(root, 'bench/handler.mjs'), file, '10000'], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()).cpuUs;
}

/** CPU µs per review of jobguard's route and the null route in one process (bench/route.mjs), now. */
function routeInProcess(file) {
  const out = execFileSync(node, [join(root, 'bench/route.mjs'), file, '20000'], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

const rows = [];
const loops = [];
const routes = [];
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
    const { child, started } = start(args, env, { node });
    const readyMs = await waitReady(url, started);
    const cold = warmup > 0 ? drive(url, mixFile, undefined, child.pid, warmup) : undefined;
    const mixed = drive(url, mixFile, undefined, child.pid);
    const paced = rate > 0 ? drive(url, mixFile, rate) : undefined;
    const single = drive(url, bodyFile, undefined, child.pid);
    const rss = peakRss(child.pid);
    await stop(child);
    rows.push({ round, name, readyMs, rss, cold, mix: { ...mixed, paced }, single });
    if (name === 'jobguard') {
      loops.push(handlerLoop(mixFile));
      routes.push({ mix: routeInProcess(mixFile), single: routeInProcess(bodyFile) });
    }
  }
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
apiServer.close();
const t = mix.tally;
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, node ${nodeVersion}; ${connections} connections, ${duration} s per run`,
);
console.log(
  `mix: ${mix.reviews.length} distinct reviews, mean ${fmt(mixBytes)} bytes (${t.benign} benign, ${t.infrastructure} infrastructure, ${t.attack} attack; ${t.CronJob} CronJob, ${t.Job} Job; ${t.CREATE} CREATE, ${t.UPDATE} UPDATE); single: one ${JSON.stringify(review).length}-byte CronJob review`,
);
console.log(
  bare
    ? 'jobguard: no API server, default heap (BENCH_BARE=1)'
    : `jobguard: as the chart runs it (namespace labels from a stand-in API server, NODE_OPTIONS=${CHART_NODE_OPTIONS})`,
);
const pacedHeader = rate > 0 ? `  mix p50/p99 ms at ${rate}/s` : '';
console.log(
  `\nround  server    body     req/s   p50 ms  p99 ms  CPU µs/review  errors  non2xx  peak RSS MiB  ready ms${pacedHeader}`,
);
for (const r of rows) {
  for (const body of [...(r.cold ? ['cold'] : []), 'mix', 'single']) {
    const x = r[body];
    const paced =
      x.paced !== undefined
        ? `  ${`${fmt(x.paced.p50, 1)} / ${fmt(x.paced.p99, 1)}`.padStart(pacedHeader.length - 2)}`
        : '';
    console.log(
      `${String(r.round).padEnd(6)} ${r.name.padEnd(9)} ${body.padEnd(6)} ${fmt(x.requests).padStart(7)} ${fmt(x.p50, 1).padStart(8)} ${fmt(x.p99, 1).padStart(7)} ${fmt(x.cpuUs).padStart(14)} ${String(x.errors + x.timeouts).padStart(7)} ${String(x.non2xx).padStart(7)} ${body === 'mix' ? fmt(r.rss, 1).padStart(13) : ''.padStart(13)} ${body === 'mix' ? fmt(r.readyMs).padStart(9) : ''.padStart(9)}${paced}`,
    );
  }
}

/** Per round: jobguard's ratio to null and its CPU µs per review minus null's, for one body. */
function compare(body) {
  const ratios = [];
  const cost = [];
  for (let round = 1; round <= rounds; round += 1) {
    const base = rows.find((r) => r.round === round && r.name === 'null')[body];
    const ours = rows.find((r) => r.round === round && r.name === 'jobguard')[body];
    ratios.push(ours.requests / base.requests);
    cost.push(ours.cpuUs - base.cpuUs);
  }
  const nul = rows.filter((r) => r.name === 'null').map((r) => r[body].cpuUs);
  const ours = rows.filter((r) => r.name === 'jobguard').map((r) => r[body].cpuUs);
  return { ratios, cost, nul: median(nul), ours: median(ours) };
}
console.log('');
for (const body of [...(warmup > 0 ? ['cold'] : []), 'mix', 'single']) {
  const c = compare(body);
  console.log(
    `${body.padEnd(6)} CPU per review: jobguard ${fmt(c.ours)} µs, null ${fmt(c.nul)} µs; jobguard's own ${c.cost.map((x) => `${fmt(x)} µs`).join(', ')} (median ${fmt(median(c.cost))}${body === 'mix' ? '; target ≤ 60' : ''}); saturation ratio ${c.ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median(c.ratios).toFixed(2)}${body === 'mix' ? '; target ≥ 0.6' : ''})`,
  );
}
console.log(
  `mix    the same reviews without HTTP (JSON.parse + handleReview in a loop, after each jobguard run): ${loops.map((x) => `${fmt(x)} µs`).join(', ')} CPU per review`,
);
for (const body of ['mix', 'single']) {
  const own = routes.map((r) => r[body].jobguard - r[body].null);
  console.log(
    `${body.padEnd(6)} the route in one process (fastify inject, no TLS, no load generator; after each jobguard run): jobguard ${routes.map((r) => fmt(r[body].jobguard)).join(', ')} µs, null ${routes.map((r) => fmt(r[body].null)).join(', ')} µs; jobguard's own ${own.map((x) => `${fmt(x)} µs`).join(', ')} (median ${fmt(median(own))})`,
  );
}
const ours = rows.filter((r) => r.name === 'jobguard');
const theirs = rows.filter((r) => r.name === 'null');
const peak = Math.max(...ours.map((r) => r.rss));
const ready = Math.max(...ours.map((r) => r.readyMs));
const errorsOf = (x) => x.errors + x.timeouts + x.non2xx;
const errors = ours.reduce(
  (n, r) =>
    n +
    errorsOf(r.mix) +
    errorsOf(r.single) +
    (r.mix.paced ? errorsOf(r.mix.paced) : 0) +
    (r.cold ? errorsOf(r.cold) : 0),
  0,
);
if (rate > 0) {
  const p99 = median(ours.map((r) => r.mix.paced.p99));
  const nullP99 = median(theirs.map((r) => r.mix.paced.p99));
  console.log(
    `mix p99 at ${rate} req/s offered: jobguard ${fmt(p99, 1)} ms, null ${fmt(nullP99, 1)} ms, difference ${fmt(p99 - nullP99, 1)} ms (medians; target ≤ 2)`,
  );
}
console.log(
  `jobguard peak RSS ${fmt(peak, 1)} MiB (target < 150); ready ${fmt(ready)} ms (target < 1000); errors and non-2xx ${errors} (target 0)`,
);
