/**
 * Values derived from the workload model once per request (command sources, host mounts, a rule's
 * answer that another rule asks for again) are kept on the view they derive from, never in a
 * module-level WeakMap keyed by it. V8's young-generation collector keeps a WeakMap's values alive
 * while their key is young, so a weak cache keyed by per-request objects promoted every request's
 * whole command model to the old generation, where only full collections reclaim it (measured on
 * a typical CronJob review: one such cache made the whole review about four times slower).
 */
import type { Derivable } from '../workload/types.js';

/** `derive` computed once per view and kept on the view. */
export function memoize<V extends Derivable, T>(derive: (view: V) => T): (view: V) => T {
  const query = (view: V): T => {
    const derived = (view.derived ??= new Map());
    if (derived.has(query)) return derived.get(query) as T;
    const value = derive(view);
    derived.set(query, value);
    return value;
  };
  return query;
}

/** The value kept on `view` under `key`, computed by `compute` the first time. */
export function remember<T>(view: Derivable, key: object, compute: () => T): T {
  const derived = (view.derived ??= new Map());
  if (derived.has(key)) return derived.get(key) as T;
  const value = compute();
  derived.set(key, value);
  return value;
}
