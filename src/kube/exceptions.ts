/**
 * The webhook's JobguardException cache: one list and one long watch of every JobguardException
 * (kube/informer.ts), judged under the current policy (policy/exception.ts) only when the objects
 * or the policy change, so a review costs a lookup, never an API call. What each one is worth is
 * written back to its `status` subresource, so `kubectl get jobguardexceptions` shows whether an
 * exception is Active, Expired or Invalid and why.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CompiledExemption, CompiledPolicy } from '../policy/decide.js';
import {
  EXCEPTION_GROUP,
  EXCEPTION_RESOURCE,
  EXCEPTION_VERSION,
  evaluateException,
  exemptionsOf,
  nextExpiry,
  type ExceptionObject,
  type ExceptionStatus,
} from '../policy/exception.js';
import { watchCollection, type InformerTiming } from './informer.js';
import { describeError, isRecord, writeJson, statusCodeOf } from './request.js';

/** @internal */
export const EXCEPTIONS_PATH = `/apis/${EXCEPTION_GROUP}/${EXCEPTION_VERSION}/${EXCEPTION_RESOURCE}`;

/** The part of `status` jobguard owns and compares; a change in any of these is written back. */
interface WrittenStatus {
  state?: string;
  message?: string;
  observedGeneration?: number;
  /** Of the Ready condition: kept while the state stays, as Kubernetes conditions do. */
  lastTransitionTime?: string;
}

interface CachedException extends ExceptionObject {
  status: WrittenStatus;
}

export interface ExceptionCache {
  /** What decide() matches for the current policy; memoized, never does I/O. */
  exemptions(): readonly CompiledExemption[];
  /** Every exception judged under the current policy (for readyz, logs and metrics). */
  statuses(): readonly ExceptionStatus[];
  /** The policy changed: judge every exception again and write back what changed. */
  refresh(): void;
  /** True once the first list is in, or once it is known that the CRD is not installed (see lastError). */
  isSynced(): boolean;
  lastError(): string | undefined;
  stop(): Promise<void>;
}

export interface WatchExceptionsOptions extends InformerTiming {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** The policy in force now (it changes on reload). */
  policy: () => CompiledPolicy;
  clock?: () => Date;
  /** Write `status` back (the chart grants `patch` on jobguardexceptions/status); default true. */
  writeStatus?: boolean;
  /** Called with every exception's status after each change, for metrics; must not throw. */
  onStatuses?: (statuses: readonly ExceptionStatus[]) => void;
}

const NOT_FOUND = 404;

/** setTimeout's longest delay (about 24.8 days); a later expiry is rechecked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function statusOf(object: Record<string, unknown>): WrittenStatus {
  const status = isRecord(object.status) ? object.status : {};
  const conditions: unknown[] = Array.isArray(status.conditions) ? status.conditions : [];
  const ready = conditions.find((c) => isRecord(c) && c.type === 'Ready');
  const since: unknown = isRecord(ready) ? ready.lastTransitionTime : undefined;
  return {
    ...(typeof status.state === 'string' ? { state: status.state } : {}),
    ...(typeof status.message === 'string' ? { message: status.message } : {}),
    ...(typeof status.observedGeneration === 'number'
      ? { observedGeneration: status.observedGeneration }
      : {}),
    ...(typeof since === 'string' ? { lastTransitionTime: since } : {}),
  };
}

function explain(statusCode: number | undefined): string | undefined {
  if (statusCode === NOT_FOUND)
    return 'the JobguardException CRD is not installed; install the chart with exceptions.crd.install=true, or set exceptions.enabled: false in the policy';
  if (statusCode === 403)
    return 'jobguard may not list/watch jobguardexceptions; the chart grants it in its exceptions ClusterRole';
  return undefined;
}

/** The `status` written for a judged exception: Kubernetes' Ready condition plus a flat state for `kubectl get`. */
function statusPatch(
  judged: ExceptionStatus,
  now: Date,
  previous: WrittenStatus = {},
): Record<string, unknown> {
  const ready = judged.state === 'Active';
  const since =
    previous.state === judged.state && previous.lastTransitionTime !== undefined
      ? previous.lastTransitionTime
      : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    status: {
      state: judged.state,
      message: judged.message,
      ...(judged.generation === undefined ? {} : { observedGeneration: judged.generation }),
      expiresAt: judged.expiresAt === undefined ? null : new Date(judged.expiresAt).toISOString(),
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          reason: judged.state,
          message: judged.message,
          lastTransitionTime: since,
          ...(judged.generation === undefined ? {} : { observedGeneration: judged.generation }),
        },
      ],
    },
  };
}

function isWritten(judged: ExceptionStatus, current: WrittenStatus): boolean {
  return (
    current.state === judged.state &&
    current.message === judged.message &&
    current.observedGeneration === judged.generation
  );
}

/**
 * Starts listing and watching JobguardExceptions and returns at once. Failures never throw: a
 * missing CRD or RBAC is logged with what to do, and the file's exemptions still apply.
 */
