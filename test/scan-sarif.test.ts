import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log } from 'sarif';
import { main } from '../src/cli/index.js';
import { scan } from '../src/cli/scan.js';
import { ruleDocUrl } from '../src/scoring/docs.js';
import { PROFILES } from '../src/scoring/profiles.js';
import { VERSION } from '../src/version.js';
import { fakeIo } from './fixtures/scan/fake-io.js';

const FIXTURES = path.resolve('test/fixtures/scan');
/** The repository root (this checkout): SARIF paths are relative to it by default. */
const ROOT = path.resolve('.');
const IN_ROOT = 'test/fixtures/scan/';

async function sarif(argv: string[], stdin?: string) {
  const io = fakeIo({ cwd: FIXTURES, ...(stdin === undefined ? {} : { stdin }) });
  const code = await scan(['--format', 'sarif', ...argv], io);
  return { code, log: (io.out() ? JSON.parse(io.out()) : undefined) as Log, err: io.err() };
}

interface FlatResult {
  ruleId: string;
  level: string;
  text: string;
  uri: string;
  uriBaseId: string | undefined;
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
      uriBaseId: location.artifactLocation!.uriBaseId,
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
    const shell = results.filter((r) => r.uri === `${IN_ROOT}reverse-shell-cronjob.yaml`);
    expect(shell).toHaveLength(5);
    expect(shell.every((r) => r.level === 'error' && r.startLine === 2)).toBe(true);
    expect(results.every((r) => r.uriBaseId === '%SRCROOT%')).toBe(true);
    const listed = results.filter((r) => r.uri === `${IN_ROOT}list.yaml`);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((r) => r.level === 'warning' && r.startLine === 4)).toBe(true);
    expect(results.some((r) => r.uri === `${IN_ROOT}multi.yaml`)).toBe(false);
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

  it('gives each finding its own level: weight-0 context on a denied object is a note', async () => {
    const { results } = checkGitHubShape((await sarif(['reverse-shell-cronjob.yaml'])).log);
    const levels = Object.fromEntries(results.map((r) => [r.ruleId, r.level]));
    expect(levels).toMatchObject({
      'reverse-shell': 'error',
      'privileged-container': 'error',
      'generic-image': 'error',
      'unpinned-image': 'note',
      'shell-wrapper': 'note',
    });
  });

  it('names the driver version and links every rule to its own section of docs/rules.md', async () => {
    const { log } = await sarif(['--profile', 'kql', 'list.yaml']);
    const driver = log.runs[0]!.tool.driver;
    expect(driver.version).toBe(VERSION);
    const rules = driver.rules!;
    for (const rule of rules) expect(rule.helpUri).toBe(ruleDocUrl(rule.id));
    expect(rules.map((r) => r.helpUri)).toContain(ruleDocUrl('kql-suspicious-image'));
  });

  it('makes paths relative to --sarif-root and says where that root is', async () => {
    const { log } = await sarif(['--sarif-root', '..', 'reverse-shell-cronjob.yaml']);
    const run = log.runs[0]!;
    expect(run.originalUriBaseIds).toEqual({
      '%SRCROOT%': { uri: pathToFileURL(`${path.resolve(FIXTURES, '..')}/`).href },
    });
    const uris = new Set(checkGitHubShape(log).results.map((r) => `${r.uriBaseId} ${r.uri}`));
    expect([...uris]).toEqual(['%SRCROOT% scan/reverse-shell-cronjob.yaml']);
  });

  it('points at files outside the root with an absolute file URI, and keeps fingerprints independent of the working directory', async () => {
    const outside = await sarif(['--sarif-root', 'folder', 'reverse-shell-cronjob.yaml']);
    const uri = outside.log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!;
    expect(uri).toEqual({ uri: pathToFileURL(path.join(FIXTURES, 'reverse-shell-cronjob.yaml')).href });
    const io = fakeIo({ cwd: ROOT });
    await scan(['--format', 'sarif', `${IN_ROOT}reverse-shell-cronjob.yaml`], io);
    const fromRoot = JSON.parse(io.out()) as Log;
    const fromFixtures = (await sarif(['reverse-shell-cronjob.yaml'])).log;
    const prints = (log: Log) => log.runs[0]!.results!.map((r) => r.partialFingerprints);
    expect(prints(fromRoot)).toEqual(prints(fromFixtures));
  });

  it('reads stdin under the name --stdin-filename gives, and refuses stdin without one', async () => {
    const text = await readFile(path.join(FIXTURES, 'reverse-shell-cronjob.yaml'), 'utf8');
    const named = await sarif(['--stdin-filename', 'deploy/cron.yaml', '-'], text);
    const results = checkGitHubShape(named.log).results;
    expect(results.length).toBe(6);
    expect(new Set(results.map((r) => r.uri))).toEqual(new Set([`${IN_ROOT}deploy/cron.yaml`]));
    const io = fakeIo({ cwd: FIXTURES, stdin: text });
    expect(await main(['scan', '--format', 'sarif', '-'], io)).toBe(2);
    expect(io.err()).toContain('--stdin-filename');
    expect(io.out()).toBe('');
  });

  it('is valid for the default profile too', async () => {
    const { log } = await sarif(['reverse-shell-cronjob.yaml', 'helm-template.yaml', 'list.yaml']);
    const { ruleIds } = checkGitHubShape(log);
    for (const rule of PROFILES.default.rules) expect(ruleIds).toContain(rule.id);
  });
});
