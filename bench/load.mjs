// The load generator, in a process of its own (in the server's process it halves throughput).
// Prints autocannon's result as one JSON line.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

const [url, bodyFile, connections, duration] = process.argv.slice(2);
const result = await autocannon({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: readFileSync(bodyFile, 'utf8'),
  connections: Number(connections),
  duration: Number(duration),
  pipelining: 1,
});
process.stdout.write(
  JSON.stringify({
    requests: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  }) + '\n',
);
