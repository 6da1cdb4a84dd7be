import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import type { Log } from 'sarif';
import { scan } from '../src/cli/scan.js';
import { PROFILES } from '../src/scoring/profiles.js';
import { fakeIo } from './fixtures/scan/fake-io.js';

const FIXTURES = path.resolve('test/fixtures/scan');

async function sarif(argv: string[]) {
  const io = fakeIo({ cwd: FIXTURES });
  const code = await scan(['--format', 'sarif', ...argv], io);
  return { code, log: JSON.parse(io.out()) as Log, err: io.err() };
}

interface FlatResult {
  ruleId: string;
  level: string;
  text: string;
  uri: string;
  startLine: number;
  fingerprints: Record<string, string>;
}

/**
 * What GitHub code scanning requires of an upload ("SARIF support for code scanning"): version,
 * runs[0].tool.driver.name, rules[].id + shortDescription.text, results[].ruleId, level,
 * message.text, locations[0].physicalLocation.artifactLocation.uri (relative) and region.startLine ≥ 1.
 * Checks all of it and returns the results flattened for the tests.
 */
function checkGitHubShape(log: Log): { ruleIds: string[]; results: FlatResult[] } {
  expect(log.version).toBe('2.1.0');
  expect(typeof log.$schema).toBe('string');
  expect(log.runs).toHaveLength(1);
  const run = log.runs[0]!;
  expect(run.tool.driver.name).toBe('jobguard');
  const rules = run.tool.driver.rules!;
  const ruleIds = rules.map((rule) => rule.id);
  expect(new Set(ruleIds).size).toBe(ruleIds.length);
  for (const rule of rules) {
    expect(rule.shortDescription!.text.length).toBeGreaterThan(0);
    expect(rule.fullDescription!.text.length).toBeGreaterThan(0);
    expect(rule.help!.text.length).toBeGreaterThan(0);
    expect(String(rule.properties!['security-severity'])).toMatch(/^\d+\.\d$/);
  }
  const results = run.results!.map((result): FlatResult => {
    expect(ruleIds).toContain(result.ruleId);
    expect(rules[result.ruleIndex!]!.id).toBe(result.ruleId);
    expect(['error', 'warning', 'note']).toContain(result.level);
    const location = result.locations![0]!.physicalLocation!;
    const flat = {
      ruleId: result.ruleId!,
      level: result.level!,
      text: result.message.text!,
      uri: location.artifactLocation!.uri!,
      startLine: location.region!.startLine!,
      fingerprints: result.partialFingerprints!,
    };
    expect(flat.text.length).toBeGreaterThan(0);
    expect(flat.uri).not.toMatch(/^\//);
    expect(Number.isInteger(flat.startLine)).toBe(true);
    expect(flat.startLine).toBeGreaterThanOrEqual(1);
    expect(Object.keys(flat.fingerprints).length).toBeGreaterThan(0);
    return flat;
  });
  return { ruleIds, results };
}

describe('scan --format sarif', () => {
  it('has one rule per rule id of the kql profile and a result per finding, GitHub-ready', async () => {
    const { log, code } = await sarif(['--profile', 'kql', '.']);
    const { ruleIds, results } = checkGitHubShape(log);
    for (const rule of PROFILES.kql.rules) expect(ruleIds).toContain(rule.id);
    const shell = results.filter((r) => r.uri === 'reverse-shell-cronjob.yaml');
    expect(shell).toHaveLength(5);
    expect(shell.every((r) => r.level === 'error' && r.startLine === 2)).toBe(true);
    const listed = results.filter((r) => r.uri === 'list.yaml');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((r) => r.level === 'warning' && r.startLine === 4)).toBe(true);
    expect(results.some((r) => r.uri === 'multi.yaml')).toBe(false);
    expect(code).toBe(2); // broken.yaml is in the folder
  });

  it('maps verdicts to levels: annotate → note', async () => {
    const { log } = await sarif([
      '--profile',
      'kql',
      '--warn-threshold',
      '3',
      '--deny-threshold',
      '9',
      'list.yaml',
    ]);
    expect(checkGitHubShape(log).results.map((r) => r.level)).toEqual(['note', 'note']);
  });

  it('gives stable fingerprints across runs', async () => {
    const a = checkGitHubShape((await sarif(['--profile', 'kql', 'reverse-shell-cronjob.yaml'])).log);
    const b = checkGitHubShape((await sarif(['--profile', 'kql', 'reverse-shell-cronjob.yaml'])).log);
    expect(a.results.map((r) => r.fingerprints)).toEqual(b.results.map((r) => r.fingerprints));
  });

  it('is valid for the default profile too', async () => {
    const { log } = await sarif(['reverse-shell-cronjob.yaml', 'helm-template.yaml', 'list.yaml']);
    const { ruleIds } = checkGitHubShape(log);
    for (const rule of PROFILES.default.rules) expect(ruleIds).toContain(rule.id);
  });
});
