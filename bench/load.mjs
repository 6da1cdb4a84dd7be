// The load generator, in a process of its own (in the server's process it halves throughput).
// Prints one JSON line: requests/s, total, p50, p99 (ms), errors, timeouts, non-2xx.
// BODY is a file of one review, or (*.jsonl) of one review per line that the requests cycle through.
//   load.mjs URL BODY CONNECTIONS SECONDS          closed loop (autocannon): every connection sends
//                                                  its next request as soon as it has an answer
//   load.mjs URL BODY CONNECTIONS SECONDS RATE     open loop: RATE requests a second, evenly spaced,
//                                                  over at most CONNECTIONS kept-alive sockets
// autocannon's own rate limit sends each second's quota in a burst at the start of the second, so
// its latencies measure the burst, not the server: the open loop here spaces requests evenly.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { performance } from 'node:perf_hooks';

const [url, bodyFile, connections, duration, rate] = process.argv.slice(2);
const bodies = bodyFile.endsWith('.jsonl')
  ? readFileSync(bodyFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
  : [readFileSync(bodyFile, 'utf8')];
let sent = 0;
/** The next body in turn. */
const nextBody = () => bodies[sent++ % bodies.length];

function percentile(sorted, p) {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function closedLoop() {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(bodies.length === 1
      ? { body: bodies[0] }
      : {
          requests: [
            {
              setupRequest: (request) => {
                request.body = nextBody();
                return request;
              },
            },
          ],
        }),
    connections: Number(connections),
    duration: Number(duration),
    pipelining: 1,
  });
  return {
    requests: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

async function openLoop(perSecond) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: Number(connections) });
  const latencies = [];
  let errors = 0;
  let non2xx = 0;
  // The first second opens the sockets (TLS handshakes); its latencies are not counted.
  let warmUntil = 0;
  const send = () =>
    new Promise((resolve) => {
      const started = performance.now();
      const counted = started >= warmUntil;
      const req = https.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (counted) latencies.push(performance.now() - started);
            if (res.statusCode < 200 || res.statusCode > 299) non2xx += 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(nextBody());
    });
  const pending = [];
  const begin = performance.now();
  warmUntil = begin + 1000;
  const end = warmUntil + Number(duration) * 1000;
  const interval = 1000 / perSecond;
  let next = begin;
  while (next < end) {
    // Send every request whose time has come, then sleep until the next one is due.
    while (next <= performance.now() && next < end) {
      pending.push(send());
      next += interval;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  await Promise.all(pending);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length / Number(duration),
    total: latencies.length,
    p50: Math.round(percentile(sorted, 50) * 10) / 10,
    p99: Math.round(percentile(sorted, 99) * 10) / 10,
    errors,
    timeouts: 0,
    non2xx,
  };
}

const result = rate ? await openLoop(Number(rate)) : await closedLoop();
process.stdout.write(JSON.stringify(result) + '\n');
