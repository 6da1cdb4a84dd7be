import { buildWorkload } from '../../src/workload/build.js';
import type { Workload } from '../../src/workload/types.js';

/** Smallest workloads for rule tables: a CronJob around a pod spec. */

/** A CronJob (nightly, so the schedule rule stays quiet) around `spec`. */
export function cronJob(spec: Record<string, unknown>): Workload {
  return buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'x', namespace: 'default' },
    spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec } } } },
  });
}

/** A CronJob whose only container runs `sh -c script` on alpine. */
export function sh(script: string, extra: Record<string, unknown> = {}): Workload {
  return cronJob({ ...extra, containers: [{ name: 'c', image: 'alpine', command: ['sh', '-c', script] }] });
}

/** A CronJob whose only container runs an exec-form argv on alpine. */
export function argv(...words: string[]): Workload {
  return cronJob({ containers: [{ name: 'c', image: 'alpine', command: words }] });
}
