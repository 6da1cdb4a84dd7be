import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError, getJson, isGone, isRecord, parseListPage, statusCodeOf } from './request.js';

/** A read-only mirror of one collection of the API server; lookups never touch the network. */
export interface Informer<T> {
  get(key: string): T | undefined;
  /** Every item, in no particular order. */
  values(): IterableIterator<T>;
  /** Grows with every change (a relist, an applied event): callers memoize what they derive on it. */
  version(): number;
  /** True once the first list has completed. */
  isSynced(): boolean;
  /** Last error from list/watch, if any (for readyz detail and logs). */
  lastError(): string | undefined;
  stop(): Promise<void>;
}

/** Timing knobs shared by every informer; the defaults suit a cluster, tests shorten them. */
export interface InformerTiming {
  /** Full relist this often: heals missed events and a watch whose TCP connection died silently. Default 10 min. */
  resyncMs?: number;
  /** Wait after the first failure, doubled per consecutive failure up to `maxBackoffMs`. Default 500 ms. */
  initialBackoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** Items per list page. Default 500. */
  pageSize?: number;
  /**
   * How long one list page, or a watch's response headers, may take before the attempt counts as
   * failed (and is retried with backoff). An API server that accepts a connection and never answers
   * must not stall the cache, or shutdown, for ever. Default 30 s.
   */
  requestTimeoutMs?: number;
  /** Asked of the API server, which ends the watch after it; default a random 5–10 min, as client-go does. */
  watchTimeoutSeconds?: number;
}

export interface InformerOptions<T> extends InformerTiming {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** The collection, e.g. `/api/v1/namespaces` or `/apis/jobguard.dev/v1/jobguardexceptions`. */
  path: string;
  /** How log lines name one item (`namespace`), many (`namespaces`) and what is kept (`namespace labels`); the logger's component. */
  noun: string;
  plural: string;
  description: string;
  component: string;
  /** The key of an object (its name, or `namespace/name`); undefined skips the object. */
  keyOf(object: Record<string, unknown>): string | undefined;
  /** What to keep of an object; keep little, it stays in memory. */
  transform(object: Record<string, unknown>): T;
  /** Called after every change (a relist or an applied event); must not throw. */
  onChange?(): void;
  /** Words for the log when a request fails with this HTTP status (a missing CRD, missing RBAC). */
  explain?(statusCode: number | undefined): string | undefined;
}

/** A watch that ends sooner than this without a single event counts as a failure for backoff. */
const MIN_HEALTHY_WATCH_MS = 1000;
/** stop() waits at most this long for the loop to notice. */
const STOP_WAIT_MS = 2000;
const REQUEST_TIMEOUT_MS = 30_000;

type WatchEnd =
  | { kind: 'closed'; events: number; durationMs: number }
  | { kind: 'failed'; error: unknown; events: number; durationMs: number }
  | { kind: 'aborted'; reason: AbortReason };

type AbortReason = 'stop' | 'resync' | 'gone';

function wasHealthy(end: { events: number; durationMs: number }): boolean {
  return end.events > 0 || end.durationMs >= MIN_HEALTHY_WATCH_MS;
}

/**
 * Keeps `key → T` for every object of a collection, from one list and one long watch; lookups
 * never touch the network.
 *
 * Why client-node's `Watch` and our own loop rather than `makeInformer`/`ListWatch` (1.4.0, read
 * and measured against test/support/fake-apiserver.ts):
 * - ListWatch gives up after any error other than 410: it emits `error` and never retries, so
 *   every caller writes the restart and backoff anyway; a watch the server closes is reopened at
 *   once, with no backoff, so a proxy that ends watches immediately spins a core.
 * - `stop()` during its list still opens the watch afterwards, and aborting a watch emits `error`.
 * - It has no "first list done" signal (`connect` fires before the list) and keeps whole objects
 *   (managedFields, annotations); here only what `transform` keeps is held, and a relist swaps the
 *   map at once. 5,000 namespaces with small managedFields: +1.4 MB heap here, +5.6 MB in
 *   ListWatch; both sync in 150–200 ms over loopback.
 * The list itself goes through `getJson` (client-node's RequestContext and auth), so pages,
 * `continue` and 410 are handled here, not hidden in a generated client.
 */
