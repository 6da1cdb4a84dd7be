// The webhook's handler without HTTP: JSON.parse and handleReview over review bodies, cycled, in
// this process. `npm run bench` runs it as a process of its own between the server runs (the gap
// between this and the server's CPU per review is what HTTP, TLS, the route and running among other
// work cost); `npm run bench:engine` prints it for the mix and the single review.
//   handler.mjs FILE ITERATIONS   prints {"cpuUs": …} for the bodies in FILE (one per line)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { handleReview } from '../dist/admission/review.js';
import { createEngine } from '../dist/engine.js';
import { DEFAULT_POLICY } from '../dist/policy/schema.js';

/** CPU µs per review of JSON.parse + handleReview, cycling through `texts`, after a warm-up. */
export function handlerCpu(texts, iterations, engine = createEngine(DEFAULT_POLICY)) {
  const now = new Date();
  const run = (n) => {
    for (let i = 0; i < n; i++) handleReview(JSON.parse(texts[i % texts.length]), { engine, now });
  };
  run(Math.max(texts.length * 3, iterations / 5));
  const before = process.cpuUsage();
  run(iterations);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, iterations] = process.argv.slice(2);
  const texts = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  process.stdout.write(JSON.stringify({ cpuUs: handlerCpu(texts, Number(iterations ?? 10000)) }) + '\n');
}
