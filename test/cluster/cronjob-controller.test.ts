/**
 * Jobs that the real CronJob controller creates, under the chart's matchCondition that skips them
 * (webhook.skipCronJobControllerJobs): with the chart's default values, with the skip turned on and with it
 * turned off. kube-controller-manager runs with per-controller credentials, so the controller
 * creates its Jobs as system:serviceaccount:kube-system:cronjob-controller, as on a real cluster.
 * A Job that forges a CronJob ownerReference, or that claims the controller's name without the
 * owner, is always scored.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeCluster, type AuditEvent } from './cluster.js';
import { Jobguard, WEBHOOK_NAME, waitUntil } from './jobguard.js';
import { reverseShellCronJob, reverseShellJob, warningsOf } from './workloads.js';

/**
 * The chart value that makes the webhook skip the CronJob controller's Jobs, and whether the chart
 * turns it on by default (it does not: Jobs are scored unless the user opts in).
 */
const SKIP_VALUE = ['webhook', 'skipCronJobControllerJobs'] as const;
const SKIPS_BY_DEFAULT = false;

const CONTROLLER = 'system:serviceaccount:kube-system:cronjob-controller';
const NAMESPACE = 'scheduled';

function skipValues(skip: boolean): Record<string, unknown> {
  const [section, key] = SKIP_VALUE;
  return { [section]: { [key]: skip } };
}

let cluster: KubeCluster;
let jobguard: Jobguard;

beforeAll(async () => {
  cluster = await KubeCluster.start();
  jobguard = await Jobguard.install(cluster);
  await cluster.kubectlOk(['create', 'namespace', NAMESPACE]);
}, 300_000);

afterAll(async () => {
  // beforeAll may have failed before either was made.
  await (jobguard as Jobguard | undefined)?.remove();
  await (cluster as KubeCluster | undefined)?.stop();
}, 60_000);

interface JobList {
  items: { metadata: { name: string; ownerReferences?: { kind: string; name: string; uid: string }[] } }[];
}

/**
 * Creates a CronJob and makes the real controller run it now: its status says it last ran five
 * minutes ago, so the controller (which reacts to the status update) finds a missed run and
 * creates the Job for it at once, as it would after a controller restart, instead of waiting up to
 * a minute for the schedule. Resolves with the Job's name.
 */
async function runControllerJob(cronJob: string): Promise<string> {
  await cluster.kubectlOk(['apply', '-n', NAMESPACE, '-f', '-'], {
    input: JSON.stringify({
      ...reverseShellCronJob(cronJob),
      spec: { ...(reverseShellCronJob(cronJob).spec as object), schedule: '* * * * *' },
    }),
  });
  const lastRun = new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await cluster.kubectlOk([
    'patch',
    'cronjob',
    cronJob,
    '-n',
    NAMESPACE,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { lastScheduleTime: lastRun } }),
  ]);
  let name = '';
  await waitUntil(
    `the CronJob controller to create a Job for ${cronJob}`,
    async () => {
      const jobs = JSON.parse(
        await cluster.kubectlOk(['get', 'jobs', '-n', NAMESPACE, '-o', 'json']),
      ) as JobList;
      const job = jobs.items.find((j) => j.metadata.ownerReferences?.some((o) => o.name === cronJob));
      name = job?.metadata.name ?? '';
      return name !== '';
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
  return name;
}

function createEvent(name: string): AuditEvent | undefined {
  return cluster
    .auditEvents()
    .find(
      (e) =>
        e.stage === 'ResponseComplete' &&
        e.verb === 'create' &&
        e.objectRef?.resource === 'jobs' &&
        e.objectRef.namespace === NAMESPACE &&
        e.objectRef.name === name,
    );
}

function scored(name: string): boolean {
  return jobguard.decisions().some((d) => d.kind === 'Job' && d.namespace === NAMESPACE && d.name === name);
}

function matchConditionNames(): string[] {
  const [webhook] = jobguard.webhookConfiguration().webhooks as { matchConditions?: { name: string }[] }[];
  return (webhook!.matchConditions ?? []).map((c) => c.name);
}

describe.each([
  ['the default values', undefined, SKIPS_BY_DEFAULT],
  [`${SKIP_VALUE.join('.')}=true`, true, true],
  [`${SKIP_VALUE.join('.')}=false`, false, false],
])("the CronJob controller's Jobs with %s", (_label, skip, skipped) => {
  const suffix = skip === undefined ? 'default' : skip ? 'on' : 'off';

  beforeAll(async () => {
    await jobguard.upgrade(skip === undefined ? {} : skipValues(skip));
  }, 60_000);

  it(`are ${skipped ? 'skipped by the matchCondition' : 'scored'}`, async () => {
    expect(matchConditionNames().length > 0).toBe(skipped);
    const job = await runControllerJob(`tick-${suffix}`);
    // Give a webhook call that was made the time to show in the log before concluding there was none.
    await waitUntil(`the audit event of ${job}`, () => createEvent(job) !== undefined);
    const event = createEvent(job)!;
    expect(event.user.username).toBe(CONTROLLER);
    expect(event.responseStatus?.code).toBe(201);
    const annotations = Object.keys(event.annotations ?? {}).filter((k) => k.startsWith(`${WEBHOOK_NAME}/`));
    if (skipped) {
      expect(scored(job)).toBe(false);
      expect(annotations).toEqual([]);
    } else {
      await waitUntil(`jobguard's decision on ${job}`, () => scored(job));
      expect(annotations).toContain(`${WEBHOOK_NAME}/score`);
      const decision = jobguard.decisions().find((d) => d.name === job)!;
      expect(decision).toMatchObject({ user: CONTROLLER, operation: 'CREATE', action: 'warn' });
    }
  }, 120_000);

  it('still score a hand-made Job that forges a CronJob ownerReference', async () => {
    const owner = JSON.parse(
      await cluster.kubectlOk(['get', 'cronjob', `tick-${suffix}`, '-n', NAMESPACE, '-o', 'json']),
    ) as { metadata: { uid: string } };
    const name = `forged-${suffix}`;
    const forged = reverseShellJob(name, {
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: `tick-${suffix}`,
          uid: owner.metadata.uid,
          controller: true,
        },
      ],
    });
    const result = await cluster.apply([forged], ['-n', NAMESPACE]);
    expect(result.code).toBe(0);
    expect(warningsOf(result.stderr)[0]).toMatch(/^jobguard: Job \S+ would be denied/);
    expect(scored(name)).toBe(true);
  });

  it("still score a Job created under the controller's name without a CronJob owner", async () => {
    const name = `impostor-${suffix}`;
    const result = await cluster.kubectl(['create', '-n', NAMESPACE, `--as=${CONTROLLER}`, '-f', '-'], {
      input: JSON.stringify(reverseShellJob(name)),
    });
    expect(result.code).toBe(0);
    expect(warningsOf(result.stderr)[0]).toMatch(/^jobguard: Job \S+ would be denied/);
    expect(jobguard.decisions().find((d) => d.name === name)).toMatchObject({ user: CONTROLLER });
  });
});
