import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { createEngine, PolicyProblemError, type Engine } from '../engine.js';
import { findRule, PROFILES } from '../scoring/profiles.js';
import { DEFAULT_POLICY, policySchema, type Mode, type Policy } from './schema.js';

/** A policy that cannot be used: names the file, the path inside it and what was expected. */
export class PolicyError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(`${source}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'PolicyError';
  }
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

/** zod issues as `thresholds.warn: expected number, got "three"`. */
export function describeIssues(error: z.ZodError, input: unknown): { path: string; message: string }[] {
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

/** Parses policy text (YAML or JSON) and checks it completely, rule parameters included. */
export function parsePolicy(text: string, source: string): Policy {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new PolicyError(
      source,
      document.errors.map((e) => ({
        path: '',
        message: `not valid YAML: ${e.message.split('\n')[0] ?? ''}`,
      })),
    );
  }
  const input: unknown = document.toJS();
  if (input === null || input === undefined)
    throw new PolicyError(source, [{ path: '', message: 'the file is empty' }]);
  const parsed = policySchema.safeParse(input);
  if (!parsed.success) throw new PolicyError(source, describeIssues(parsed.error, input));
  validatePolicy(parsed.data, source);
  return parsed.data;
}

/** Cross-field checks the schema cannot express, and the rules' own parameter schemas. */
export function validatePolicy(policy: Policy, source: string): Engine {
  // The thresholds in force: a file that sets only `deny: 4` still has the profile's `warn: 5` above it.
  const profile = PROFILES[policy.profile];
  const t = { ...profile.thresholds, ...policy.thresholds };
  const shown = (key: keyof typeof t) =>
    `${key} (${t[key]}${policy.thresholds[key] === undefined ? `, from the ${profile.name} profile` : ''})`;
  const issues: { path: string; message: string }[] = [];
  if (t.annotate > t.warn)
    issues.push({ path: 'thresholds', message: `${shown('annotate')} must not exceed ${shown('warn')}` });
  if (t.warn > t.deny)
    issues.push({ path: 'thresholds', message: `${shown('warn')} must not exceed ${shown('deny')}` });
  const customIds = new Set(policy.customRules.map((rule) => rule.id));
  policy.exemptions.forEach((exemption, i) => {
    // A misspelt id would waive nothing, silently.
    exemption.rules?.forEach((id, j) => {
      if (!findRule(id) && !customIds.has(id))
        issues.push({
          path: `exemptions[${i}].rules[${j}]`,
          message: `unknown rule "${id}" (see jobguard rules)`,
        });
    });
  });
  if (issues.length > 0) throw new PolicyError(source, issues);
  try {
    return createEngine(policy);
  } catch (error) {
    if (error instanceof PolicyProblemError) throw new PolicyError(source, error.problems);
    throw error;
  }
}

export async function loadPolicyFile(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PolicyError(file, [{ path: '', message: `cannot read the file (${code})` }]);
  }
  return parsePolicy(text, file);
}

/** Command-line flags that override the file (DESIGN: flags win). */
export interface PolicyOverrides {
  mode?: Mode;
  profile?: Policy['profile'];
  thresholds?: Partial<Record<'annotate' | 'warn' | 'deny', number>>;
}

export function applyOverrides(policy: Policy, overrides: PolicyOverrides): Policy {
  // An unset flag may arrive as `warn: undefined`; spread as is, it would erase the file's or the profile's value.
  const thresholds = { ...policy.thresholds };
  for (const key of ['annotate', 'warn', 'deny'] as const) {
    const value = overrides.thresholds?.[key];
    if (value !== undefined) thresholds[key] = value;
  }
  const out: Policy = { ...policy, thresholds };
  if (overrides.mode) out.mode = overrides.mode;
  if (overrides.profile) out.profile = overrides.profile;
  return out;
}

/** The policy file when given, else the built-in default; overrides applied and the result checked. */
export async function resolvePolicy(file: string | undefined, overrides: PolicyOverrides): Promise<Policy> {
  const base = file === undefined ? DEFAULT_POLICY : await loadPolicyFile(file);
  const policy = applyOverrides(base, overrides);
  validatePolicy(policy, file ?? 'command line');
  return policy;
}
