/**
 * Kusto's `has` operator, mirrored for the kql profile (Microsoft Learn, Kusto "has operator" and
 * "String operators", on terms):
 * case-insensitive (ASCII only), and the needle must sit on term boundaries wherever it starts or
 * ends with an alphanumeric character. A term is a maximal run of ASCII letters and digits.
 */
import type { Workload } from '../workload/types.js';
import { memoize } from './memo.js';

function isAlnumCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * ASCII-only lowercase, as Kusto's case-insensitive operators do (not locale-aware).
 * @internal
 */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/**
 * `haystack has needle`; `lowerHaystack` must already be ASCII-lowercased (callers lower once, test many needles).
 * @internal
 */
export function has(lowerHaystack: string, needle: string): boolean {
  const lowerNeedle = asciiLower(needle);
  if (lowerNeedle.length === 0) return false;
  const checkStart = isAlnumCode(lowerNeedle.charCodeAt(0));
  const checkEnd = isAlnumCode(lowerNeedle.charCodeAt(lowerNeedle.length - 1));
  let from = 0;
  for (;;) {
    const at = lowerHaystack.indexOf(lowerNeedle, from);
    if (at < 0) return false;
    const end = at + lowerNeedle.length;
    const startOk = !checkStart || at === 0 || !isAlnumCode(lowerHaystack.charCodeAt(at - 1));
    const endOk = !checkEnd || end === lowerHaystack.length || !isAlnumCode(lowerHaystack.charCodeAt(end));
    if (startOk && endOk) return true;
    from = at + 1;
  }
}

/** `haystack has_any (needles)`: the needles that match, in list order (empty when none). */
export function hasAny(lowerHaystack: string, needles: readonly string[]): string[] {
  return needles.filter((needle) => has(lowerHaystack, needle));
}

/** The object's compact JSON, ASCII-lowercased once per workload and shared by every kql indicator. */
export const loweredJson: (workload: Workload) => string = memoize((workload: Workload) =>
  asciiLower(workload.json),
);
