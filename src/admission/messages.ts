import { quote, truncate } from '../scoring/redact.js';
import { ENGINE_ERROR_RULE, type Finding } from '../scoring/types.js';
import type { Decision } from '../policy/decision.js';

/** kubectl prints each warning on one line; the API server truncates past 256 runes (reference §2). */
export const WARNING_MAX = 120;
/** Warnings per request before "… and N more"; the API server's budget is 4096 runes for all webhooks. */
export const WARNINGS_MAX_COUNT = 8;
/** Audit annotation values should be short (reference §3); ours stay under this. */
export const ANNOTATION_MAX = 1024;

export interface Target {
  kind: string;
  name: string;
}

/** `spec.jobTemplate.spec.template.spec.containers[0].args[0]` → `containers[0].args[0]`: the part a developer can find. */
export function shortPath(path: string): string {
  const at = path.lastIndexOf('template.spec.');
  const tail =
    at >= 0 ? path.slice(at + 'template.spec.'.length) : path.startsWith('spec.') ? path.slice(5) : path;
  return tail;
}

/** One finding as a line: `[reverse-shell] reverse shell: bash -i >& /dev/tcp/… (containers[0].args[0])`. */
export function describeFinding(finding: Finding, max = WARNING_MAX): string {
  const where = finding.path ? ` (${shortPath(finding.path)})` : '';
  const detail = finding.detail ? `: ${quote(finding.detail, 80)}` : '';
  const head = `[${finding.rule}] ${finding.message}`;
  const full = `${head}${detail}${where}`;
  if (full.length <= max) return full;
  const withoutPath = `${head}${detail}`;
  return truncate(withoutPath.length <= max ? withoutPath : withoutPath, max);
}

/** The heaviest finding of each rule, heaviest rule first (findings arrive sorted by weight). */
export function firstPerRule(findings: readonly Finding[]): Finding[] {
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

/** Warnings for kubectl: a header when the deny was softened by the mode, one line per rule, capped. */
export function warningsFor(decision: Decision, target: Target): string[] {
  const lines: string[] = [];
  if (decision.verdict === 'deny' && decision.action !== 'deny') {
    lines.push(
      truncate(
        `jobguard: this ${target.kind} would be denied in enforce mode (score ${decision.score}, deny at ${decision.thresholds.deny})`,
        WARNING_MAX,
      ),
    );
  }
  for (const rule of decision.errors) {
    lines.push(
      truncate(
        `jobguard: rule ${rule} could not be evaluated (onError: ${decision.verdict === 'deny' ? 'deny' : 'allow'})`,
        WARNING_MAX,
      ),
    );
  }
  const perRule = firstPerRule(decision.findings).filter((f) => f.weight > 0);
  const room = Math.max(0, WARNINGS_MAX_COUNT - lines.length);
  const shown = perRule.length > room ? perRule.slice(0, Math.max(0, room - 1)) : perRule;
  for (const finding of shown) lines.push(describeFinding(finding));
  if (shown.length < perRule.length) lines.push(`… and ${perRule.length - shown.length} more`);
  return lines;
}

/** The deny message: score, threshold and every rule that counted, each with its reason. */
export function denyMessage(decision: Decision, target: Target): string {
  const rules = firstPerRule(decision.findings)
    .filter((f) => f.weight > 0)
    .map((f) => `${f.rule} (${f.message}${f.detail ? `: ${quote(f.detail, 60)}` : ''})`);
  const errors = decision.errors.map((rule) => `${rule} (rule failed, onError: deny)`);
  const name = target.name ? ` ${target.name}` : '';
  return `jobguard denied ${target.kind}${name}: score ${decision.score} reaches deny threshold ${decision.thresholds.deny}: ${[...rules, ...errors].join('; ')}`;
}

/** Audit annotation keys have no `/` (the API server prefixes the webhook name) — reference §3. */
export function auditAnnotationsFor(decision: Decision): Record<string, string> {
  const annotations: Record<string, string> = {
    score: String(decision.score),
    action: decision.action,
    verdict: decision.verdict,
    mode: decision.mode,
    profile: decision.profile,
    rules: truncate(ruleIds(decision.findings).join(','), ANNOTATION_MAX),
  };
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
