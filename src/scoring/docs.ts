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

/**
 * How the default profile's behavioural rules judge a workload: the model they read and the lines
 * they draw, in one place, so a denied team can see why and a reviewer where the line is.
 */
const DEFAULT_PROFILE_NOTES: readonly string[] = [
  '### How the behavioural rules read a workload',
  '',
  'The behavioural rules never match words in the manifest. For each container the workload layer builds',
  'an execution model: every program the container runs (its `command`/`args` resolved as the kubelet',
  'does, lifecycle hooks and exec probes, with launchers such as `sudo`, `nohup`, `env`, `chroot`,',
  '`nsenter`, `busybox` unwrapped and `sh -c`, `eval`, functions, heredocs and interpreter one-liners',
  'followed), the actions those programs take (fetches, sockets, processes, file reads and writes,',
  'Kubernetes API calls), and the flows from sources (the network, credentials, decoded text) to sinks',
  '(execution, a send to a host, the container’s log). The rules judge that model, so every spelling',
  'the model understands is judged like the others.',
  '',
  '- **Download and run** is graded by where the code came from. Plain HTTP, FTP or TFTP, an IP address',
  '  in any spelling, a wildcard-DNS name that embeds an address, a public host on a non-default port,',
  '  the metadata service, or code dropped into a hidden or temporary path before it runs: `download-exec`',
  '  (deny). HTTPS from a domain, a Service inside the cluster, or a host only known at run time:',
  '  `download-exec-unverified` (warn). HTTPS from a vendor’s own installer host (its `trustedHosts`',
  '  parameter: `get.helm.sh`, `sh.rustup.rs`, …): context only (`network-client`, weight 1). The line',
  '  sits there because vendors document HTTPS installers from their own hosts, while droppers use',
  '  bare addresses, plain HTTP and hidden or temporary files; anyone can publish on `github.com` and',
  '  `raw.githubusercontent.com`, so only named projects’ paths there are trusted.',
  '- **Credentials** are judged by where they go. A token sent to its own audience — the service-account',
  '  token to the API server or a Vault Kubernetes login, a workload-identity token to its provider’s',
  '  API domains — is what vendor documentation teaches and does not fire; the same token sent to any',
  '  other host, or cloud or node credentials printed to the log, is theft (deny).',
  '- **Reverse shells** are a socket joined to a shell’s or interpreter’s standard streams, or commands',
  '  read from a socket and run — not a mention of `/dev/tcp`. **Scans** are connections in a loop over',
  '  changing ports or hosts; the same host and port retried (a wait-for-database loop) is not a scan.',
  '- **Miners** are recognised by their option set (a pool with a wallet or tuning) on any program name.',
  '- **The Kubernetes API** from inside the pod: escalation and spreading deny (`kube-api-escalation`),',
  '  reading Secrets in the pod’s own namespace warns (`kube-secrets-read`), everyday operations are quiet.',
  '- **Fail closed:** when the model’s analysis reaches a limit (nesting, size, work budget),',
  '  `analysis-incomplete` fires at the deny threshold: the shell runs what the model stopped reading. To',
  '  warn instead, set `rules.analysis-incomplete.weight` (for example to 4) in the policy. A rule that',
  '  throws is an `engine-error` finding, decided by the policy’s `onError`.',
  '',
];

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
    ...(profile.name === 'default' ? DEFAULT_PROFILE_NOTES : []),
    ...profile.rules.flatMap(renderRule),
  ];
}

/**
 * The whole of docs/rules.md: the `default` profile first, then the others by name.
 * @internal
 */
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
