/**
 * Where a review is analysed: on the event loop when it is light (nearly all are), on a worker
 * thread when it is heavy, so one heavy review cannot hold up the rest.
 *
 * Node answers every request on one thread: a review that costs 250 ms of CPU (36 containers of
 * 14 KB scripts, under every analysis limit) holds up every other review for 250 ms, and two
 * connections looping it starve the healthy ones. The cost of a review is not known before it is
 * analysed (a short script can nest substitutions), so each review is first analysed inline with a
 * small work budget (INLINE_BUDGET, far above every everyday object); only one that spends it all
 * is analysed again on a worker thread, with the full budget and a deadline. A light review never
 * pays for a thread hop.
 *
 * Off the event loop, every heavy review gets its answer within the deadline, counted from its
 * arrival in the queue: past it, the worker is stopped (and replaced) and the review is answered as
 * not analysed. So is a review that finds the queue full, and one whose worker died (out of
 * memory): what cannot be analysed fails closed (server/fallback.ts), in the namespace's mode. A
 * full queue is answered that way rather than with 429 because a 429 is a failed webhook call, and
 * the API server's failurePolicy (often Ignore) would then admit the object unanalysed.
 *
 * The worker is this module started with `workerData` (see the end of this file): from `dist/` this
 * file, from the image its own bundle beside the server's (scripts/bundle.mjs: analysis-worker.mjs),
 * or, when that is missing, the server's one-file bundle itself (main.ts starts no command in a
 * worker).
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { handleReview, reviewedObject, type ReviewContext, type ReviewOutcome } from '../admission/review.js';
import type { AdmissionReviewRequest, AdmissionReviewResponse } from '../admission/schema.js';
import { createEngine, scoreObject, type Engine } from '../engine.js';
import type { Policy } from '../policy/schema.js';
import type { Score } from '../scoring/types.js';
import { DEFAULT_BUDGET } from '../workload/execution.js';
import type { KubeObject } from '../workload/types.js';
import type { Metrics } from './metrics.js';

/**
 * Work units a review may spend on the event loop before it is moved to a worker: a few ms of CPU
 * (1,300-5,000 units a millisecond, bench/budget.mjs), 14 times the most any object of the test
 * corpus spends (694 units). Measured inline before the move, on the heaviest objects under the
 * analysis limits: 1.6 ms (shell) and 4.4 ms (Python) at 10,000 units, against 32 ms and 10 ms at
 * 20,000 (a 14,000-character script is charged whole before it is parsed: under 10,000 it is
 * refused at once, under 20,000 one is analysed before the next is refused).
 */
export const INLINE_BUDGET = 10_000;
/** Worker threads for heavy reviews; 0 analyses every review inline with the full budget. */
export const DEFAULT_ANALYSIS_WORKERS = 1;
/**
 * How long a heavy review may wait and be analysed, ms: under the chart's webhook timeout (3 s), so
 * the API server gets jobguard's answer and not a timeout its failurePolicy decides.
 */
export const DEFAULT_ANALYSIS_DEADLINE_MS = 2_000;
/** Heavy reviews waiting per worker; beyond, one more is answered as not analysed at once. */
export const QUEUE_PER_WORKER = 4;
/**
 * A worker with nothing to do for this long is stopped, ms; the next heavy review starts another.
 * An idle worker holds ~33 MiB (its own heap and a copy of the engine) that everyday traffic, which
 * never spends the inline budget, has no use for; starting one costs ~110-120 ms of the first heavy
 * review's deadline.
 */
const WORKER_IDLE_MS = 60_000;
/**
 * Heap of one worker thread, MiB: the chart's 256Mi memory limit holds the main heap (128) and this.
 * The heaviest objects under the analysis limits need more than 48. The young generation is kept
 * small: measured on those objects, 4 MiB instead of V8's default lowers peak RSS by 24 MiB for no
 * measurable CPU.
 */
const WORKER_HEAP_MB = 64;
const WORKER_YOUNG_HEAP_MB = 4;

const WORKER_ROLE = 'jobguard-analysis';

/**
 * What a worker is asked: score `object` under `policy` with `budget` units.
 * @internal
 */
export interface ScoreJob {
  /** Changes when the policy does: the worker builds its engine once per policy. */
  policyId: number;
  policy: Policy;
  object: KubeObject;
  budget: number;
}

/**
 * A worker that died (out of memory, cannot start): its review fails closed, the pool replaces it.
 * @internal
 */
export class ScorerDied extends Error {
  override name = 'ScorerDied';
}

/** One thread scoring one object at a time; threadScorer is the real one, tests pass their own. */
export interface Scorer {
  /** Rejects with ScorerDied when the thread dies, with an Error when the scoring threw (a bug). */
  score(job: ScoreJob): Promise<Score | undefined>;
  /** Stops the thread now (past the deadline); it is not used again. */
  terminate(): void;
}

