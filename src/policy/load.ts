import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { createEngine, PolicyProblemError, type Engine } from '../engine.js';
import { describeIssues, formatIssues, type Issue } from '../issue.js';
import { findRule, PROFILES } from '../scoring/profiles.js';
import { DEFAULT_POLICY, policySchema, type Mode, type Policy } from './schema.js';

/** A policy that cannot be used: names the file, the path inside it and what was expected. */
export class PolicyError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly Issue[],
  ) {
    super(`${source}: ${formatIssues(issues)}`);
    this.name = 'PolicyError';
  }
}

/** YAML or JSON text against the schema alone: the file as written, before flags and the rules' own checks. */
function readPolicy(text: string, source: string): Policy {
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
  return parsed.data;
}

/** Exemption selectors that say where or whose; names and images alone say neither. */
const SCOPES = ['namespaces', 'users', 'groups', 'serviceAccounts'] as const;

/**
 * Cross-field checks the schema cannot express, then the engine itself, which checks the rules'
 * own parameters: what is built to validate the policy is what runs it.
 */
function buildEngine(policy: Policy, source: string): Engine {
  // The thresholds in force: a file that sets only `deny: 4` still has the profile's `warn: 5` above it.
  const profile = PROFILES[policy.profile];
  const t = { ...profile.thresholds, ...policy.thresholds };
  const shown = (key: keyof typeof t) =>
    `${key} (${t[key]}${policy.thresholds[key] === undefined ? `, from the ${profile.name} profile` : ''})`;
  const issues: Issue[] = [];
  if (t.annotate > t.warn)
    issues.push({ path: 'thresholds', message: `${shown('annotate')} must not exceed ${shown('warn')}` });
  if (t.warn > t.deny)
    issues.push({ path: 'thresholds', message: `${shown('warn')} must not exceed ${shown('deny')}` });
  const customIds = new Set(policy.customRules.map((rule) => rule.id));
  policy.exemptions.forEach((exemption, i) => {
    // `names: [backup-*]` alone waives its rules for a Job of that name in every namespace, created by
    // anyone: whoever may create Jobs anywhere picks the name. A scope must be said, even if it is all.
    if (!SCOPES.some((key) => exemption[key] !== undefined))
      issues.push({
        path: `exemptions[${i}]`,
        message: `matches by ${exemption.names ? 'name' : 'image'} alone, in every namespace and for anyone: add namespaces (or users, groups, serviceAccounts) to scope it; namespaces: ["*"] if every namespace is meant`,
      });
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

/**
 * Parses policy text (YAML or JSON) and checks it completely, rule parameters included; returns the engine it configures.
 * @internal
 */
export function parsePolicy(text: string, source: string): Engine {
  return buildEngine(readPolicy(text, source), source);
}

async function readPolicyFile(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PolicyError(file, [{ path: '', message: `cannot read the file (${code})` }]);
  }
  return readPolicy(text, file);
}

/** A policy file checked completely, as `policy check` does; returns the engine it configures. */
export async function loadPolicyFile(file: string): Promise<Engine> {
  return buildEngine(await readPolicyFile(file), file);
}

/** Command-line flags that override the file (flags win). */
export interface PolicyOverrides {
  mode?: Mode;
  profile?: Policy['profile'];
  thresholds?: Partial<Record<'annotate' | 'warn' | 'deny', number>>;
}

/** @internal */
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

/**
 * The engine for a policy file (or the built-in default) with the command line's overrides: the file
 * is read against the schema, the flags applied, and the result checked and built once.
 */
export async function resolvePolicy(file: string | undefined, overrides: PolicyOverrides): Promise<Engine> {
  const base = file === undefined ? DEFAULT_POLICY : await readPolicyFile(file);
  return buildEngine(applyOverrides(base, overrides), file ?? 'command line');
}
