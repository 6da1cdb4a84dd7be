/**
 * Helpers shared by the per-rule tests in src/scoring/rules/<rule-id>.test.ts: run one rule over a
 * workload, and the small workloads several of those files build (host paths, images, security
 * contexts, credentials as origins).
 */
import { buildWorkload } from '../../src/workload/build.js';
import type { CredentialKind, Origin, Provider } from '../../src/workload/action.js';
import type { Execution, Flow } from '../../src/workload/model.js';
import type { Workload } from '../../src/workload/types.js';
import type { Evidence, Rule } from '../../src/scoring/types.js';
import { flow, withExecution } from './execution.js';
import { cronJob } from './workloads.js';

/** A CronJob's pod spec path, and a Job's. */
export const CRON = 'spec.jobTemplate.spec.template.spec';
export const JOB = 'spec.template.spec';

/** A Job around `spec` (its pod spec lives at `spec.template.spec`). */
export function job(spec: Record<string, unknown>): Workload {
  return buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'x' },
    spec: { template: { spec } },
  });
}

/** The rule's evidence with its default parameters, `params` overriding some of them. */
export function run<P>(rule: Rule<P>, workload: Workload, params?: Partial<P>): Evidence[] {
  return rule.check(workload, { ...(rule.params?.defaults as P), ...params });
}

/** Whether the rule finds anything in one container with this execution model. */
export function fires(
  rule: Rule,
  model: Execution,
  spec: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
): boolean {
  return rule.check(withExecution(model, spec, container), undefined).length > 0;
}

/** The whole host file system at `/node` (hostPath `/` mounted there), for `fires(…, rootVolume, rootMount)`. */
export const rootVolume = { volumes: [{ name: 'root', hostPath: { path: '/' } }] };
export const rootMount = { volumeMounts: [{ name: 'root', mountPath: '/node' }] };

/** A credential as the origin of content. */
export const credential = (kind: CredentialKind, source: string, provider?: Provider): Origin =>
  provider === undefined
    ? { kind: 'credential', credential: kind, source }
    : { kind: 'credential', credential: kind, source, provider };

export const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
/** The pod's own service-account token. */
export const saToken = credential('service-account-token', TOKEN, 'kubernetes');

/** Content sent by curl to `destination`. */
export const send = (origin: Origin, destination: string): Flow =>
  flow(origin, 'send', { destination, by: 'curl' });

export interface HostMount {
  path: string;
  /** Where the container mounts it (`/host` by default); `''` leaves it unmounted. */
  at?: string;
  readOnly?: boolean;
}

/** A CronJob with one hostPath volume per entry, each mounted by the container unless `at` is ''. */
export function hostPathCronJob(...mounts: HostMount[]): Workload {
  const volumes = mounts.map((m, i) => ({ name: `v${i}`, hostPath: { path: m.path } }));
  const volumeMounts = mounts.flatMap((m, i) =>
    m.at === ''
      ? []
      : [{ name: `v${i}`, mountPath: m.at ?? '/host', ...(m.readOnly ? { readOnly: true } : {}) }],
  );
  return buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'x' },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: { spec: { containers: [{ name: 'app', image: 'app:1', volumeMounts }], volumes } },
        },
      },
    },
  });
}

/** The JSON path of the i-th volume's hostPath in `hostPathCronJob(…)`. */
export const hostPathAt = (i: number): string => `${CRON}.volumes[${i}].hostPath.path`;

/** A CronJob whose init container runs `images[0]` and whose containers run the rest. */
export function withImages(...images: string[]): Workload {
  return buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              initContainers: [{ name: 'init', image: images[0] }],
              containers: images.slice(1).map((image, i) => ({ name: `c${i}`, image })),
            },
          },
        },
      },
    },
  });
}

/** Which images of `withImages(...)` the rule reports. */
export function flaggedImages<P>(rule: Rule<P>, images: string[], params?: Partial<P>): string[] {
  return run(rule, withImages(...images), params).map((e) => e.detail ?? '');
}

/** A CronJob with one container `app` with this securityContext; `pod` adds to the pod spec. */
export function withSecurityContext(
  securityContext: Record<string, unknown>,
  pod: Record<string, unknown> = {},
): Workload {
  return buildWorkload({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: { spec: { ...pod, containers: [{ name: 'app', image: 'app:1', securityContext }] } },
        },
      },
    },
  });
}

/** A host namespace flag (`hostNetwork`, `hostPID`, `hostIPC`) set to `true` fires with the field's path, on a CronJob and on a Job. */
export function hostNamespaceSet(field: HostNamespace): [string, Workload, Evidence[]][] {
  return [
    [
      'true on a CronJob',
      cronJob({ [field]: true, containers: [APP] }),
      [{ path: `${CRON}.${field}`, detail: `${field}: true` }],
    ],
    [
      'true on a Job',
      job({ [field]: true, containers: [APP] }),
      [{ path: `${JOB}.${field}`, detail: `${field}: true` }],
    ],
  ];
}

/** Look-alikes of a host namespace flag that must not fire: `false`, the string `"true"`, unset, the word in an argument. */
export function hostNamespaceLookAlikes(field: HostNamespace): [string, Workload][] {
  return [
    ['false', cronJob({ [field]: false, containers: [APP] })],
    ['the string "true" (not the boolean)', cronJob({ [field]: 'true', containers: [APP] })],
    ['unset', cronJob({ containers: [APP] })],
    ['the word in an argument', cronJob({ containers: [{ ...APP, args: [`--${field}=true`] }] })],
  ];
}

type HostNamespace = 'hostNetwork' | 'hostPID' | 'hostIPC';
const APP = { name: 'app', image: 'registry.example.com/app:1.0' };
