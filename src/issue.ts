import type { z } from 'zod';

/** One problem with an input: where in it (`thresholds.warn`, `request.uid`; empty for the whole) and what was wrong. */
export interface Issue {
  path: string;
  message: string;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${value as number | boolean}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

/** zod issues as `thresholds.warn: expected number, got "three"`, for policy files and AdmissionReviews alike. */
export function describeIssues(error: z.ZodError, input: unknown): Issue[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    if (issue.code === 'invalid_type') {
      return {
        path,
        message: `expected ${issue.expected}, got ${describeValue(valueAt(input, issue.path))}`,
      };
    }
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` };
    }
    if (issue.code === 'invalid_value') {
      return {
        path,
        message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(valueAt(input, issue.path))}`,
      };
    }
    return { path, message: issue.message };
  });
}

/** Issues as one line: `a.b: expected …; c: …`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}
