/**
 * docs/rules.md, generated from the rule registry so the reference cannot drift from the code:
 * per profile its thresholds and an index, then per rule its weight, ATT&CK technique, description,
 * what it reads, why attackers do it, which benign jobs look alike, its parameters' defaults, and
 * the investigation and response steps of its behaviour class (src/scoring/guide.ts).
 */
import { GUIDES } from './guide.js';
import type { Profile, Rule } from './types.js';

/** `T1053.007` → `https://attack.mitre.org/techniques/T1053/007/`. */
export function techniqueUrl(technique: string): string {
  return `https://attack.mitre.org/techniques/${technique.replace('.', '/')}/`;
}

/** Text for one Markdown table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function inlineCode(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    return value.map((item) => inlineCode(typeof item === 'string' ? item : JSON.stringify(item))).join(', ');
  }
  return inlineCode(typeof value === 'string' ? value : JSON.stringify(value));
}

function technique(rule: Rule): string {
  return `[${rule.technique}](${techniqueUrl(rule.technique)})`;
}

function renderParams(rule: Rule): string[] {
  const defaults = rule.params?.defaults;
  if (defaults === undefined || defaults === null || typeof defaults !== 'object')
    return ['- **Parameters:** none'];
  const entries = Object.entries(defaults as Record<string, unknown>);
  if (entries.length === 0) return ['- **Parameters:** none'];
  return [
    `- **Parameters** (override in the policy under \`rules.${rule.id}\`):`,
    '',
    '  | parameter | default |',
    '  |---|---|',
    ...entries.map(([name, value]) => `  | \`${name}\` | ${cell(formatValue(value))} |`),
  ];
}

/** A guide step for one rule: `<rule>` becomes the rule's id. */
function step(text: string, rule: Rule): string {
  return `  - ${text.replaceAll('<rule>', rule.id)}`;
}

function renderGuide(rule: Rule): string[] {
  if (rule.guide === undefined) return [];
  const guide = GUIDES[rule.guide];
  return [
    `- **When it fires** (${rule.guide}): ${guide.meaning}. See [the playbook](playbook.md) for a deny and for a warning.`,
    '- **Investigate:**',
    step(
      `Every request this rule fired on, counted by who sent it: \`jobguard audit --format json LOG… | jq -r '.results[] | select(any(.findings[]; .rule == "${rule.id}")) | .event.user' | sort | uniq -c\` (in the SIEM: the \`rules\` audit annotation contains \`${rule.id}\`; \`jobguard export --detection verdicts\` prints that query).`,
      rule,
    ),
    ...guide.investigate.map((text) => step(text, rule)),
    '- **Respond:**',
    ...guide.respond.map((text) => step(text, rule)),
  ];
}

function renderRule(rule: Rule): string[] {
  return [
    `### ${rule.id}`,
    '',
    rule.description,
    '',
    `- **Weight:** ${rule.weight}${rule.weight === 0 ? ' (reported, never scored)' : ''}`,
    `- **Technique:** ${technique(rule)}`,
    `- **Reason shown in findings:** ${rule.reason}`,
    `- **Reads:** ${rule.doc.reads}`,
    `- **Why attackers do it:** ${rule.doc.why}`,
    `- **Benign look-alikes:** ${rule.doc.benign}`,
    ...renderParams(rule),
    ...renderGuide(rule),
    '',
  ];
}

function renderProfile(profile: Profile): string[] {
  const { annotate, warn, deny } = profile.thresholds;
  return [
    `## Profile \`${profile.name}\``,
    '',
    `Default thresholds: annotate at ${annotate}, warn at ${warn}, deny at ${deny}. ` +
      'The score is the sum of the weights of the rules that fired, each rule counted once.',
    '',
    '| rule | weight | technique | description |',
    '|---|---|---|---|',
    ...profile.rules.map(
      (rule) =>
        `| [${rule.id}](#${rule.id}) | ${rule.weight} | ${technique(rule)} | ${cell(rule.description)} |`,
    ),
    '',
    ...profile.rules.flatMap(renderRule),
  ];
}

/** The whole of docs/rules.md: the `default` profile first, then the others by name. */
export function renderRulesMarkdown(profiles: Readonly<Record<string, Profile>>): string {
  const ordered = Object.values(profiles).sort((a, b) =>
    a.name === b.name
      ? 0
      : a.name === 'default'
        ? -1
        : b.name === 'default'
          ? 1
          : a.name.localeCompare(b.name),
  );
  const lines = [
    '# Rules',
    '',
    '<!-- Generated from the rule registry by renderRulesMarkdown() in src/scoring/docs.ts. Do not edit by hand:',
    '     regenerate with `UPDATE_RULES_DOC=1 npm test -- test/rules-doc.test.ts`. -->',
    '',
    'Every rule jobguard scores, per profile. A policy may change any weight, disable a rule, or override',
    'its parameters under `rules.<id>`; thresholds are set per policy too.',
    '',
    ...ordered.flatMap(renderProfile),
  ];
  while (lines.at(-1) === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

/** Where docs/rules.md is published; links in messages, SARIF and reports point into it. */
export const RULES_DOC_URL = 'https://github.com/jobguard/jobguard/blob/main/docs/rules.md';

/** The section of docs/rules.md that documents a rule (GitHub's heading anchors: the id as written). */
export function ruleDocUrl(ruleId: string): string {
  return `${RULES_DOC_URL}#${ruleId}`;
}
