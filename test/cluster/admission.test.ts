/**
 * kube-apiserver calling jobguard, end to end, with the chart's default values (warn mode): what
 * kubectl prints, what the API server refuses, what it never sends, what its audit log records,
 * and what `jobguard audit` and `jobguard report` make of the same cluster. Every expected answer
 * is the engine's own answer for the same object under the mounted policy.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Engine } from '../../src/engine.js';
import { ROOT } from '../support/helm.js';
import { KubeCluster, type AuditEvent } from './cluster.js';
import { Jobguard, RELEASE_NAMESPACE, WEBHOOK_NAME, waitUntil } from './jobguard.js';
import {
  benignCronJob,
  engineFromPolicyDir,
  expectedAnswer,
  reverseShellCronJob,
  warningsOf,
} from './workloads.js';

const ADMIN = 'jobguard-cluster-admin';

let cluster: KubeCluster;
let jobguard: Jobguard;
let engine: Engine;

beforeAll(async () => {
  cluster = await KubeCluster.start();
  jobguard = await Jobguard.install(cluster);
  engine = await engineFromPolicyDir(jobguard.policy.dir);
  await cluster.kubectlOk(['create', 'namespace', 'team-a']);
  await cluster.kubectlOk(['create', 'namespace', 'team-b']);
  await cluster.kubectlOk(['label', 'namespace', 'team-b', 'jobguard.dev/mode=enforce']);
  // The label travels API server → watch → jobguard's cache; a dry run shows when it has arrived.
  await waitUntil('the enforce label to reach jobguard', async () => {
    const result = await cluster.kubectl(['create', '--dry-run=server', '-n', 'team-b', '-f', '-'], {
      input: JSON.stringify(reverseShellCronJob('label-probe')),
    });
    return result.code !== 0;
  });
}, 300_000);

afterAll(async () => {
  // beforeAll may have failed before either was made.
  await (jobguard as Jobguard | undefined)?.remove();
  await (cluster as KubeCluster | undefined)?.stop();
}, 60_000);

/** The decision log lines for one object (dry runs included), oldest first. */
function decisionsFor(kind: string, namespace: string, name: string) {
  return jobguard.decisions().filter((d) => d.kind === kind && d.namespace === namespace && d.name === name);
}

function auditEventsFor(verb: string, resource: string, namespace: string, name: string): AuditEvent[] {
  return cluster
    .auditEvents()
    .filter(
      (e) =>
        e.stage === 'ResponseComplete' &&
        e.verb === verb &&
        e.objectRef?.resource === resource &&
        e.objectRef.namespace === namespace &&
        e.objectRef.name === name &&
        e.objectRef.subresource === undefined,
    );
}

