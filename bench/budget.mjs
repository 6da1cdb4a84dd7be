// npm run bench:budget: calibrates the analysis work budget (workload/execution.ts DEFAULT_BUDGET)
// and the webhook's inline budget (server/analysis.ts INLINE_BUDGET) against CPU time, against
// dist/ after `npm run build`. Prints, for hostile inputs at the webhook's analysis limits (512 KiB
// of commands, args and env values; 100 containers) analysed without a budget: the work units they
// spend, CPU ms, units per ms; then the CPU ms each takes under the default budget (where it stops);
// then the most units any object of the test corpus spends, against both budgets.
// Every figure is the best of 3 runs (the least disturbed by other load on the machine).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { assess, createEngine } from '../dist/engine.js';
import { DEFAULT_POLICY } from '../dist/policy/schema.js';
import { INLINE_BUDGET } from '../dist/server/analysis.js';
import { DEFAULT_BUDGET } from '../dist/workload/execution.js';
import { maintenanceScript } from './setup.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const engine = createEngine(DEFAULT_POLICY);
const NOW = new Date('2026-11-27T12:00:00Z');
const UNBOUNDED = 1e12;

/** Best CPU ms of `runs` analyses of `object` with `budget` units, and the units spent. */
function measure(object, budget, runs = 3) {
  let ms = Infinity;
  let units = 0;
  for (let i = 0; i < runs; i++) {
    const left = { left: budget };
    const copy = JSON.parse(JSON.stringify(object));
    const before = process.cpuUsage();
    assess(engine, copy, { now: NOW, budget: left });
    const used = process.cpuUsage(before);
    ms = Math.min(ms, (used.user + used.system) / 1000);
    units = budget - left.left;
  }
  return { ms, units };
}

const job = (containers) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'x', namespace: 'reports' },
  spec: { template: { spec: { restartPolicy: 'Never', containers } } },
});
const one = (command) => job([{ name: 'c', image: 'busybox:1.36', command }]);

const fill = (unit, bytes) => unit.repeat(Math.floor(bytes / unit.length));
const KiB = 1024;
const HOSTILE = {
  '36 containers × 14,000-char scripts (bench:hostile)': job(
    Array.from({ length: 36 }, (_, i) => ({
      name: `c${i}`,
      image: 'busybox:1.36',
      command: ['/bin/sh', '-c', maintenanceScript(14_000, i)],
    })),
  ),
  '420 KiB shell script': one(['sh', '-c', maintenanceScript(420 * KiB, 1)]),
  '470 KiB Python statements': one([
    'python3',
    '-c',
    fill('import os\nx = os.environ.get("A", "b") + str(1)\n', 470 * KiB),
  ]),
  'recursive Python function': one(['python3', '-c', 'def f(n):\n  return f(n-1) + f(n-1)\nf(40)\n']),
  '500 KiB nested substitutions': one([
    'sh',
    '-c',
    fill('echo $(echo $(echo $(echo $(echo $(echo $(echo $(echo a)))))));', 500 * KiB),
  ]),
  '500 KiB eval in nested loops': one([
    'sh',
    '-c',
    fill(
      'for a in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do for b in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do eval "echo $a$b; curl x"; done; done\n',
      500 * KiB,
    ),
  ]),
};

console.log(
  `DEFAULT_BUDGET ${DEFAULT_BUDGET.toLocaleString('en-US')} units, INLINE_BUDGET ${INLINE_BUDGET.toLocaleString('en-US')} units; node ${process.version}\n`,
);
console.log('| input | units (no budget) | CPU ms | units/ms | CPU ms at DEFAULT_BUDGET | stopped by it |');
console.log('|---|---|---|---|---|---|');
for (const [name, object] of Object.entries(HOSTILE)) {
  const free = measure(object, UNBOUNDED);
  const capped = measure(object, DEFAULT_BUDGET);
  console.log(
    `| ${name} | ${free.units.toLocaleString('en-US')} | ${free.ms.toFixed(1)} | ${(free.units / free.ms).toFixed(0)} | ${capped.ms.toFixed(1)} | ${capped.units >= DEFAULT_BUDGET ? 'yes' : 'no'} |`,
  );
}

let most = { units: 0, name: '' };
let objects = 0;
for (const group of ['attack', 'benign', 'infrastructure']) {
  const dir = `${root}test/corpus/${group}/`;
  for (const file of readdirSync(dir)) {
    for (const doc of parseAllDocuments(readFileSync(dir + file, 'utf8'))) {
      const object = doc.toJS();
      if (typeof object !== 'object' || object === null) continue;
      objects++;
      const { units } = measure(object, UNBOUNDED, 1);
      if (units > most.units) most = { units, name: `${group}/${file}` };
    }
  }
}
console.log(
  `\ncorpus: ${objects} objects; the most any spends is ${most.units} units (${most.name}): 1/${Math.floor(INLINE_BUDGET / most.units)} of INLINE_BUDGET, 1/${Math.floor(DEFAULT_BUDGET / most.units)} of DEFAULT_BUDGET`,
);
