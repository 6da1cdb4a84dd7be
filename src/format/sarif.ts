/**
 * SARIF 2.1.0 for GitHub code scanning (and any other SARIF viewer): one `tool.driver.rules` entry
 * per rule of the active profile (plus `engine-error`), one result per finding of every object whose
 * verdict is at least `annotate`, at the finding's line when the input has one.
 * GitHub reads: version, runs[].tool.driver.{name,rules[].id,shortDescription}, results[].ruleId,
 * level, message.text, locations[0].physicalLocation.{artifactLocation.uri,region.startLine},
 * partialFingerprints (to track an alert across commits), rules[].properties.security-severity.
 * Paths are relative to the repository root and carry `uriBaseId: %SRCROOT%` (SARIF 2.1.0 §3.4.4),
 * whose absolute location `run.originalUriBaseIds` gives, so a viewer resolves them from anywhere.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArtifactLocation, Log, ReportingDescriptor, Result } from 'sarif';
import type { Verdict } from '../policy/decision.js';
import { ruleDocUrl, techniqueUrl } from '../scoring/docs.js';
import { ENGINE_ERROR_RULE, type Rule } from '../scoring/types.js';
import { VERSION } from '../version.js';
import type { ResultFinding, ScoredObject } from './result.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const FINGERPRINT = 'jobguardFinding/v1';
/** The uriBaseId GitHub code scanning and most viewers know for the checked-out repository. */
const SRCROOT = '%SRCROOT%';

/** Objects whose verdict is `allow` are not reported at all. */
const LEVELS: Record<Verdict, Result.level> = {
  deny: 'error',
  warn: 'warning',
  annotate: 'note',
  allow: 'none',
};

/**
 * A finding's own level: the object's verdict for a finding that counts toward the score, `note`
 * for a weight-0 finding (context such as an unpinned image, reported and never scored), which
 * must not show up as an error just because something else in the object was denied.
 */
function findingLevel(finding: ResultFinding, verdict: Verdict): Result.level {
  return finding.weight > 0 || verdict === 'allow' ? LEVELS[verdict] : 'note';
}

export interface SarifRule {
  rule: Rule;
  /** Weight after policy overrides. */
  weight: number;
  enabled: boolean;
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
    helpUri: ruleDocUrl(rule.id),
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
  helpUri: ruleDocUrl(ENGINE_ERROR_RULE),
  defaultConfiguration: { level: 'warning' },
  properties: { tags: ['jobguard'], 'security-severity': '1.0' },
};

/** Where the artifacts of a run are: files under `root` are named relative to it (`%SRCROOT%`). */
export interface SarifLocator {
  /** Absolute repository root. */
  root: string;
  /** The working directory results' `source` paths are relative to. */
  cwd: string;
}

/** Percent-encodes a relative path for a URI reference, keeping `/` (RFC 3986 path segments). */
function encodePath(relative: string): string {
  return relative.split('/').map(encodeURIComponent).join('/');
}

/**
 * The artifact a result's `source` names: relative to the root with `uriBaseId` when it lies
 * under the root, an absolute `file:` URI when it does not; without a locator (`report` over a
 * cluster, where no file exists) the source as an opaque relative reference.
 */
function artifactLocation(source: string, locator: SarifLocator | undefined): ArtifactLocation {
  if (!locator) return { uri: encodePath(source) };
  const absolute = path.resolve(locator.cwd, source);
  const relative = path.relative(locator.root, absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative))
    return { uri: pathToFileURL(absolute).href };
  return { uri: encodePath(relative.split(path.sep).join('/')), uriBaseId: SRCROOT };
}

function fingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export function buildSarif(
  rules: readonly SarifRule[],
  objects: readonly ScoredObject[],
  locator?: SarifLocator,
): Log {
  const descriptors = [...rules.map(descriptor), ENGINE_ERROR];
  const index = new Map(descriptors.map((d, i) => [d.id, i]));
  const results: Result[] = [];
  for (const { result, findingLines, template } of objects) {
    if (result.verdict === 'allow') continue;
    const location = artifactLocation(result.source, locator);
    result.findings.forEach((finding, i) => {
      const level = findingLevel(finding, result.verdict);
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
              artifactLocation: location,
              region: { startLine: Math.max(1, findingLines?.[i] ?? result.line) },
            },
          },
        ],
        partialFingerprints: {
          // The root-relative path, so the fingerprint does not depend on where the scan ran.
          [FINGERPRINT]: fingerprint([
            location.uri ?? result.source,
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
            version: VERSION,
            semanticVersion: VERSION,
            informationUri: 'https://github.com/jobguard/jobguard',
            rules: descriptors,
          },
        },
        ...(locator
          ? { originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(`${locator.root}${path.sep}`).href } } }
          : {}),
        results,
      },
    ],
  };
}