interface AnalysisOptions {
  /** Worker threads; 0: every review inline with `budget`. */
  workers: number;
  /** Per heavy review, from its arrival in the queue to its answer. */
  deadlineMs: number;
  /** Work units a review may spend in all; DEFAULT_BUDGET. */
  budget?: number;
  /** Work units a review may spend on the event loop; INLINE_BUDGET. */
  inlineBudget?: number;
  /** Heavy reviews waiting at once; QUEUE_PER_WORKER per worker. */
  queue?: number;
  /** A worker idle this long is stopped; WORKER_IDLE_MS. */
  idleMs?: number;
}

/** A review answered by the engine, or one not analysed and why ("its analysis took longer than 2 s"). */
export type Analysed = { reply: AdmissionReviewResponse; outcome: ReviewOutcome } | { unanalysed: string };

interface Pending {
  job: ScoreJob;
  /** performance.now() past which the review is answered as not analysed. */
  expires: number;
  done(score: Score | undefined): void;
  fail(reason: string): void;
  error(error: unknown): void;
}

interface Slot {
  scorer: Scorer | undefined;
  busy: boolean;
  /** Answers the review on this worker now (shutting down); set while one runs. */
  abandon?: (() => void) | undefined;
  /** Stops the idle worker when it fires; set while the worker waits for work. */
  idle?: NodeJS.Timeout | undefined;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export class Analysis {
  readonly #options: Required<AnalysisOptions>;
  readonly #slots: Slot[];
  readonly #queue: Pending[] = [];
  readonly #policyIds = new WeakMap<Engine, number>();
  #nextPolicyId = 1;
  #closed = false;

  constructor(
    options: AnalysisOptions,
    private readonly startScorer: () => Scorer = threadScorer,
    private readonly metrics?: Metrics,
  ) {
    this.#options = {
      budget: DEFAULT_BUDGET,
      inlineBudget: INLINE_BUDGET,
      queue: QUEUE_PER_WORKER * options.workers,
      idleMs: WORKER_IDLE_MS,
      ...options,
    };
    this.#slots = Array.from({ length: options.workers }, () => ({ scorer: undefined, busy: false }));
  }

  /** Stops the workers; heavy reviews still waiting are answered as not analysed. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) pending.fail('jobguard is shutting down');
    for (const slot of this.#slots) {
      slot.abandon?.();
      this.#retire(slot);
    }
  }

  /** Scores one review: synchronously when it is light, on a worker when it spends the inline budget. */
  review(review: AdmissionReviewRequest, context: ReviewContext): Analysed | Promise<Analysed> {
    const { workers, budget, inlineBudget } = this.#options;
    if (workers === 0) return handleReview(review, { ...context, budget: { left: budget } });
    const inline = { left: Math.min(inlineBudget, budget) };
    const answer = handleReview(review, { ...context, budget: inline });
    if (inline.left > 0 || inlineBudget >= budget) return answer;
    return this.#offload(review, context);
  }

