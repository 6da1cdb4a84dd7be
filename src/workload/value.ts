/**
 * Building and combining values (`action.ts`): literal text, text with unknown parts, and the
 * origins that travel with content through variables, pipes and files.
 */
import type { Origin, Value } from './action.js';

/** Longest text a computed value keeps; longer values keep their origins but not their text. */
export const MAX_VALUE_TEXT = 1024 * 1024;
/** Most origins one value carries (a value built from many fetches keeps the first ones). */
const MAX_ORIGINS = 12;

export const EMPTY: Value = { text: '', exact: true, origins: [] };

const NO_ORIGINS: readonly Origin[] = [];

export function literal(text: string): Value {
  return { text, exact: true, origins: NO_ORIGINS };
}

/** A value whose run-time text is not known; `text` is how it reads in the script (`$TOKEN`). */
export function unknown(text: string, origins: readonly Origin[] = NO_ORIGINS): Value {
  return { text, exact: false, origins };
}

function originKey(origin: Origin): string {
  switch (origin.kind) {
    case 'network':
      return `n:${origin.url}`;
    case 'credential':
      return `c:${origin.credential}:${origin.source}`;
    case 'decoded':
      return `d:${origin.encoding}`;
    case 'stdin':
      return 's';
    case 'env':
      return `e:${origin.name}`;
    case 'loop':
      return `l:${origin.variable}`;
  }
}

/** Origins of both lists, each once, at most MAX_ORIGINS. */
export function mergeOrigins(a: readonly Origin[], b: readonly Origin[]): readonly Origin[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = [...a];
  const seen = new Set(a.map(originKey));
  for (const origin of b) {
    if (out.length >= MAX_ORIGINS) break;
    const key = originKey(origin);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(origin);
    }
  }
  return out;
}

/** The value with more origins. */
export function withOrigins(value: Value, origins: readonly Origin[]): Value {
  if (origins.length === 0) return value;
  return { text: value.text, exact: value.exact, origins: mergeOrigins(value.origins, origins) };
}

/** Values joined (a word of several parts, `echo a b`), text capped at MAX_VALUE_TEXT. */
export function concat(values: readonly Value[], separator = ''): Value {
  if (values.length === 1 && separator === '') return values[0] ?? EMPTY;
  let text = '';
  let exact = true;
  let origins: readonly Origin[] = NO_ORIGINS;
  let first = true;
  for (const value of values) {
    if (!first) text += separator;
    first = false;
    if (text.length + value.text.length > MAX_VALUE_TEXT) {
      exact = false;
    } else {
      text += value.text;
    }
    if (!value.exact) exact = false;
    origins = mergeOrigins(origins, value.origins);
  }
  return { text, exact, origins };
}