export function watchExceptions(options: WatchExceptionsOptions): ExceptionCache {
  const { kubeConfig, logger, policy: currentPolicy, clock: givenClock, onStatuses, ...timing } = options;
  const log = logger.child({ component: 'exceptions' });
  const clock = givenClock ?? (() => new Date());
  const writeStatus = options.writeStatus ?? true;
  let memo:
    | {
        version: number;
        policy: CompiledPolicy;
        statuses: ExceptionStatus[];
        exemptions: CompiledExemption[];
      }
    | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Keys whose status write is under way, so a burst of events writes each object once. */
  const writing = new Set<string>();
  /**
   * The list answered 404: the CRD is not installed, so no exception exists and none can exempt.
   * That is a known state, not a sync still under way (readiness must not wait for it); the list
   * keeps retrying, so a CRD installed later is picked up.
   */
  let crdMissing = false;
  /** The last write failure logged per object, so a refused write is logged once, not per event. */
  const failed = new Map<string, string>();

  const informer = watchCollection<CachedException>({
    ...timing,
    kubeConfig,
    logger,
    path: EXCEPTIONS_PATH,
    noun: 'exception',
    plural: 'exceptions',
    description: 'JobguardExceptions',
    component: 'exceptions',
    keyOf(object) {
      const metadata = isRecord(object.metadata) ? object.metadata : {};
      return typeof metadata.namespace === 'string' && typeof metadata.name === 'string'
        ? `${metadata.namespace}/${metadata.name}`
        : undefined;
    },
    transform(object) {
      const metadata = isRecord(object.metadata) ? object.metadata : {};
      return {
        namespace: metadata.namespace as string,
        name: metadata.name as string,
        ...(typeof metadata.generation === 'number' ? { generation: metadata.generation } : {}),
        spec: object.spec,
        status: statusOf(object),
      };
    },
    onChange: () => {
      schedule();
    },
    explain(statusCode) {
      crdMissing = statusCode === NOT_FOUND;
      return explain(statusCode);
    },
  });

  function judge(): { statuses: ExceptionStatus[]; exemptions: CompiledExemption[] } {
    const policy = currentPolicy();
    const version = informer.version();
    if (memo?.version !== version || memo.policy !== policy) {
      const now = clock();
      const statuses = [...informer.values()]
        .map((object) => evaluateException(object, policy, now))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      memo = { version, policy, statuses, exemptions: exemptionsOf(statuses) };
    }
    return memo;
  }

  function schedule(): void {
    if (stopped || scheduled) return;
    // Events arrive in bursts (a relist applies them all at once): reconcile once per burst.
    scheduled = setImmediate(() => {
      scheduled = undefined;
      reconcile();
    });
  }

  function reconcile(): void {
    if (stopped || !informer.isSynced()) return;
    // Expiry moves states without any event: judge afresh at this instant.
    memo = undefined;
    const { statuses } = judge();
    try {
      onStatuses?.(statuses);
    } catch (err) {
      log.error({ err: describeError(err) }, 'exception status handler failed');
    }
    if (writeStatus) for (const judged of statuses) write(judged);
    clearTimeout(expiryTimer);
    const now = clock();
    const next = nextExpiry(statuses, now);
    if (next !== undefined) {
      expiryTimer = setTimeout(schedule, Math.min(MAX_TIMER_MS, Math.max(0, next - now.getTime()) + 1));
      expiryTimer.unref();
    }
  }

  function write(judged: ExceptionStatus): void {
    const current = informer.get(judged.id);
    if (!current || isWritten(judged, current.status) || writing.has(judged.id)) return;
    if (judged.state !== 'Active' && current.status.state !== judged.state)
      log.warn(
        { exception: judged.id, state: judged.state, reason: judged.message },
        'exception does not apply',
      );
    const path = `/apis/${EXCEPTION_GROUP}/${EXCEPTION_VERSION}/namespaces/${encodeURIComponent(judged.namespace)}/${EXCEPTION_RESOURCE}/${encodeURIComponent(judged.name)}/status`;
    writing.add(judged.id);
    writeJson(kubeConfig, 'PATCH', path, statusPatch(judged, clock(), current.status)).then(
      () => {
        writing.delete(judged.id);
        failed.delete(judged.id);
      },
      (err: unknown) => {
        writing.delete(judged.id);
        const message = describeError(err);
        if (failed.get(judged.id) === message) return;
        failed.set(judged.id, message);
        const hint =
          statusCodeOf(err) === 403
            ? ' (jobguard may not patch jobguardexceptions/status; see the chart exceptions ClusterRole)'
            : '';
        // Retried on the next change or relist (at most every resync).
        log.warn({ exception: judged.id, err: message + hint }, 'could not write exception status');
      },
    );
  }

  return {
    exemptions: () => (informer.isSynced() ? judge().exemptions : []),
    statuses: () => (informer.isSynced() ? judge().statuses : []),
    refresh: schedule,
    isSynced: () => informer.isSynced() || crdMissing,
    lastError: () => informer.lastError(),
    async stop() {
      stopped = true;
      if (scheduled) clearImmediate(scheduled);
      clearTimeout(expiryTimer);
      await informer.stop();
    },
  };
}
