/**
 * Sends the Events of admission/event.ts to the API server without ever slowing a review: fire
 * and forget, a token bucket across all objects (a burst of denied Pods from a crash-looping
 * controller must not become a burst of API writes), the same Event for the same object at most
 * once a minute (the API server's own event correlator aggregates repeats much the same way), and
 * a bound on writes in flight. What is dropped is counted, not queued.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeEvent } from '../admission/event.js';
import { describeError, writeJson, statusCodeOf } from './request.js';

/** @internal */
export type EventResult = 'sent' | 'failed' | 'rate_limited' | 'duplicate';

export interface EventSender {
  /** Never throws and never waits: the Event is sent in the background, or dropped. */
  send(event: KubeEvent): void;
  /** Waits for the writes in flight (bounded by their own timeout). */
  stop(): Promise<void>;
}

export interface EventSenderOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Events per second, sustained. Default 5. */
  qps?: number;
  /** Events at once. Default 25. */
  burst?: number;
  /** The same object, reason and note within this window is sent once. Default 60 s. */
  dedupeMs?: number;
  /** Writes in flight at most; beyond, events count as rate_limited. Default 8. */
  maxInFlight?: number;
  /** Per write. Default 10 s. */
  timeoutMs?: number;
  clock?: () => number;
  onResult?: (result: EventResult) => void;
}

/** Remembered keys at most; the oldest go first (a Map keeps insertion order). */
const DEDUPE_KEYS_MAX = 10_000;

export function createEventSender(options: EventSenderOptions): EventSender {
  const log = options.logger.child({ component: 'events' });
  const qps = options.qps ?? 5;
  const burst = options.burst ?? 25;
  const dedupeMs = options.dedupeMs ?? 60_000;
  const maxInFlight = options.maxInFlight ?? 8;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clock = options.clock ?? (() => Date.now());
  let tokens = burst;
  let refilledAt = clock();
  const recent = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  /** The last failure logged, so a missing grant is logged once, not per event. */
  let lastFailure: string | undefined;

  function report(result: EventResult): void {
    try {
      options.onResult?.(result);
    } catch {
      // Metrics must not break admission.
    }
  }

  function take(now: number): boolean {
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * qps);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  function keyOf(event: KubeEvent): string {
    const { regarding } = event;
    return `${regarding.namespace}/${regarding.kind}/${regarding.name}/${event.reason}/${event.note}`;
  }

  function isDuplicate(key: string, now: number): boolean {
    const seen = recent.get(key);
    return seen !== undefined && now - seen < dedupeMs;
  }

  /** Only what is sent counts for duplicates: a rate-limited event may go out a moment later. */
  function remember(key: string, now: number): void {
    recent.delete(key);
    recent.set(key, now);
    if (recent.size > DEDUPE_KEYS_MAX) {
      const oldest = recent.keys().next().value;
      if (oldest !== undefined) recent.delete(oldest);
    }
  }

  return {
    send(event) {
      const now = clock();
      const key = keyOf(event);
      if (isDuplicate(key, now)) {
        report('duplicate');
        return;
      }
      if (inFlight.size >= maxInFlight || !take(now)) {
        report('rate_limited');
        return;
      }
      remember(key, now);
      const path = `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(event.metadata.namespace)}/events`;
      const abort = new AbortController();
      const timer = setTimeout(() => {
        abort.abort();
      }, timeoutMs);
      const write = writeJson(options.kubeConfig, 'POST', path, event, abort.signal).then(
        () => {
          lastFailure = undefined;
          report('sent');
        },
        (err: unknown) => {
          report('failed');
          const message = describeError(err);
          if (message === lastFailure) return;
          lastFailure = message;
          const hint =
            statusCodeOf(err) === 403
              ? ' (the chart grants create on events.k8s.io events unless events.mode is off)'
              : '';
          log.warn({ err: message + hint, namespace: event.metadata.namespace }, 'could not write Event');
        },
      );
      const tracked = write.finally(() => {
        clearTimeout(timer);
        inFlight.delete(tracked);
      });
      inFlight.add(tracked);
    },
    async stop() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
