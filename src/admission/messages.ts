import { ruleDocUrl } from '../scoring/docs.js';
import { findRule } from '../scoring/profiles.js';
import { quote, truncate } from '../scoring/redact.js';
import { ENGINE_ERROR_RULE, type Finding } from '../scoring/types.js';
import type { Decision } from '../policy/decision.js';

/**
 * kubectl prints each warning on one line; the API server truncates past 256 runes (Kubernetes admission webhook docs, "Response: warnings").
 * @internal
 */
export const WARNING_MAX = 120;
/** Warnings per request before "… and N more"; the API server's budget is 4096 runes for all webhooks. */
const WARNINGS_MAX_COUNT = 8;
/**
 * Audit annotation values should be short (Kubernetes admission webhook docs, "Response: audit annotations"); ours stay under this.
 * @internal
 */
export const ANNOTATION_MAX = 1024;

export interface Target {
  kind: string;
  name: string;
  /** The object reviewed: names the container or volume a finding's path points into. */
  object?: unknown;
}

const LISTS: Readonly<Record<string, string>> = {
  containers: 'container',
  initContainers: 'init container',
  ephemeralContainers: 'ephemeral container',
  volumes: 'volume',
};

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Where the `[digits]` starting at `at` ends (after its `]`), or -1 when `at` holds no index. */
function indexEnd(path: string, at: number): number {
  if (path[at] !== '[') return -1;
  let end = at + 1;
  while (isDigit(path[end])) end++;
  return end > at + 1 && path[end] === ']' ? end + 1 : -1;
}

/**
 * The value at a finding's path prefix (`a.b[0].c`), or undefined. Keys are runs without `.`, `[`
 * and `]`, and `[digits]` indexes; other characters separate them.
 */
function valueAt(object: unknown, path: string): unknown {
  let value = object;
  let at = 0;
  while (at < path.length) {
    const c = path[at];
    let key: string | number;
    if (c === '.' || c === ']') {
      at++;
      continue;
    } else if (c === '[') {
      const end = indexEnd(path, at);
      if (end < 0) {
        at++;
        continue;
      }
      key = Number(path.slice(at + 1, end - 1));
      at = end;
    } else {
      let end = at + 1;
      while (end < path.length && path[end] !== '.' && path[end] !== '[' && path[end] !== ']') end++;
      key = path.slice(at, end);
      at = end;
    }
    if (typeof value !== 'object' || value === null) return undefined;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** The last `containers[N]` (or another of LISTS) of a path, at the start or after a `.`. */
function lastListEntry(path: string): { noun: string; index: string; end: number } | undefined {
  for (let at = path.lastIndexOf('['); at > 0; at = path.lastIndexOf('[', at - 1)) {
    const end = indexEnd(path, at);
    if (end < 0) continue;
    for (const list in LISTS) {
      const start = at - list.length;
      if (start >= 0 && path.startsWith(list, start) && (start === 0 || path[start - 1] === '.'))
        return { noun: LISTS[list] ?? 'container', index: path.slice(at + 1, end - 1), end };
    }
  }
  return undefined;
}

/**
 * Where a finding is, as Pod Security Admission says it: `container "backup"`, `init container
 * "setup"`, `volume "host-etc"`; the list index when the object has no name there; undefined for a
 * pod-level field (hostPID) or the schedule, whose message already says what it is.
 * @internal
 */
export function locate(path: string, object: unknown): string | undefined {
  const found = lastListEntry(path);
  if (!found) return undefined;
  const entry = valueAt(object, path.slice(0, found.end));
  const name =
    typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).name : undefined;
  const label = typeof name === 'string' && name !== '' ? JSON.stringify(quote(name, 40)) : `#${found.index}`;
  return `${found.noun} ${label}`;
}

/** What to do about a finding: the rule's hint, else the exemption to ask for (one waiving the rule the line names). */
function remedy(rule: string): string {
  return findRule(rule)?.hint ?? 'if intended, ask for an exception';
}

/**
 * One finding as a kubectl warning, one line of at most `max` characters:
 * `jobguard: host-path: hostPath volume in volume "etc" (/etc); use a PVC, ConfigMap or emptyDir…`.
 * The concrete value gives way first, then the remedy: the rule and where must always show.
 * @internal
 */
export function describeFinding(finding: Finding, object?: unknown, max = WARNING_MAX): string {
  const where = locate(finding.path, object);
  const head = `jobguard: ${finding.rule}: ${finding.message}${where ? ` in ${where}` : ''}`;
  const tail = `; ${remedy(finding.rule)}`;
  const detail = finding.detail ? quote(finding.detail, 80) : '';
  const full = detail ? `${head} (${detail})${tail}` : `${head}${tail}`;
  if (full.length <= max) return full;
  const room = max - head.length - tail.length - 3;
  if (detail && room >= 12) return `${head} (${truncate(detail, room)})${tail}`;
  if (head.length + tail.length <= max) return `${head}${tail}`;
  return truncate(head, max);
}

/** The heaviest finding of each rule, heaviest rule first (findings arrive sorted by weight). */
function firstPerRule(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const finding of findings) {
    if (finding.rule === ENGINE_ERROR_RULE || seen.has(finding.rule)) continue;
    seen.add(finding.rule);
    out.push(finding);
  }
  return out;
}

