/**
 * JobguardException (jobguard.dev/v1): an exemption as a namespaced Kubernetes object, so a team
 * can hold its own exceptions under RBAC and in Git instead of asking for an edit of the policy
 * file. Pure: the objects and the compiled policy in, what each one is worth out; the webhook's
 * cache (kube/exceptions.ts) supplies the objects and writes back what is said here as status.
 *
 * An exception covers workloads in its own namespace only. A namespace the policy names in
 * `exceptions.clusterWideNamespaces` (say, the platform team's) may also grant exceptions for
 * other namespaces with `spec.namespaces`; anywhere else that field is a mistake worth refusing.
 */
import { findRule } from '../scoring/profiles.js';
import { compileExemption, type CompiledExemption, type CompiledPolicy } from './decide.js';
import { exceptionSpecSchema, type ExceptionSpec } from './schema.js';

export const EXCEPTION_GROUP = 'jobguard.dev';
export const EXCEPTION_VERSION = 'v1';
export const EXCEPTION_RESOURCE = 'jobguardexceptions';

/** What the webhook keeps of a JobguardException. */
export interface ExceptionObject {
  namespace: string;
  name: string;
  /** `metadata.generation`: which spec a status speaks of. */
  generation?: number;
  spec: unknown;
}

/** `Active`: in force; `Expired`: past `expires`; `Invalid`: refused (see message); `Ignored`: the policy reads no exceptions. */
export type ExceptionState = 'Active' | 'Expired' | 'Invalid' | 'Ignored';

export interface ExceptionStatus {
  /** `<namespace>/<name>`, as metrics and the `exempted-by` annotation name it. */
  id: string;
  namespace: string;
  name: string;
  generation?: number;
  state: ExceptionState;
  /** One line for `kubectl describe` and the log: what it does, or what is wrong with it. */
  message: string;
  /** When it stops applying; undefined when it never does (or is invalid). */
  expiresAt?: number;
  /** What decide() matches; absent when Invalid or Ignored. */
  exemption?: CompiledExemption;
}

/** What the rules field says, for a status line. */
function waives(spec: ExceptionSpec): string {
  return spec.rules ? `waives ${spec.rules.join(', ')}` : 'waives every rule';
}

function scope(namespaces: readonly string[]): string {
  return namespaces.length === 1
    ? `in namespace ${namespaces[0] ?? ''}`
    : `in namespaces ${namespaces.join(', ')}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
}

function problemsOf(
  object: ExceptionObject,
  compiled: CompiledPolicy,
): { spec?: ExceptionSpec; problems: string[] } {
  const parsed = exceptionSpecSchema.safeParse(object.spec ?? {});
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => `spec${formatPath(issue.path)}: ${issue.message}`),
    };
  }
  const spec = parsed.data;
  const problems: string[] = [];
  spec.rules?.forEach((id, i) => {
    // A misspelt id would waive nothing, silently. Any profile's ids count, as in the policy file.
    if (!findRule(id)) problems.push(`spec.rules[${i}]: unknown rule "${id}" (see jobguard rules)`);
  });
  const others = (spec.namespaces ?? []).filter((ns) => ns !== object.namespace);
  if (others.length > 0 && !compiled.isClusterWideNamespace(object.namespace)) {
    const granting = compiled.policy.exceptions.clusterWideNamespaces;
    problems.push(
      `spec.namespaces: an exception in ${object.namespace} covers only its own namespace` +
        (granting.length > 0
          ? `; only exceptions in ${granting.join(', ')} may name others`
          : '; the policy lets no namespace grant wider ones (exceptions.clusterWideNamespaces)'),
    );
  }
  return { spec, problems };
}

/** What one JobguardException is worth under a policy at an instant. */
export function evaluateException(
  object: ExceptionObject,
  compiled: CompiledPolicy,
  now: Date,
): ExceptionStatus {
  const id = `${object.namespace}/${object.name}`;
  const base = {
    id,
    namespace: object.namespace,
    name: object.name,
    ...(object.generation === undefined ? {} : { generation: object.generation }),
  };
  if (!compiled.policy.exceptions.enabled) {
    return {
      ...base,
      state: 'Ignored',
      message: 'the policy reads no JobguardExceptions (exceptions.enabled: false)',
    };
  }
  const { spec, problems } = problemsOf(object, compiled);
  if (!spec || problems.length > 0) return { ...base, state: 'Invalid', message: problems.join('; ') };
  const namespaces = spec.namespaces ?? [object.namespace];
  const exemption = compileExemption({ ...spec, namespaces }, id);
  const expiresAt = exemption.expiresAt;
  const until = spec.expires === undefined ? '' : ` until ${spec.expires}`;
  if (expiresAt !== undefined && expiresAt < now.getTime()) {
    return {
      ...base,
      state: 'Expired',
      message: `expired ${spec.expires ?? ''}; it no longer applies`,
      expiresAt,
      exemption,
    };
  }
  return {
    ...base,
    state: 'Active',
    message: `${waives(spec)} ${scope(namespaces)}${until}`,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    exemption,
  };
}

/** The exemptions decide() should match: every exception that is valid, expired ones too (decide() checks the instant). */
export function exemptionsOf(statuses: readonly ExceptionStatus[]): CompiledExemption[] {
  return statuses.flatMap((status) => (status.exemption ? [status.exemption] : []));
}

/** The next instant at which an Active exception expires, for a timer that refreshes statuses. */
export function nextExpiry(statuses: readonly ExceptionStatus[], now: Date): number | undefined {
  let next: number | undefined;
  for (const status of statuses) {
    if (status.state !== 'Active' || status.expiresAt === undefined) continue;
    if (status.expiresAt >= now.getTime() && (next === undefined || status.expiresAt < next))
      next = status.expiresAt;
  }
  return next;
}