class CollectionInformer<T> implements Informer<T> {
  private items = new Map<string, T>();
  private changes = 0;
  private synced = false;
  private error: string | undefined;
  /** Where the next watch starts; undefined means list first. */
  private resourceVersion: string | undefined;
  private failures = 0;
  private stopped = false;
  private readonly loop: Promise<void>;
  private readonly resyncTimer: NodeJS.Timeout;
  private readonly watcher: Watch;
  private readonly log: Logger;
  private listAbort: AbortController | undefined;
  private abortWatch: ((reason: AbortReason) => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: InformerOptions<T>) {
    this.log = options.logger.child({ component: options.component });
    this.watcher = new Watch(options.kubeConfig);
    this.resyncTimer = setInterval(
      () => {
        this.abortWatch?.('resync');
      },
      options.resyncMs ?? 10 * 60_000,
    );
    this.resyncTimer.unref();
    this.loop = this.run();
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  version(): number {
    return this.changes;
  }

  isSynced(): boolean {
    return this.synced;
  }

  lastError(): string | undefined {
    return this.error;
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      clearInterval(this.resyncTimer);
      this.listAbort?.abort();
      this.abortWatch?.('stop');
      this.wake?.();
    }
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_WAIT_MS);
    });
    await Promise.race([this.loop, bound]);
    clearTimeout(timer);
  }

  private requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  /** A method, not the field: TypeScript would narrow the field across the awaits in run(). */
  private isStopped(): boolean {
    return this.stopped;
  }

  private changed(): void {
    this.changes++;
    try {
      this.options.onChange?.();
    } catch (err) {
      this.log.error({ err: describeError(err) }, `${this.options.noun} change handler failed`);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let failed: boolean;
      try {
        if (this.resourceVersion === undefined) await this.relist();
        if (this.isStopped()) return;
        failed = this.afterWatch(await this.watchOnce(this.resourceVersion ?? ''));
      } catch (err) {
        if (this.isStopped()) return;
        failed = true;
        this.fail('list', err);
      }
      if (failed) await this.sleep(this.backoffMs(++this.failures));
    }
  }

  private async relist(): Promise<void> {
    const started = performance.now();
    const next = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion: string;
    this.listAbort = new AbortController();
    try {
      do {
        const query = { limit: this.options.pageSize ?? 500, continue: continueToken };
        const page = parseListPage(await this.getPage(query, this.listAbort), this.options.path);
        for (const item of page.items) this.remember(next, item);
        continueToken = page.continueToken;
        resourceVersion = page.resourceVersion;
      } while (continueToken !== undefined);
    } finally {
      this.listAbort = undefined;
    }
    this.items = next;
    this.resourceVersion = resourceVersion;
    this.failures = 0;
    if (this.error !== undefined)
      this.log.info({ previousError: this.error }, `${this.options.noun} list recovered`);
    this.error = undefined;
    const firstSync = !this.synced;
    this.synced = true;
    this.changed();
    if (firstSync) {
      const ms = Math.round(performance.now() - started);
      this.log.info(
        { [this.options.plural]: next.size, resourceVersion, ms },
        `${this.options.description} synced`,
      );
    }
  }

  /** One list page, given up after requestTimeoutMs (a timer, not AbortSignal.timeout: Node 20 may collect that one unfired). */
  private async getPage(
    query: Record<string, string | number | undefined>,
    abort: AbortController,
  ): Promise<unknown> {
    const timeoutMs = this.requestTimeoutMs();
    const timeout = new Error(`GET ${this.options.path}: no response within ${timeoutMs} ms`);
    const timer = setTimeout(() => {
      abort.abort(timeout);
    }, timeoutMs);
    try {
      return await getJson(this.options.kubeConfig, this.options.path, query, abort.signal);
    } catch (err) {
      if (abort.signal.reason === timeout) throw new Error(timeout.message, { cause: err });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one watch until it ends; resolves (never rejects) with how it ended. */
  private watchOnce(resourceVersion: string): Promise<WatchEnd> {
    const { path, noun } = this.options;
    return new Promise((resolve) => {
      let connectedAt: number | undefined;
      let events = 0;
      let ended = false;
      let abortReason: AbortReason | undefined;
      let controller: AbortController | undefined;
      const finish = (end: WatchEnd): void => {
        if (ended) return;
        ended = true;
        clearTimeout(connectTimer);
        this.abortWatch = undefined;
        resolve(abortReason ? { kind: 'aborted', reason: abortReason } : end);
      };
      this.abortWatch = (reason) => {
        abortReason ??= reason;
        // client-node's Watch hands out its controller only once the response headers are in: a watch
        // still connecting ends here at once, and the `then` below aborts it if it ever connects.
        if (controller) controller.abort();
        else finish({ kind: 'aborted', reason });
      };
      const timeoutMs = this.requestTimeoutMs();
      const connectTimer = setTimeout(() => {
        const error = new Error(`no response within ${timeoutMs} ms`);
        finish({ kind: 'failed', error, events: 0, durationMs: 0 });
      }, timeoutMs);
      const onEvent = (type: string, object: unknown): void => {
        if (ended || abortReason) return;
        events++;
        if (type === 'ERROR') {
          // The API server reports an expired resourceVersion as an ERROR event carrying a 410 Status.
          if (isRecord(object) && object.code === 410) {
            this.resourceVersion = undefined;
            this.log.info(`${noun} watch expired (410 Gone), relisting`);
            this.abortWatch?.('gone');
          } else {
            this.error = `watch ${path}: ${JSON.stringify(object)}`;
          }
          return;
        }
        this.apply(type, object);
      };
      const query = {
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: this.options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
      };
      this.watcher
        .watch(path, query, onEvent, (err: unknown) => {
          const durationMs = connectedAt === undefined ? 0 : performance.now() - connectedAt;
          finish(
            err ? { kind: 'failed', error: err, events, durationMs } : { kind: 'closed', events, durationMs },
          );
        })
        .then(
          (ctrl) => {
            clearTimeout(connectTimer);
            if (ended || abortReason) {
              ctrl.abort();
              return;
            }
            controller = ctrl;
            connectedAt = performance.now();
            if (this.error !== undefined)
              this.log.info({ previousError: this.error }, `${noun} watch recovered`);
            this.error = undefined;
          },
          (err: unknown) => {
            finish({ kind: 'failed', error: err, events: 0, durationMs: 0 });
          },
        );
    });
  }

  /** True when the watch ended in a way that deserves a backoff. */
  private afterWatch(end: WatchEnd): boolean {
    switch (end.kind) {
      case 'aborted':
        if (end.reason === 'resync') this.resourceVersion = undefined;
        return false;
      case 'closed':
        this.log.debug(
          { events: end.events, ms: Math.round(end.durationMs) },
          `${this.options.noun} watch closed`,
        );
        if (wasHealthy(end)) this.failures = 0;
        return !wasHealthy(end);
      case 'failed':
        // A watch that served for a while starts the backoff afresh; one that fails at once does not.
        if (wasHealthy(end)) this.failures = 0;
        if (isGone(end.error)) {
          this.resourceVersion = undefined;
          this.log.info(`${this.options.noun} watch answered 410 Gone, relisting`);
          return false;
        }
        this.fail('watch', end.error);
        return true;
    }
  }

  private apply(type: string, object: unknown): void {
    if (!isRecord(object) || !isRecord(object.metadata)) return;
    const { metadata } = object;
    if (typeof metadata.resourceVersion === 'string') this.resourceVersion = metadata.resourceVersion;
    if (type === 'ADDED' || type === 'MODIFIED') this.remember(this.items, object);
    else if (type === 'DELETED') {
      const key = this.options.keyOf(object);
      if (key !== undefined) this.items.delete(key);
    } else return; // BOOKMARK carries only the resourceVersion, taken above.
    this.changed();
  }

  private remember(into: Map<string, T>, object: Record<string, unknown>): void {
    const key = this.options.keyOf(object);
    if (key !== undefined) into.set(key, this.options.transform(object));
  }

  private fail(stage: 'list' | 'watch', err: unknown): void {
    const status = statusCodeOf(err);
    const explanation = this.options.explain?.(status);
    const detail = describeError(err) + (explanation ? ` (${explanation})` : '');
    const message = stage === 'watch' ? `watch ${this.options.path}: ${detail}` : detail;
    this.error = message;
    this.log.warn(
      { err: message, status, failures: this.failures + 1, synced: this.synced },
      `${this.options.noun} ${stage} failed`,
    );
  }

  private backoffMs(failures: number): number {
    const initial = this.options.initialBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    const ceiling = Math.min(max, initial * 2 ** Math.min(failures - 1, 30));
    // Equal jitter: replicas that lost the API server together do not come back in lockstep.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/**
 * Starts listing and watching a collection and returns at once; `isSynced()` tells when the first
 * list is in. Failures never throw: they are logged, kept in `lastError()`, and retried with backoff.
 */
export function watchCollection<T>(options: InformerOptions<T>): Informer<T> {
  return new CollectionInformer(options);
}
