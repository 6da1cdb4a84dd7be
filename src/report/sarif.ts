/**
 * SARIF 2.1.0 for GitHub code scanning (and any other SARIF viewer): one `tool.driver.rules` entry
 * per rule of the active profile (plus `engine-error`), one result per finding of every object whose
 * verdict is at least `annotate`, at the finding's line when the input has one.
 * GitHub reads: version, runs[].tool.driver.{name,rules[].id,shortDescription}, results[].ruleId,
 * level, message.text, locations[0].physicalLocation.{artifactLocation.uri,region.startLine},
 * partialFingerprints (to track an alert across commits), rules[].properties.security-severity.
 */
import { createHash } from 'node:crypto';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Verdict } from '../policy/decision.js';
import { ENGINE_ERROR_RULE, type Rule } from '../scoring/types.js';
import type { ScoredObject } from './result.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const FINGERPRINT = 'jobguardFinding/v1';

const LEVELS: Record<Verdict, Result.level | undefined> = {
  deny: 'error',
  warn: 'warning',
  annotate: 'note',
  allow: undefined,
};

export interface SarifRule {
  rule: Rule;
  /** Weight after policy overrides. */
  weight: number;
  enabled: boolean;
}

/** ATT&CK's page for a technique: `T1053.007` → `https://attack.mitre.org/techniques/T1053/007/`. */
export function techniqueUrl(technique: string): string {
  return `https://attack.mitre.org/techniques/${technique.replace('.', '/')}/`;
}

/** GitHub turns `security-severity` into critical/high/medium/low; a rule's weight is our measure of it. */
function severity(weight: number): string {
  if (weight >= 6) return '9.0';
  if (weight >= 4) return '7.5';
  if (weight >= 2) return '5.0';
  return weight >= 1 ? '3.0' : '1.0';
}

function descriptor({ rule, weight, enabled }: SarifRule): ReportingDescriptor {
  const full = `${rule.description}. Reads: ${rule.doc.reads}. Why attackers do it: ${rule.doc.why}.`;
  const help = [
    `${rule.description}.`,
    '',
    `Reads: ${rule.doc.reads}.`,
    `Why attackers do it: ${rule.doc.why}.`,
    `Benign look-alikes: ${rule.doc.benign}.`,
    `MITRE ATT&CK ${rule.technique}: ${techniqueUrl(rule.technique)}`,
    `Weight: ${weight}${enabled ? '' : ' (disabled by the policy)'}.`,
  ];
  return {
    id: rule.id,
    name: rule.id,
    shortDescription: { text: rule.description },
    fullDescription: { text: full },
    help: { text: help.join('\n'), markdown: help.join('\n\n') },
    helpUri: techniqueUrl(rule.technique),
    defaultConfiguration: { enabled, level: 'warning' },
    properties: {
      tags: ['security', 'kubernetes', rule.technique],
      weight,
      'security-severity': severity(weight),
    },
  };
}

const ENGINE_ERROR: ReportingDescriptor = {
  id: ENGINE_ERROR_RULE,
  name: ENGINE_ERROR_RULE,
  shortDescription: { text: 'A rule failed on this object' },
  fullDescription: {
    text: 'A rule threw while scoring this object; the policy onError setting decides the verdict.',
  },
  help: { text: 'Report the object and the rule named in the message: a rule must never fail.' },
  defaultConfiguration: { level: 'warning' },
  properties: { tags: ['jobguard'], 'security-severity': '1.0' },
};

/** SARIF wants a URI reference: relative paths percent-encoded; stdin has no file to point at. */
export function artifactUri(source: string): string {
  return source === '<stdin>' ? 'stdin' : encodeURI(source);
}

function fingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export function buildSarif(rules: readonly SarifRule[], objects: readonly ScoredObject[]): Log {
  const descriptors = [...rules.map(descriptor), ENGINE_ERROR];
  const index = new Map(descriptors.map((d, i) => [d.id, i]));
  const results: Result[] = [];
  for (const { result, findingLines, template } of objects) {
    const level = LEVELS[result.verdict];
    if (level === undefined) continue;
    result.findings.forEach((finding, i) => {
      const detail = finding.detail === undefined ? '' : ` (${finding.detail})`;
      const where = finding.path === '' ? '' : ` at ${finding.path}`;
      const from = template === undefined ? '' : ` [${template}]`;
      results.push({
        ruleId: finding.rule,
        ruleIndex: index.get(finding.rule) ?? index.get(ENGINE_ERROR_RULE) ?? 0,
        level,
        message: {
          text: `${result.kind} ${result.namespace}/${result.name}: ${finding.message}${detail}${where}${from}. Score ${result.score}, ${result.verdict}.`,
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: artifactUri(result.source) },
              region: { startLine: Math.max(1, findingLines?.[i] ?? result.line) },
            },
          },
        ],
        partialFingerprints: {
          [FINGERPRINT]: fingerprint([
            result.source,
            result.kind,
            result.namespace,
            result.name,
            finding.rule,
            finding.path,
          ]),
        },
        properties: {
          score: result.score,
          verdict: result.verdict,
          action: result.action,
          weight: finding.weight,
        },
      });
    });
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'jobguard',
            informationUri: 'https://attack.mitre.org/techniques/T1053/007/',
            rules: descriptors,
          },
        },
        results,
      },
    ],
  };
}
