/**
 * The objects the cluster suite creates, and what jobguard's own engine says about them (the same
 * policy file the chart mounts), so each kubectl answer is checked against the engine's.
 */
import { join } from 'node:path';
import type { Engine } from '../../src/engine.js';
import { handleReview } from '../../src/admission/review.js';
import { resolvePolicy } from '../../src/policy/load.js';
import { fixture, makeReview } from '../support/review.js';

type Json = Record<string, unknown>;

/** The reverse-shell CronJob of the fixtures (default profile: score 11, a deny verdict), renamed. */
export function reverseShellCronJob(name: string): Json {
  const object = fixture('kubectl/reverse-shell-cronjob.json');
  delete object.status;
  (object.metadata as Json).name = name;
  return object;
}

/** A CronJob with nothing suspicious: an image pinned by digest computing digits of pi. */
export function benignCronJob(name: string): Json {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '15 3 * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              containers: [
                {
                  name: 'pi',
                  image: `registry.example.com/maths/pi@sha256:${'4'.repeat(64)}`,
                  command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(100)'],
                },
              ],
            },
          },
        },
      },
    },
  };
}

/** A benign Job (same container as benignCronJob). */
export function benignJob(name: string): Json {
  const cronJob = benignCronJob(name);
  const jobTemplate = (cronJob.spec as { jobTemplate: { spec: Json } }).jobTemplate;
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: jobTemplate.spec };
}

/** A Job running a reverse shell (a deny verdict under the default profile). */
export function reverseShellJob(name: string, extraMetadata: Json = {}): Json {
  const cronJob = reverseShellCronJob(name);
  const jobTemplate = (cronJob.spec as { jobTemplate: { spec: Json } }).jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...extraMetadata },
    spec: { ...jobTemplate.spec, template: { ...(jobTemplate.spec.template as Json) } },
  };
}

export interface Expected {
  allowed: boolean;
  warnings: string[];
  message?: string;
  score?: number;
  auditAnnotations?: Record<string, string>;
}

/** The engine loaded from the policy file the server mounts. */
export async function engineFromPolicyDir(dir: string): Promise<Engine> {
  return resolvePolicy(join(dir, 'policy.yaml'), {});
}

/** What jobguard's engine answers for `object` in `namespace` (with that namespace's labels). */
export function expectedAnswer(
  engine: Engine,
  object: Json,
  namespace: string,
  labels: Record<string, string> = {},
  operation: 'CREATE' | 'UPDATE' = 'CREATE',
): Expected {
  const { reply, outcome } = handleReview(
    makeReview(object, { namespace, operation }) as Parameters<typeof handleReview>[0],
    { engine, namespaceLabels: () => labels, now: new Date() },
  );
  const response = reply.response;
  return {
    allowed: response.allowed,
    warnings: response.warnings ?? [],
    ...(response.status?.message ? { message: response.status.message } : {}),
    ...(outcome.decision ? { score: outcome.decision.score } : {}),
    ...(response.auditAnnotations ? { auditAnnotations: response.auditAnnotations } : {}),
  };
}

/** The `Warning: …` lines kubectl printed, without the prefix. */
export function warningsOf(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('Warning: '))
    .map((line) => line.slice('Warning: '.length));
}