  #offload(review: AdmissionReviewRequest, context: ReviewContext): Promise<Analysed> {
    const { request } = review;
    const object = reviewedObject(request.object ?? {}, request.kind.kind);
    return new Promise<Analysed>((resolve, reject) => {
      if (this.#closed) {
        resolve({ unanalysed: 'jobguard is shutting down' });
        return;
      }
      if (this.#queue.length >= this.#options.queue) {
        this.metrics?.offloaded.inc({ result: 'queue_full' });
        resolve({ unanalysed: 'too many heavy objects are waiting for analysis' });
        return;
      }
      this.#queue.push({
        job: {
          policyId: this.#policyId(context.engine),
          policy: context.engine.policy,
          object,
          budget: this.#options.budget,
        },
        expires: performance.now() + this.#options.deadlineMs,
        // Decided here with the worker's score; the budget of 0 keeps anything that would read the
        // execution model again from analysing on this thread.
        done: (score) => {
          resolve(handleReview(review, { ...context, budget: { left: 0 }, ...(score ? { score } : {}) }));
        },
        fail: (reason) => {
          resolve({ unanalysed: reason });
        },
        error: reject,
      });
      this.#dispatch();
    });
  }

  #policyId(engine: Engine): number {
    let id = this.#policyIds.get(engine);
    if (id === undefined) {
      id = this.#nextPolicyId++;
      this.#policyIds.set(engine, id);
    }
    return id;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.busy) continue;
      let pending = this.#queue.shift();
      while (pending && performance.now() >= pending.expires) {
        this.#expire(pending);
        pending = this.#queue.shift();
      }
      if (!pending) {
        this.#idle();
        return;
      }
      this.#run(slot, pending);
    }
  }

  /** Every running worker without work is stopped once it has waited `idleMs` for some. */
  #idle(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (slot.busy || slot.scorer === undefined || slot.idle !== undefined) continue;
      slot.idle = setTimeout(() => {
        slot.idle = undefined;
        if (!slot.busy) this.#retire(slot);
      }, this.#options.idleMs);
      slot.idle.unref();
    }
  }

  #retire(slot: Slot): void {
    clearTimeout(slot.idle);
    slot.idle = undefined;
    slot.scorer?.terminate();
    slot.scorer = undefined;
  }

  #expire(pending: Pending): void {
    this.metrics?.offloaded.inc({ result: 'deadline' });
    pending.fail(`its analysis took longer than ${seconds(this.#options.deadlineMs)}`);
  }

  #run(slot: Slot, pending: Pending): void {
    clearTimeout(slot.idle);
    slot.idle = undefined;
    // Started on the first heavy review, not with the server: most never see one.
    const scorer = (slot.scorer ??= this.startScorer());
    slot.busy = true;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      slot.busy = false;
      slot.abandon = undefined;
      return true;
    };
    slot.abandon = () => {
      if (settle()) pending.fail('jobguard is shutting down');
    };
    const timer = setTimeout(
      () => {
        if (!settle()) return;
        scorer.terminate();
        if (slot.scorer === scorer) slot.scorer = undefined;
        this.#expire(pending);
        this.#dispatch();
      },
      Math.max(0, pending.expires - performance.now()),
    );
    scorer.score(pending.job).then(
      (score) => {
        if (!settle()) return;
        this.metrics?.offloaded.inc({ result: 'scored' });
        pending.done(score);
        this.#dispatch();
      },
      (error: unknown) => {
        if (!settle()) return;
        if (error instanceof ScorerDied) {
          if (slot.scorer === scorer) slot.scorer = undefined;
          this.metrics?.offloaded.inc({ result: 'failed' });
          pending.fail(`its analysis failed (${error.message})`);
        } else {
          this.metrics?.offloaded.inc({ result: 'error' });
          pending.error(error);
        }
        this.#dispatch();
      },
    );
  }
}

interface WorkerReply {
  score?: Score;
  error?: string;
}

/** The worker's own bundle beside the server's bundle (scripts/bundle.mjs), else this module (or the bundle holding it). */
function workerEntry(): URL {
  const bundled = new URL('./analysis-worker.mjs', import.meta.url);
  return existsSync(bundled) ? bundled : new URL(import.meta.url);
}

/**
 * A worker thread running this module (`entry`: a file holding it). Its heap is capped: an object
 * that would need more ends that worker, not the process.
 */
export function threadScorer(entry: URL = workerEntry()): Scorer {
  const worker = new Worker(entry, {
    workerData: { role: WORKER_ROLE },
    resourceLimits: {
      maxOldGenerationSizeMb: WORKER_HEAP_MB,
      maxYoungGenerationSizeMb: WORKER_YOUNG_HEAP_MB,
    },
  });
  // The worker never keeps the process alive: the server's sockets do while reviews are pending.
  worker.unref();
  let current: { resolve(score: Score | undefined): void; reject(error: Error): void } | undefined;
  let died: ScorerDied | undefined;
  const die = (error: ScorerDied): void => {
    died ??= error;
    current?.reject(died);
    current = undefined;
  };
  worker.on('message', (reply: WorkerReply) => {
    const job = current;
    current = undefined;
    if (reply.error !== undefined) job?.reject(new Error(reply.error));
    else job?.resolve(reply.score);
  });
  worker.on('error', (error: Error & { code?: string }) => {
    die(
      new ScorerDied(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out of memory' : `worker error: ${error.message}`,
      ),
    );
  });
  worker.on('exit', (code) => {
    die(new ScorerDied(`worker exited with code ${code}`));
  });
  return {
    score(job) {
      if (died) return Promise.reject(died);
      return new Promise((resolve, reject) => {
        current = { resolve, reject };
        worker.postMessage(job);
      });
    },
    terminate() {
      died ??= new ScorerDied('terminated');
      void worker.terminate();
    },
  };
}

/** The worker's side: scores each object it is sent, building an engine once per policy. */
function serveScores(port: MessagePort): void {
  let cached: { id: number; engine: Engine } | undefined;
  port.on('message', (job: ScoreJob) => {
    let reply: WorkerReply;
    try {
      if (cached?.id !== job.policyId) cached = { id: job.policyId, engine: createEngine(job.policy) };
      const score = scoreObject(cached.engine, job.object, { left: job.budget });
      reply = score ? { score } : {};
    } catch (error) {
      reply = { error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
}

/** True in a worker thread started by threadScorer: main.ts then starts no command. */
export const isAnalysisWorker =
  !isMainThread && (workerData as { role?: unknown } | null)?.role === WORKER_ROLE;

if (isAnalysisWorker && parentPort) serveScores(parentPort);