function jobguardAnnotations(event: AuditEvent): Record<string, string> {
  const prefix = `${WEBHOOK_NAME}/`;
  return Object.fromEntries(
    Object.entries(event.annotations ?? {})
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
}

/** The bundle's CLI (what the image holds) with the mounted policy. */
function jobguardCli(args: string[], input?: string) {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'dist/bundle/jobguard.mjs'), ...args, `--config=${join(jobguard.policy.dir, 'policy.yaml')}`],
    { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

describe('kubectl against the chart installed with default values (warn mode)', () => {
  it('prints jobguard warnings for a malicious CronJob and creates it', async () => {
    const object = reverseShellCronJob('evil');
    const expected = expectedAnswer(engine, object, 'team-a');
    expect(expected.warnings[0]).toMatch(/^jobguard: CronJob \S+ would be denied in enforce mode/);

    const result = await cluster.apply([object], ['-n', 'team-a']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('cronjob.batch/evil created');
    expect(warningsOf(result.stderr)).toEqual(expected.warnings);
    expect(decisionsFor('CronJob', 'team-a', 'evil')).toEqual([
      expect.objectContaining({ operation: 'CREATE', user: ADMIN, action: 'warn', score: expected.score }),
    ]);
  });

  it('prints nothing for a benign CronJob, which was still sent and scored', async () => {
    const result = await cluster.apply([benignCronJob('pi')], ['-n', 'team-a']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(decisionsFor('CronJob', 'team-a', 'pi')).toEqual([
      expect.objectContaining({ operation: 'CREATE', action: 'allow' }),
    ]);
  });

  it('refuses the same CronJob in a namespace labelled jobguard.dev/mode=enforce, with jobguard message', async () => {
    const object = reverseShellCronJob('evil');
    const expected = expectedAnswer(engine, object, 'team-b', { 'jobguard.dev/mode': 'enforce' });
    expect(expected.allowed).toBe(false);

    const result = await cluster.apply([object], ['-n', 'team-b']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      `admission webhook "${WEBHOOK_NAME}" denied the request: ${expected.message ?? '(no message)'}`,
    );
    const get = await cluster.kubectl(['get', 'cronjob', 'evil', '-n', 'team-b']);
    expect(get.stderr).toContain('NotFound');
  });

  it('follows a label change without restarting jobguard', async () => {
    const object = reverseShellCronJob('relabelled');
    const decisionsBefore = jobguard.decisions().length;
    await cluster.kubectlOk(['label', 'namespace', 'team-a', 'jobguard.dev/mode=enforce']);
    await waitUntil('team-a to turn enforce', async () => {
      const result = await cluster.apply([object], ['-n', 'team-a', '--dry-run=server']);
      return result.code !== 0 && result.stderr.includes('denied the request');
    });
    await cluster.kubectlOk(['label', 'namespace', 'team-a', 'jobguard.dev/mode-']);
    await waitUntil('team-a to be back to warn', async () => {
      const result = await cluster.apply([object], ['-n', 'team-a', '--dry-run=server']);
      return result.code === 0;
    });
    // Same process all along: every decision since came from the server that started in beforeAll.
    expect(jobguard.lines.filter((line) => line.msg === 'jobguard is serving')).toHaveLength(1);
    expect(jobguard.decisions().length).toBeGreaterThan(decisionsBefore);
  });

  it('answers --dry-run=server as it answers a real request, and nothing is stored', async () => {
    const object = reverseShellCronJob('dry');
    const warn = await cluster.apply([object], ['-n', 'team-a', '--dry-run=server']);
    expect(warn.code).toBe(0);
    expect(warn.stdout).toContain('cronjob.batch/dry created (server dry run)');
    expect(warningsOf(warn.stderr)).toEqual(expectedAnswer(engine, object, 'team-a').warnings);

    const enforce = await cluster.apply([object], ['-n', 'team-b', '--dry-run=server']);
    const expected = expectedAnswer(engine, object, 'team-b', { 'jobguard.dev/mode': 'enforce' });
    expect(enforce.code).not.toBe(0);
    expect(enforce.stderr).toContain(`denied the request: ${expected.message ?? '(no message)'}`);

    expect(decisionsFor('CronJob', 'team-a', 'dry').every((d) => d.dryRun)).toBe(true);
    expect((await cluster.kubectl(['get', 'cronjob', 'dry', '-n', 'team-a'])).stderr).toContain('NotFound');
  });

  it('scores the Job that kubectl create job --from=cronjob/… makes', async () => {
    const result = await cluster.kubectl([
      'create',
      'job',
      'evil-now',
      '--from=cronjob/evil',
      '-n',
      'team-a',
    ]);
    expect(result.code).toBe(0);
    const stored = JSON.parse(
      await cluster.kubectlOk(['get', 'job', 'evil-now', '-n', 'team-a', '-o', 'json']),
    );
    expect(warningsOf(result.stderr)).toEqual(expectedAnswer(engine, stored, 'team-a').warnings);
    expect(warningsOf(result.stderr)[0]).toMatch(/^jobguard: Job \S+ would be denied/);
    expect(decisionsFor('Job', 'team-a', 'evil-now')).toEqual([
      expect.objectContaining({ operation: 'CREATE', action: 'warn' }),
    ]);
  });

  it('scores an UPDATE', async () => {
    const object = reverseShellCronJob('evil');
    (object.spec as { schedule: string }).schedule = '*/7 * * * *';
    const result = await cluster.apply([object], ['-n', 'team-a']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('cronjob.batch/evil configured');
    expect(warningsOf(result.stderr)).toEqual(
      expectedAnswer(engine, object, 'team-a', {}, 'UPDATE').warnings,
    );
    expect(decisionsFor('CronJob', 'team-a', 'evil').map((d) => d.operation)).toEqual(['CREATE', 'UPDATE']);
  });

  it('is never sent a DELETE', async () => {
    await cluster.kubectlOk(['apply', '-n', 'team-a', '-f', '-'], {
      input: JSON.stringify(reverseShellCronJob('short-lived')),
    });
    const result = await cluster.kubectl(['delete', 'cronjob', 'short-lived', '-n', 'team-a']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(decisionsFor('CronJob', 'team-a', 'short-lived').map((d) => d.operation)).toEqual(['CREATE']);
    const [deleted] = auditEventsFor('delete', 'cronjobs', 'team-a', 'short-lived');
    expect(deleted).toBeDefined();
    expect(jobguardAnnotations(deleted!)).toEqual({});
  });

  it.each(['kube-system', RELEASE_NAMESPACE])('is never sent anything from %s', async (namespace) => {
    const result = await cluster.apply([reverseShellCronJob('evil')], ['-n', namespace]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('cronjob.batch/evil created');
    expect(jobguard.decisions().filter((d) => d.namespace === namespace)).toEqual([]);
  });
});

describe('the API server audit log', () => {
  it('carries jobguard audit annotations on the events of scored requests', () => {
    const [created] = auditEventsFor('create', 'cronjobs', 'team-a', 'evil');
    const expected = expectedAnswer(engine, reverseShellCronJob('evil'), 'team-a');
    expect(jobguardAnnotations(created!)).toEqual(expected.auditAnnotations);

    const [refused] = auditEventsFor('create', 'cronjobs', 'team-b', 'evil');
    expect(refused!.responseStatus?.code).toBe(403);
    expect(jobguardAnnotations(refused!)).toMatchObject({ action: 'deny', mode: 'enforce' });

    // Below the annotate threshold there is nothing to say, and never about excluded namespaces.
    expect(jobguardAnnotations(auditEventsFor('create', 'cronjobs', 'team-a', 'pi')[0]!)).toEqual({});
    expect(jobguardAnnotations(auditEventsFor('create', 'cronjobs', 'kube-system', 'evil')[0]!)).toEqual({});
  });

  it('replays through jobguard audit to the scores the webhook gave', () => {
    const annotated = cluster
      .auditEvents()
      .filter((e) => e.stage === 'ResponseComplete' && jobguardAnnotations(e).score !== undefined);
    expect(annotated.length).toBeGreaterThanOrEqual(4);

    const replay = jobguardCli(['audit', '--format=json', '--fail-on=never', cluster.info.auditLog]);
    expect(replay.stderr).not.toMatch(/malformed|cannot/i);
    expect(replay.code).toBe(0);
    const results = (
      JSON.parse(replay.stdout) as {
        results: { score: number; verdict: string; event: { auditID: string } }[];
      }
    ).results;
    const byAuditId = new Map(results.map((r) => [r.event.auditID, r]));
    for (const event of annotated) {
      const annotations = jobguardAnnotations(event);
      expect({ auditID: event.auditID, score: byAuditId.get(event.auditID)?.score }).toEqual({
        auditID: event.auditID,
        score: Number(annotations.score),
      });
      expect(byAuditId.get(event.auditID)?.verdict).toBe(annotations.verdict);
    }
  });
});

describe('jobguard report against the cluster', () => {
  it('finds the objects the webhook scored, with the same scores', () => {
    const report = jobguardCli([
      'report',
      '--all-namespaces',
      '--format=json',
      '--fail-on=never',
      `--kubeconfig=${cluster.info.kubeconfig}`,
    ]);
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    const results = (
      JSON.parse(report.stdout) as {
        results: { kind: string; namespace: string; name: string; score: number }[];
      }
    ).results;
    const found = new Map(results.map((r) => [`${r.kind}/${r.namespace}/${r.name}`, r.score]));
    // The last real (not dry-run) admission of every object still in the cluster.
    const admitted = new Map<string, number>();
    for (const d of jobguard.decisions())
      if (!d.dryRun && d.action !== 'deny') admitted.set(`${d.kind}/${d.namespace}/${d.name}`, d.score);
    admitted.delete('CronJob/team-a/short-lived');
    expect([...admitted.keys()].sort()).toEqual([
      'CronJob/team-a/evil',
      'CronJob/team-a/pi',
      'Job/team-a/evil-now',
    ]);
    for (const [key, score] of admitted) expect({ key, score: found.get(key) }).toEqual({ key, score });
    // And what the webhook never saw: report lists every namespace.
    expect(found.get('CronJob/kube-system/evil')).toBe(found.get('CronJob/team-a/evil'));
  });

  it('writes PolicyReports that the API server accepts with the wgpolicyk8s.io CRD installed', async () => {
    await cluster.kubectlOk(['apply', '-f', join(ROOT, 'test/cluster/policyreport-crd.yaml')]);
    await cluster.kubectlOk([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/policyreports.wgpolicyk8s.io',
    ]);
    const report = jobguardCli([
      'report',
      '--namespace=team-a',
      '--format=policyreport',
      '--fail-on=never',
      `--kubeconfig=${cluster.info.kubeconfig}`,
    ]);
    expect(report.code).toBe(0);
    const documents = parseAllDocuments(report.stdout);
    const kinds = documents.map((d) => (d.toJS() as { kind: string }).kind);
    expect([...kinds].sort()).toEqual(['ClusterPolicyReport', 'PolicyReport']);
    // The namespace's PolicyReport, against the PolicyReport CRD installed above.
    const namespaced = String(documents[kinds.indexOf('PolicyReport')]);

    // --validate=strict: a field the CRD's schema does not know is an error, not silently pruned.
    const strict = ['apply', '--dry-run=server', '--validate=strict', '-f', '-'];
    const accepted = await cluster.kubectl(strict, { input: namespaced });
    expect(accepted).toMatchObject({ code: 0, stderr: '' });
    expect(accepted.stdout).toContain('policyreport.wgpolicyk8s.io/jobguard created (server dry run)');

    // The same check fails for a report the schema does not allow, so the pass above means something.
    const broken = namespaced.replace(/result: (warn|fail|pass)/, 'result: suspicious');
    const refused = await cluster.kubectl(strict, { input: broken });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Unsupported value: "suspicious"');
  });
});