export function ruleIds(findings: readonly Finding[]): string[] {
  return firstPerRule(findings).map((f) => f.rule);
}

function nameOf(target: Target): string {
  return target.name ? `${target.kind} ${target.name}` : target.kind;
}

/** Warnings for kubectl: a header when the deny was softened by the mode, one line per rule, most severe first, capped. */
export function warningsFor(decision: Decision, target: Target): string[] {
  const lines: string[] = [];
  if (decision.verdict === 'deny' && decision.action !== 'deny') {
    lines.push(
      truncate(
        `jobguard: ${nameOf(target)} would be denied in enforce mode (score ${decision.score}, deny at ${decision.thresholds.deny})`,
        WARNING_MAX,
      ),
    );
  }
  for (const rule of decision.errors) {
    lines.push(
      truncate(
        `jobguard: ${rule}: rule could not be evaluated (onError: ${decision.verdict === 'deny' ? 'deny' : 'allow'}); see the webhook log`,
        WARNING_MAX,
      ),
    );
  }
  const perRule = firstPerRule(decision.findings).filter((f) => f.weight > 0);
  const room = Math.max(0, WARNINGS_MAX_COUNT - lines.length);
  const shown = perRule.length > room ? perRule.slice(0, Math.max(0, room - 1)) : perRule;
  for (const finding of shown) lines.push(describeFinding(finding, target.object));
  if (shown.length < perRule.length) {
    const rest = perRule.slice(shown.length).map((f) => f.rule);
    lines.push(truncate(`jobguard: … and ${rest.length} more: ${rest.join(', ')}`, WARNING_MAX));
  }
  return lines;
}

/**
 * The deny message, one line like Pod Security Admission's: the object, the score against the
 * threshold, and every rule that counted with where it fired, most severe first, then what to do.
 */
export function denyMessage(decision: Decision, target: Target): string {
  const counted = firstPerRule(decision.findings).filter((f) => f.weight > 0);
  const rules = counted.map((f) => {
    const where = locate(f.path, target.object);
    const detail = f.detail ? `: ${quote(f.detail, 60)}` : '';
    return `${f.rule} (${f.message}${where ? ` in ${where}` : ''}${detail})`;
  });
  const errors = decision.errors.map((rule) => `${rule} (rule failed, onError: deny)`);
  // One link, to the most severe rule's section (its investigate and respond guide): a message
  // is read in a terminal, where one URL stays clickable and the rest are a rules.md away.
  const first = counted[0]?.rule ?? (decision.errors.length > 0 ? ENGINE_ERROR_RULE : undefined);
  const link = first === undefined ? '' : `; see ${ruleDocUrl(first)}`;
  return (
    `jobguard: ${nameOf(target)} denied, score ${decision.score} reaches deny threshold ${decision.thresholds.deny}: ` +
    `${[...rules, ...errors].join(', ')}; change what these rules flag, or ask for a JobguardException naming them${link}`
  );
}

/** The docs sections of the rules that fired, comma-separated, whole URLs only, within ANNOTATION_MAX. */
function ruleDocs(findings: readonly Finding[]): string {
  const urls: string[] = [];
  let length = -1;
  for (const rule of ruleIds(findings)) {
    const url = ruleDocUrl(rule);
    if (length + 1 + url.length > ANNOTATION_MAX) break;
    urls.push(url);
    length += 1 + url.length;
  }
  return urls.join(',');
}

/** Audit annotation keys have no `/` (the API server prefixes the webhook name) — see the Kubernetes admission webhook docs, "Response: audit annotations". */
export function auditAnnotationsFor(decision: Decision): Record<string, string> {
  const annotations: Record<string, string> = {
    score: String(decision.score),
    action: decision.action,
    verdict: decision.verdict,
    mode: decision.mode,
    profile: decision.profile,
    rules: truncate(ruleIds(decision.findings).join(','), ANNOTATION_MAX),
  };
  const docs = ruleDocs(decision.findings);
  if (docs !== '') annotations['rule-docs'] = docs;
  if (decision.exemptions.length > 0) {
    annotations['exempted-by'] = truncate(
      decision.exemptions
        // The self-exemption's reason already says what it is.
        .map((e) => (e.id === 'self' ? e.reason : `${e.id}${e.via ? ` (via ${e.via})` : ''}: ${e.reason}`))
        .join('; '),
      ANNOTATION_MAX,
    );
    annotations.waived = truncate(ruleIds(decision.waived).join(','), ANNOTATION_MAX);
  }
  if (decision.errors.length > 0) annotations['engine-errors'] = decision.errors.join(',');
  return annotations;
}
