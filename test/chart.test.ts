/**
 * charts/jobguard through `helm lint --strict` and `helm template`: every rendered object is checked
 * against the Kubernetes API models (kubernetes-models) or, for cert-manager and Prometheus Operator
 * objects the models lack, structurally; then the fields that keep the cluster safe are asserted.
 * Each values set renders once, in parallel, in beforeAll.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- rendered YAML is untyped; these tests assert its shape. */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parsePolicy } from '../src/policy/load.js';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1';
import { ConfigMap, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import {
  CHART_DIR,
  findOne,
  helmLint,
  helmTemplate,
  helmTemplateError,
  type K8sObject,
  type RenderOptions,
} from './support/helm.js';

const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBdzCCAR2gAwIBAgIUJobguardTestCaNotARealCertificate0wCgYIKoZIzj0E
-----END CERTIFICATE-----
`;

/** Every option switched on at once. */
const everything: Record<string, unknown> = {
  commonLabels: { team: 'platform' },
  commonAnnotations: { owner: 'secops' },
  image: { digest: `sha256:${'a'.repeat(64)}` },
  imagePullSecrets: [{ name: 'registry' }],
  serviceAccount: { annotations: { 'iam.example.com/role': 'jobguard' } },
  deploymentAnnotations: { note: 'deployment' },
  podAnnotations: { note: 'pod' },
  podLabels: { tier: 'security' },
  extraArgs: ['--deny-threshold=8'],
  nodeSelector: { 'kubernetes.io/os': 'linux', pool: 'system' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['system'] }] }],
      },
    },
  },
  priorityClass: { create: true },
  autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 6 },
  service: { annotations: { note: 'service' } },
  webhook: {
    excludeNamespaces: ['monitoring', 'cert-manager'],
    skipCronJobControllerJobs: true,
    extraMatchConditions: [{ name: 'not-dry-run', expression: '!request.dryRun' }],
    annotations: { note: 'webhook' },
  },
  metrics: {
    serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
    prometheusRule: { enabled: true, labels: { release: 'prometheus' } },
    dashboard: { enabled: true, namespace: 'grafana', folder: 'Security' },
  },
  networkPolicy: {
    enabled: true,
    webhookFrom: [{ ipBlock: { cidr: '10.0.0.0/16' } }],
    prometheusNamespace: 'observability',
  },
  policy: {
    kinds: ['CronJob', 'Job', 'Pod', 'Deployment', 'StatefulSet', 'DaemonSet'],
    rules: {
      'every-minute-schedule': { enabled: false },
      'generic-image': { weight: 1, images: ['alpine'] },
    },
    namespaces: [{ names: ['prod-*'], mode: 'enforce' }],
    selfExemption: { namespaces: ['security'] },
    exemptions: [
      { reason: 'CIS scanner', expires: '2027-06-30', namespaces: ['security'], rules: ['host-pid'] },
    ],
  },
};

const SETS = {
  defaults: {},
  enforce: { values: { policy: { mode: 'enforce' } } },
  enforceIgnore: { values: { policy: { mode: 'enforce' }, webhook: { failurePolicy: 'Ignore' } } },
  warnFail: { values: { webhook: { failurePolicy: 'Fail' } } },
  audit: { values: { policy: { mode: 'audit' } } },
  noNamespaceLabels: { values: { policy: { namespaceLabels: { enabled: false } } } },
  noApi: {
    values: {
      policy: { namespaceLabels: { enabled: false }, exceptions: { enabled: false } },
      events: { mode: 'off' },
      exceptions: { crd: { install: false }, rbac: { aggregateToView: false } },
    },
  },
  exceptionsSelfService: {
    values: {
      exceptions: { crd: { keep: false }, rbac: { aggregateToEdit: true } },
      events: { mode: 'warn', qps: 2, burst: 10 },
    },
  },
  certManager: { values: { tls: { certManager: { enabled: true } } } },
  existingSecret: { values: { tls: { existingSecret: 'my-tls', caBundle: TEST_CA } } },
  existingSecretNoCa: { values: { tls: { existingSecret: 'my-tls' } } },
  everything: { values: everything },
  metricsOff: { values: { metrics: { enabled: false } } },
  noNetworkPolicy: { values: { networkPolicy: { enabled: false } } },
  cronJobsOnlySkip: {
    values: { policy: { kinds: ['CronJob'] }, webhook: { skipCronJobControllerJobs: true } },
  },
  skip: { values: { webhook: { skipCronJobControllerJobs: true } } },
  otherRelease: { release: 'guard', namespace: 'security' },
  mtls: { values: { tls: { clientCAConfigMap: 'apiserver-client-ca' } } },
  analysisInline: { values: { analysis: { workers: 0, deadline: '500ms' } } },
} satisfies Record<string, RenderOptions>;

type SetName = keyof typeof SETS;
const rendered = {} as Record<SetName, K8sObject[]>;

beforeAll(async () => {
  const names = Object.keys(SETS) as SetName[];
  const docs = await Promise.all(names.map((name) => helmTemplate(SETS[name])));
  names.forEach((name, i) => (rendered[name] = docs[i]!));
});

// Objects kubernetes-models describes; everything else must be in STRUCTURAL below.
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Pod': Pod,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'scheduling.k8s.io/v1/PriorityClass': PriorityClass,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': ValidatingWebhookConfiguration,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition,
};

const spec = (o: K8sObject): any => o.spec;

/** Shape checks for custom resources kubernetes-models has no model for. */
const STRUCTURAL: Record<string, (o: K8sObject) => void> = {
  'cert-manager.io/v1/Issuer': (o) => {
    const s = spec(o);
    expect(Object.keys(s)).toHaveLength(1);
    expect(s.selfSigned ?? s.ca).toBeDefined();
    if (s.ca) expect(s.ca.secretName).toEqual(expect.any(String));
  },
  'cert-manager.io/v1/Certificate': (o) => {
    const s = spec(o);
    expect(s.secretName).toEqual(expect.any(String));
    expect(s.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'Issuer', name: expect.any(String) });
    expect(s.duration).toMatch(/^\d+h$/);
    if (!s.isCA) expect(s.dnsNames).toEqual(expect.arrayContaining([expect.any(String)]));
  },
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => {
    const s = spec(o);
    expect(s.selector.matchLabels).toEqual(expect.any(Object));
    expect(s.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
  },
  'monitoring.coreos.com/v1/PrometheusRule': (o) => {
    for (const group of spec(o).groups) {
      expect(group.name).toEqual(expect.any(String));
      for (const rule of group.rules) {
        expect(rule).toEqual(
          expect.objectContaining({
            alert: expect.stringMatching(/^Jobguard[A-Za-z0-9]+$/),
            expr: expect.any(String),
            labels: { severity: expect.stringMatching(/^(warning|critical)$/) },
            annotations: expect.objectContaining({ summary: expect.any(String) }),
          }),
        );
      }
    }
  },
};

function validate(o: K8sObject): void {
  const key = `${o.apiVersion}/${o.kind}`;
  const Model = MODELS[key];
  const structural = STRUCTURAL[key];
  if (Model) new Model(o as never).validate();
  else if (structural) structural(o);
  else throw new Error(`no validation for ${key}`);
  expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
}

const webhookOf = (set: SetName): any => {
  const config: any = findOne(rendered[set], 'ValidatingWebhookConfiguration');
  expect(config.webhooks).toHaveLength(1);
  return config.webhooks[0];
};
const podSpecOf = (set: SetName): any => spec(findOne(rendered[set], 'Deployment')).template.spec;
const policyOf = (set: SetName): any =>
  parse(
    (
      findOne(
        rendered[set],
        'ConfigMap',
        set === 'otherRelease' ? 'guard-jobguard-policy' : 'jobguard-policy',
      ) as any
    ).data['policy.yaml'],
  );
const kinds = (set: SetName): string[] => rendered[set].map((o) => o.kind).sort();

describe('helm lint --strict', () => {
  it.each([
    ['defaults', {}],
    ['every option', { values: everything }],
    ['cert-manager', SETS.certManager],
  ])('passes with %s', async (_name, options) => {
    const { ok, output } = await helmLint(options);
    expect(output).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(ok).toBe(true);
  });
});

describe('every rendered object', () => {
  it.each(Object.keys(SETS) as SetName[])('is valid in the %s render', (set) => {
    expect(rendered[set].length).toBeGreaterThan(5);
    for (const o of rendered[set]) validate(o);
    const ids = rendered[set].map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carries the standard labels and the common labels and annotations', () => {
    for (const o of rendered.everything) {
      expect(o.metadata.labels).toEqual(
        expect.objectContaining({
          'app.kubernetes.io/name': 'jobguard',
          'app.kubernetes.io/instance': 'jobguard',
          'app.kubernetes.io/managed-by': 'Helm',
          team: 'platform',
        }),
      );
      expect(o.metadata.annotations).toEqual(expect.objectContaining({ owner: 'secops' }));
    }
  });

  it('renders the objects each option asks for, and no others', () => {
    expect(kinds('defaults')).toEqual([
      'ClusterRole',
      'ClusterRole',
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'ClusterRoleBinding',
      'ClusterRoleBinding',
      'ConfigMap',
      'CustomResourceDefinition',
      'Deployment',
      'NetworkPolicy',
      'Pod',
      'PodDisruptionBudget',
      'Secret',
      'Service',
      'ServiceAccount',
      'ValidatingWebhookConfiguration',
    ]);
    expect(kinds('everything')).toEqual([
      'ClusterRole',
      'ClusterRole',
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'ClusterRoleBinding',
      'ClusterRoleBinding',
      'ConfigMap',
      'ConfigMap',
      'CustomResourceDefinition',
      'Deployment',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
      'Pod',
      'PodDisruptionBudget',
      'PriorityClass',
      'PrometheusRule',
      'Secret',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
      'ValidatingWebhookConfiguration',
    ]);
  });
});

describe('ValidatingWebhookConfiguration', () => {
  it('has the fixed safety fields', () => {
    const hook = webhookOf('defaults');
    expect(hook).toEqual(
      expect.objectContaining({
        name: 'validate.jobguard.dev',
        admissionReviewVersions: ['v1', 'v1beta1'],
        // Events are a side effect, never written for a dry run.
        sideEffects: 'NoneOnDryRun',
        timeoutSeconds: 3,
        matchPolicy: 'Equivalent',
        failurePolicy: 'Ignore',
      }),
    );
    expect(hook.clientConfig.service).toEqual({
      name: 'jobguard',
      namespace: 'jobguard',
      path: '/validate',
      port: 443,
    });
  });

  it('checks CREATE and UPDATE of batch/v1 cronjobs and jobs by default, and never a subresource', () => {
    expect(webhookOf('defaults').rules).toEqual([
      {
        apiGroups: ['batch'],
        apiVersions: ['v1'],
        resources: ['cronjobs', 'jobs'],
        operations: ['CREATE', 'UPDATE'],
        scope: 'Namespaced',
      },
    ]);
    for (const set of Object.keys(SETS) as SetName[]) {
      for (const rule of webhookOf(set).rules) {
        for (const resource of rule.resources) expect(resource).toMatch(/^[a-z]+$/);
        expect(rule.operations).not.toContain('*');
        expect(rule.operations).not.toContain('DELETE');
      }
    }
  });

  it('derives its rules from policy.kinds, so the webhook sends exactly what the policy scores', () => {
    const resources = (set: SetName) =>
      webhookOf(set)
        .rules.flatMap((r: any) => r.resources.map((res: string) => `${r.apiGroups[0]}/${res}`))
        .sort();
    expect(resources('everything')).toEqual([
      '/pods',
      'apps/daemonsets',
      'apps/deployments',
      'apps/statefulsets',
      'batch/cronjobs',
      'batch/jobs',
    ]);
    expect(policyOf('everything').kinds).toEqual(everything.policy && (everything.policy as any).kinds);
    expect(resources('cronJobsOnlySkip')).toEqual(['batch/cronjobs']);
    expect(policyOf('cronJobsOnlySkip').kinds).toEqual(['CronJob']);
  });

  it('excludes kube-system, the release namespace and the listed namespaces by name', () => {
    const expressions = (set: SetName) => webhookOf(set).namespaceSelector.matchExpressions;
    expect(expressions('defaults')).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'jobguard'] },
    ]);
    expect(expressions('otherRelease')[0].values).toEqual(['kube-system', 'security']);
    expect(expressions('everything')[0].values).toEqual([
      'kube-system',
      'jobguard',
      'monitoring',
      'cert-manager',
    ]);
  });

  it.each([
    ['defaults', 'Ignore'],
    ['audit', 'Ignore'],
    ['enforce', 'Fail'],
    ['enforceIgnore', 'Ignore'],
    ['warnFail', 'Fail'],
  ] as [SetName, string][])('failurePolicy for %s is %s', (set, expected) => {
    expect(webhookOf(set).failurePolicy).toBe(expected);
  });

  it('scores the Jobs the CronJob controller creates unless the skip is switched on', () => {
    expect(webhookOf('defaults').matchConditions).toBeUndefined();
    expect(webhookOf('defaults').rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ resources: expect.arrayContaining(['jobs']) })]),
    );
  });

  it('skips Jobs of CronJobs, when asked, only if both the controller identity and the CronJob owner match', () => {
    const [condition] = webhookOf('skip').matchConditions;
    expect(condition.name).toBe('skip-jobs-of-cronjobs');
    expect(condition.expression).toContain(
      'request.userInfo.username in ["system:serviceaccount:kube-system:cronjob-controller"]',
    );
    expect(condition.expression).toContain("r.kind == 'CronJob'");
    expect(condition.expression).toMatch(/^!\(.*&&.*\)$/s);
    expect(webhookOf('cronJobsOnlySkip').matchConditions).toBeUndefined();
    expect(webhookOf('everything').matchConditions.map((c: any) => c.name)).toEqual([
      'skip-jobs-of-cronjobs',
      'not-dry-run',
    ]);
  });
});

describe('TLS', () => {
  const tlsVolume = (set: SetName) =>
    podSpecOf(set).volumes.find((v: any) => v.name === 'tls').secret.secretName;

  it('generates a CA and a serving certificate for every Service name when nothing else is configured', () => {
    const secret: any = findOne(rendered.defaults, 'Secret');
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(webhookOf('defaults').clientConfig.caBundle).toBe(secret.data['ca.crt']);
    expect(tlsVolume('defaults')).toBe(secret.metadata.name);
    const cert = new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64'));
    const ca = new X509Certificate(Buffer.from(secret.data['ca.crt'], 'base64'));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName?.split(', ').sort()).toEqual(
      [
        'DNS:jobguard',
        'DNS:jobguard.jobguard',
        'DNS:jobguard.jobguard.svc',
        'DNS:jobguard.jobguard.svc.cluster.local',
      ].sort(),
    );
  });

  it('reuses an existing Secret on upgrade (lookup) instead of generating a new CA', () => {
    const template = readFileSync(join(CHART_DIR, 'templates/webhook.yaml'), 'utf8');
    expect(template).toMatch(/lookup "v1" "Secret" \.Release\.Namespace \$secretName/);
    expect(template).toMatch(/\$caBundle = index \$data "ca\.crt"/);
  });

  it('uses cert-manager: CA chain, serving Certificate with every Service name, injected caBundle', () => {
    const docs = rendered.certManager;
    expect(docs.filter((o) => o.kind === 'Secret')).toEqual([]);
    const issuers = docs.filter((o) => o.kind === 'Issuer').map((o: any) => Object.keys(o.spec)[0]);
    expect(issuers.sort()).toEqual(['ca', 'selfSigned']);
    const ca: any = findOne(docs, 'Certificate', 'jobguard-ca');
    expect(ca.spec.isCA).toBe(true);
    const serving: any = findOne(docs, 'Certificate', 'jobguard-tls');
    expect(serving.spec.issuerRef.name).toBe('jobguard-ca');
    expect(serving.spec.dnsNames).toEqual([
      'jobguard',
      'jobguard.jobguard',
      'jobguard.jobguard.svc',
      'jobguard.jobguard.svc.cluster.local',
    ]);
    const config = findOne(docs, 'ValidatingWebhookConfiguration');
    expect(config.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe('jobguard/jobguard-tls');
    expect(webhookOf('certManager').clientConfig.caBundle).toBeUndefined();
    expect(tlsVolume('certManager')).toBe(serving.spec.secretName);
  });

  it('uses an existing Secret with the given caBundle, or leaves the caBundle to be patched', () => {
    expect(rendered.existingSecret.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(tlsVolume('existingSecret')).toBe('my-tls');
    expect(Buffer.from(webhookOf('existingSecret').clientConfig.caBundle, 'base64').toString()).toBe(TEST_CA);
    expect(webhookOf('existingSecretNoCa').clientConfig.caBundle).toBeUndefined();
  });
});

describe('Deployment', () => {
  it('requires client certificates when a client CA is given, and probes over the plain-HTTP port', () => {
    const [plain] = podSpecOf('defaults').containers;
    expect(plain.args).not.toContainEqual(expect.stringMatching(/^--client-ca-file/));
    expect(plain.readinessProbe.httpGet).toMatchObject({ port: 'https', scheme: 'HTTPS' });
    const spec = podSpecOf('mtls');
    const [container] = spec.containers;
    expect(container.args).toContain('--client-ca-file=/etc/jobguard/client-ca/ca.crt');
    expect(container.volumeMounts).toContainEqual({
      name: 'client-ca',
      mountPath: '/etc/jobguard/client-ca',
      readOnly: true,
    });
    expect(spec.volumes).toContainEqual({ name: 'client-ca', configMap: { name: 'apiserver-client-ca' } });
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet).toMatchObject({ port: 'metrics', scheme: 'HTTP' });
    }
  });

  it('runs at least two replicas behind a PodDisruptionBudget, spread over nodes and zones', () => {
    const deployment: any = findOne(rendered.defaults, 'Deployment');
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pdb: any = findOne(rendered.defaults, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toEqual(
      expect.objectContaining(deployment.spec.selector.matchLabels),
    );
    expect(podSpecOf('defaults').topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
  });

  it('leaves the replica count to the autoscaler when autoscaling is on', () => {
    const deployment: any = findOne(rendered.everything, 'Deployment');
    expect(deployment.spec.replicas).toBeUndefined();
    const hpa: any = findOne(rendered.everything, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toEqual(
      expect.objectContaining({
        minReplicas: 3,
        maxReplicas: 6,
        scaleTargetRef: expect.objectContaining({ name: 'jobguard' }),
      }),
    );
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
  });

  it('is locked down: non-root numeric user, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    for (const set of Object.keys(SETS) as SetName[]) {
      const pod = podSpecOf(set);
      expect(pod.securityContext).toEqual(
        expect.objectContaining({
          runAsNonRoot: true,
          runAsUser: 65532,
          seccompProfile: { type: 'RuntimeDefault' },
        }),
      );
      expect(pod.containers).toHaveLength(1);
      const [container] = pod.containers;
      expect(container.securityContext).toEqual(
        expect.objectContaining({
          runAsNonRoot: true,
          runAsUser: 65532,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        }),
      );
      expect(container.resources.requests).toEqual({ cpu: '100m', memory: '128Mi' });
      expect(container.resources.limits.memory).toBe('256Mi');
      expect(pod.hostNetwork ?? false).toBe(false);
    }
  });

  it('serves HTTPS with liveness on /healthz and readiness on /readyz, and passes the contract flags', () => {
    const [container] = podSpecOf('defaults').containers;
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    expect(container.args).toEqual([
      'serve',
      '--config=/etc/jobguard/policy/policy.yaml',
      '--host=0.0.0.0',
      '--port=8443',
      '--tls-cert-file=/etc/jobguard/tls/tls.crt',
      '--tls-key-file=/etc/jobguard/tls/tls.key',
      '--metrics-port=9090',
      '--log-level=info',
      '--events=deny',
      '--events-qps=5',
      '--events-burst=25',
      '--analysis-workers=1',
      '--analysis-deadline=2s',
    ]);
    expect(container.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'policy', mountPath: '/etc/jobguard/policy', readOnly: true },
        { name: 'tls', mountPath: '/etc/jobguard/tls', readOnly: true },
      ]),
    );
    for (const mount of container.volumeMounts) expect(mount.subPath).toBeUndefined();
    expect(findOne(rendered.defaults, 'Deployment').spec).not.toHaveProperty('template.metadata.annotations');
  });

  it('applies the scheduling and image options', () => {
    const pod = podSpecOf('everything');
    expect(pod.priorityClassName).toBe('jobguard');
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(pod.tolerations).toEqual(everything.tolerations);
    expect(pod.affinity).toEqual(everything.affinity);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', pool: 'system' });
    expect(pod.containers[0].image).toBe(`ghcr.io/jobguard/jobguard:0.1.0@sha256:${'a'.repeat(64)}`);
    expect(pod.containers[0].args).toContain('--deny-threshold=8');
    expect(podSpecOf('metricsOff').containers[0].args).not.toContain('--metrics-port=9090');
  });
});

describe('heap sizing', () => {
  const nodeOptions = async (values: Record<string, unknown>): Promise<string> => {
    const container = spec(findOne(await helmTemplate({ values }), 'Deployment')).template.spec.containers[0];
    return container.env.find((e: any) => e.name === 'NODE_OPTIONS').value;
  };
  const limit = (memory: unknown) => ({ resources: { limits: { memory } } });

  it('sizes the old generation from the memory limit: the limit less 128 MiB, at least 64', async () => {
    expect(await nodeOptions({})).toBe('--max-old-space-size=128 --max-semi-space-size=4');
    const sized = await Promise.all(
      ['1Gi', '512M', '384Mi', '0.5Gi', '268435456', 268435456, '150Mi'].map(async (m) => [
        m,
        await nodeOptions({ ...limit(m), heap: { maxSemiSpaceMiB: 0 } }),
      ]),
    );
    expect(Object.fromEntries(sized)).toEqual({
      '1Gi': '--max-old-space-size=896',
      // 512 × 10^6 bytes is 488.28 MiB.
      '512M': '--max-old-space-size=360',
      '384Mi': '--max-old-space-size=256',
      '0.5Gi': '--max-old-space-size=384',
      '268435456': '--max-old-space-size=128',
      '150Mi': '--max-old-space-size=64',
    });
  });

  it('takes heap.maxOldSpaceMiB as given', async () => {
    expect(await nodeOptions({ heap: { maxOldSpaceMiB: 300 } })).toBe(
      '--max-old-space-size=300 --max-semi-space-size=4',
    );
  });

  it("keeps the young generation small, or leaves V8's default with heap.maxSemiSpaceMiB 0", async () => {
    expect(await nodeOptions({ heap: { maxSemiSpaceMiB: 8 } })).toBe(
      '--max-old-space-size=128 --max-semi-space-size=8',
    );
    expect(await nodeOptions({ heap: { maxSemiSpaceMiB: 0 } })).toBe('--max-old-space-size=128');
  });

  it('refuses a memory limit it cannot read, and says what to set instead', async () => {
    expect(await helmTemplateError({ values: limit('lots') })).toMatch(
      /resources.limits.memory "lots" is not a memory quantity.*set heap.maxOldSpaceMiB/,
    );
  });
});

describe('RBAC', () => {
  it('grants get/list/watch on namespaces only, and only when namespace labels are enabled', () => {
    const role: any = findOne(rendered.defaults, 'ClusterRole', 'jobguard');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding: any = findOne(rendered.defaults, 'ClusterRoleBinding', 'jobguard');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'jobguard', namespace: 'jobguard' }]);
    expect(podSpecOf('defaults').automountServiceAccountToken).toBe(true);

    const names = (set: SetName) =>
      rendered[set]
        .filter((o) => o.kind.startsWith('ClusterRole'))
        .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names('noNamespaceLabels')).not.toContain('ClusterRole/jobguard');
    // Without namespace labels, exceptions and events the server needs no API access at all.
    expect(
      rendered.noApi.filter((o) => o.kind.startsWith('ClusterRole') || o.kind.startsWith('Role')),
    ).toEqual([]);
    expect(podSpecOf('noApi').automountServiceAccountToken).toBe(false);
    expect(findOne(rendered.noApi, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  it('lets the server read JobguardExceptions and patch only their status, and create Events', () => {
    const role: any = findOne(rendered.defaults, 'ClusterRole', 'jobguard-exceptions');
    expect(role.rules).toEqual([
      { apiGroups: ['jobguard.dev'], resources: ['jobguardexceptions'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['jobguard.dev'], resources: ['jobguardexceptions/status'], verbs: ['patch'] },
    ]);
    const events: any = findOne(rendered.defaults, 'ClusterRole', 'jobguard-events');
    expect(events.rules).toEqual([
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] },
    ]);
    for (const name of ['jobguard-exceptions', 'jobguard-events']) {
      const binding: any = findOne(rendered.defaults, 'ClusterRoleBinding', name);
      expect(binding.roleRef.name).toBe(name);
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'jobguard', namespace: 'jobguard' }]);
    }
  });

  it('lets namespace editors create JobguardExceptions only when the admin opts in; view may read them', () => {
    const aggregated = (set: SetName, label: string) =>
      rendered[set].filter((o) => o.kind === 'ClusterRole' && o.metadata.labels?.[label] === 'true');
    expect(aggregated('defaults', 'rbac.authorization.k8s.io/aggregate-to-edit')).toEqual([]);
    const [view]: any[] = aggregated('defaults', 'rbac.authorization.k8s.io/aggregate-to-view');
    expect(view.rules).toEqual([
      { apiGroups: ['jobguard.dev'], resources: ['jobguardexceptions'], verbs: ['get', 'list', 'watch'] },
    ]);
    const [edit]: any[] = aggregated('exceptionsSelfService', 'rbac.authorization.k8s.io/aggregate-to-edit');
    expect(edit.metadata.labels['rbac.authorization.k8s.io/aggregate-to-admin']).toBe('true');
    expect(edit.rules[0].resources).toEqual(['jobguardexceptions']);
    expect(edit.rules[0].verbs).toEqual(expect.arrayContaining(['create', 'update', 'patch', 'delete']));
    // Editors never get the status: only jobguard says whether an exception is Active.
    expect(JSON.stringify(edit.rules)).not.toContain('status');
  });
});

describe('JobguardException CRD', () => {
  const crdOf = (set: SetName): any => findOne(rendered[set], 'CustomResourceDefinition');

  it('is namespaced, served as jobguard.dev/v1 with a status subresource, and kept on uninstall by default', () => {
    const crd = crdOf('defaults');
    expect(crd.metadata.name).toBe('jobguardexceptions.jobguard.dev');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual(
      expect.objectContaining({ kind: 'JobguardException', plural: 'jobguardexceptions' }),
    );
    const [version] = crd.spec.versions;
    expect(version).toEqual(expect.objectContaining({ name: 'v1', served: true, storage: true }));
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns.map((c: any) => c.jsonPath)).toContain('.status.state');
    expect(crd.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    expect(
      findOne(rendered.exceptionsSelfService, 'CustomResourceDefinition').metadata.annotations?.[
        'helm.sh/resource-policy'
      ],
    ).toBeUndefined();
    expect(rendered.noApi.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
  });

  it('has the policy file exemption fields (less name), a reason required, and refuses a spec without a selector', () => {
    const schema = crdOf('defaults').spec.versions[0].schema.openAPIV3Schema;
    const specSchema = schema.properties.spec;
    expect(Object.keys(specSchema.properties).sort()).toEqual(
      [
        'expires',
        'groups',
        'images',
        'kinds',
        'names',
        'namespaces',
        'reason',
        'rules',
        'serviceAccounts',
        'users',
      ].sort(),
    );
    expect(specSchema.required).toEqual(['reason']);
    const [validation] = specSchema['x-kubernetes-validations'];
    for (const field of ['names', 'users', 'groups', 'serviceAccounts', 'images'])
      expect(validation.rule).toContain(`has(self.${field})`);
    // Structural: every field typed, so the API server prunes nothing silently.
    expect(schema.properties.status.properties.state.enum).toEqual([
      'Active',
      'Expired',
      'Invalid',
      'Ignored',
    ]);
    const expires = new RegExp(specSchema.properties.expires.pattern as string);
    for (const ok of ['2027-06-30', '2027-06-30T18:00:00Z', '2027-06-30T18:00:00.5+02:00'])
      expect(ok).toMatch(expires);
    for (const bad of ['30/06/2027', '2027-06-30T18:00']) expect(bad).not.toMatch(expires);
  });

  it('passes the events settings and the pod name, and declares no side effects when events are off', () => {
    const [container] = podSpecOf('exceptionsSelfService').containers;
    expect(container.args).toEqual(
      expect.arrayContaining(['--events=warn', '--events-qps=2', '--events-burst=10']),
    );
    expect(container.env).toContainEqual({
      name: 'POD_NAME',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
    expect(webhookOf('noApi').sideEffects).toBe('None');
  });
});

describe('policy ConfigMap', () => {
  it('holds the policy from values, as the server parses it', () => {
    expect(policyOf('defaults')).toEqual({
      apiVersion: 'jobguard.dev/v1',
      kind: 'Policy',
      mode: 'warn',
      profile: 'default',
      thresholds: {},
      onError: 'deny',
      kinds: ['CronJob', 'Job'],
      rules: {},
      namespaces: [],
      namespaceLabels: { enabled: true, allowDowngrade: false },
      selfExemption: { namespaces: [] },
      exemptions: [],
      exceptions: { enabled: true, clusterWideNamespaces: [] },
      customRules: [],
    });
    const text = (findOne(rendered.defaults, 'ConfigMap', 'jobguard-policy') as any).data[
      'policy.yaml'
    ] as string;
    expect(parsePolicy(text, 'policy.yaml').policy.mode).toBe('warn');
    const policy = policyOf('everything');
    expect(policy.selfExemption.namespaces).toEqual(['security']);
    expect(policy.rules['generic-image']).toEqual({ weight: 1, images: ['alpine'] });
    expect(policy.exemptions[0].expires).toBe('2027-06-30');
    expect(policyOf('otherRelease').selfExemption.namespaces).toEqual([]);
  });
});

describe('monitoring and network options', () => {
  const METRICS = new Set([
    'jobguard_admission_requests_total',
    'jobguard_admission_duration_seconds_bucket',
    'jobguard_admission_score_bucket',
    'jobguard_rule_hits_total',
    'jobguard_namespace_decisions_total',
    'jobguard_exemptions_applied_total',
    'jobguard_exemptions_expired',
    'jobguard_policy_reloads_total',
    'jobguard_policy_last_reload_success_timestamp_seconds',
    'jobguard_tls_certificate_expiry_timestamp_seconds',
    'jobguard_errors_total',
  ]);
  const metricsIn = (text: string) => [...text.matchAll(/\bjobguard_[a-z_]+/g)].map((m) => m[0]);

  it('alerts on latency, errors, certificate expiry, reload failures and deny spikes, using real metric names', () => {
    const rule: any = findOne(rendered.everything, 'PrometheusRule');
    const alerts = rule.spec.groups[0].rules;
    expect(alerts.map((a: any) => a.alert)).toEqual(
      expect.arrayContaining([
        'JobguardAdmissionLatencyHigh',
        'JobguardErrors',
        'JobguardCertificateExpiresSoon',
        'JobguardPolicyReloadFailing',
        'JobguardDenySpike',
      ]),
    );
    const byName = Object.fromEntries(alerts.map((a: any) => [a.alert, a.expr as string]));
    expect(byName.JobguardAdmissionLatencyHigh).toMatch(/histogram_quantile\(0\.99,.*\) > 1$/);
    expect(byName.JobguardCertificateExpiresSoon).toMatch(/< 1209600$/);
    for (const a of alerts) {
      for (const name of metricsIn(a.expr)) expect(METRICS).toContain(name);
      expect(a.expr).toContain('job="jobguard"');
    }
  });

  it('scrapes the metrics port and keeps the metric namespace label', () => {
    const monitor: any = findOne(rendered.everything, 'ServiceMonitor');
    expect(monitor.metadata.labels.release).toBe('prometheus');
    expect(monitor.spec.endpoints[0].honorLabels).toBe(true);
    const service: any = findOne(rendered.everything, 'Service');
    expect(service.spec.ports.map((p: any) => p.name)).toEqual(['https', 'metrics']);
  });

  it('ships a Grafana dashboard with the four required panels for the sidecar', () => {
    const dashboard: any = findOne(rendered.everything, 'ConfigMap', 'jobguard-dashboard');
    expect(dashboard.metadata.namespace).toBe('grafana');
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
    expect(dashboard.metadata.annotations.grafana_folder).toBe('Security');
    const json = JSON.parse(dashboard.data['jobguard.json']);
    const exprs = (title: string): string[] =>
      json.panels.find((p: any) => p.title === title).targets.map((t: any) => t.expr);
    expect(exprs('Decisions by action')[0]).toMatch(/sum by \(action\).*jobguard_admission_requests_total/);
    expect(exprs('Admission latency').map((e) => /histogram_quantile\(([\d.]+)/.exec(e)![1])).toEqual([
      '0.5',
      '0.9',
      '0.99',
    ]);
    expect(exprs('Top rules')[0]).toMatch(/topk\(10, sum by \(rule\)/);
    expect(exprs('Top namespaces (warn and deny)')[0]).toMatch(/topk\(10, sum by \(namespace\)/);
    for (const panel of json.panels) {
      for (const t of panel.targets) for (const name of metricsIn(t.expr)) expect(METRICS).toContain(name);
    }
  });

  it('is on by default: the webhook port and the metrics port from the Prometheus namespace, nothing else', () => {
    const policy: any = findOne(rendered.defaults, 'NetworkPolicy');
    expect(policy.spec.podSelector.matchLabels).toEqual(
      spec(findOne(rendered.defaults, 'Deployment')).selector.matchLabels,
    );
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    // `helm template` cannot look up the API server's Endpoints, so no source is known here: the
    // webhook port alone is open (NOTES says so), the metrics port stays scoped.
    expect(policy.spec.ingress).toEqual([
      { ports: [{ port: 'https', protocol: 'TCP' }] },
      {
        ports: [{ port: 'metrics', protocol: 'TCP' }],
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      },
    ]);
    const ports = spec(findOne(rendered.defaults, 'Deployment')).template.spec.containers[0].ports;
    expect(ports.map((p: any) => [p.name, p.containerPort])).toEqual([
      ['https', 8443],
      ['metrics', 9090],
    ]);
    expect(kinds('noNetworkPolicy')).not.toContain('NetworkPolicy');
  });

  it('admits only the webhook port (from the listed peers) and metrics from the Prometheus namespace', () => {
    const policy: any = findOne(rendered.everything, 'NetworkPolicy');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([
      {
        ports: [{ port: 'https', protocol: 'TCP' }],
        from: [
          { ipBlock: { cidr: '10.0.0.0/16' } },
          {
            podSelector: {
              matchLabels: {
                'app.kubernetes.io/name': 'jobguard',
                'app.kubernetes.io/instance': 'jobguard',
                'app.kubernetes.io/component': 'helm-test',
              },
            },
          },
        ],
      },
      {
        ports: [{ port: 'metrics', protocol: 'TCP' }],
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
      },
    ]);
    expect((findOne(rendered.metricsOff, 'NetworkPolicy') as any).spec.ingress).toEqual([
      { ports: [{ port: 'https', protocol: 'TCP' }] },
    ]);
  });
});

describe('analysis', () => {
  it('passes analysis.workers and analysis.deadline to serve', () => {
    const deployment = rendered.analysisInline.find((o) => o.kind === 'Deployment')!;
    const args = spec(deployment).template.spec.containers[0].args as string[];
    expect(args).toEqual(expect.arrayContaining(['--analysis-workers=0', '--analysis-deadline=500ms']));
  });
});

describe('values the chart refuses', () => {
  it.each([
    ['an unknown top-level key', { replicas: 3 }, /additional properties 'replicas' not allowed/],
    ['an unknown policy key', { policy: { mod: 'enforce' } }, /additional properties 'mod' not allowed/],
    ['an unknown nested key', { webhook: { timeout: 5 } }, /additional properties 'timeout' not allowed/],
    [
      'an unknown threshold',
      { policy: { thresholds: { block: 9 } } },
      /additional properties 'block' not allowed/,
    ],
    ['a string replica count', { replicaCount: 'two' }, /replicaCount.*got string, want integer/s],
    ['an unknown mode', { policy: { mode: 'block' } }, /policy\/mode/],
    ['an unknown kind', { policy: { kinds: ['CronJob', 'Cron'] } }, /policy\/kinds\/1/],
    ['a timeout over 30 s', { webhook: { timeoutSeconds: 31 } }, /timeoutSeconds/],
    ['an analysis deadline without a unit', { analysis: { deadline: '2' } }, /analysis\/deadline/],
    ['negative analysis workers', { analysis: { workers: -1 } }, /analysis\/workers/],
    ['root', { securityContext: { runAsUser: 0 } }, /runAsUser/],
    ['an exemption without a reason', { policy: { exemptions: [{ namespaces: ['x'] }] } }, /reason/],
    [
      'a rule weight that is not a number',
      { policy: { rules: { 'reverse-shell': { weight: 'high' } } } },
      /weight/,
    ],
    [
      'two TLS sources',
      { tls: { existingSecret: 'x', certManager: { enabled: true } } },
      /either tls.existingSecret or tls.certManager.enabled/,
    ],
    ['one replica with a PodDisruptionBudget', { replicaCount: 1 }, /replicaCount must be at least 2/],
    [
      'mTLS without the plain-HTTP port for probes',
      { tls: { clientCAConfigMap: 'ca' }, metrics: { enabled: false } },
      /tls.clientCAConfigMap needs metrics.enabled/,
    ],
  ])('rejects %s', async (_name, values, message) => {
    expect(await helmTemplateError({ values })).toMatch(message);
  });
});

describe('README.md', () => {
  /** Dotted paths of the values a user sets: maps are descended unless empty or keyed by label-like names. */
  function leaves(value: unknown, path: string[] = []): string[] {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [path.join('.')];
    const keys = Object.keys(value);
    if (keys.length === 0 || keys.some((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))) return [path.join('.')];
    return keys.flatMap((k) => leaves((value as Record<string, unknown>)[k], [...path, k]));
  }

  const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
  /** The README's `## ` sections, by heading. */
  const sections = new Map(
    readme
      .split(/^## /m)
      .slice(1)
      .map((part) => [part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1)] as const),
  );
  /** Each Markdown table of a section: its header cells and its rows' cells. */
  function tables(section: string): { header: string[]; rows: string[][] }[] {
    const cells = (line: string) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim());
    const found: { header: string[]; rows: string[][] }[] = [];
    let current: { header: string[]; rows: string[][] } | undefined;
    for (const line of section.split('\n')) {
      if (!line.startsWith('|')) {
        current = undefined;
      } else if (!current) {
        current = { header: cells(line), rows: [] };
        found.push(current);
      } else if (!/^\|(-+\|)+$/.test(line)) {
        current.rows.push(cells(line));
      }
    }
    return found;
  }

  it('has its sections in order, each table under its own heading', () => {
    expect([...sections.keys()]).toEqual([
      'Install',
      'What is safe by default',
      'Exceptions as Kubernetes objects',
      'Events',
      'Which kinds are checked',
      'Policy reports',
      'TLS',
      'NetworkPolicy',
      'Values',
    ]);
    expect(tables(sections.get('TLS')!).map((t) => t.header)).toEqual([
      ['source', 'values', 'caBundle', 'same output on every render'],
    ]);
    expect(tables(sections.get('NetworkPolicy')!).map((t) => t.header)).toEqual([
      ['distribution', 'where the API server calls from', '`networkPolicy.webhookFrom`'],
    ]);
    expect(tables(sections.get('Values')!).map((t) => t.header)).toEqual([['key', 'default', 'description']]);
  });

  it('names a values key for each TLS source, and each key exists in values.yaml', () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
    const known = new Set(leaves(values));
    const [tls] = tables(sections.get('TLS')!);
    expect(tls!.rows.map((r) => r[0])).toEqual([
      'Generated by Helm (default)',
      'cert-manager',
      'Your own Secret',
    ]);
    for (const row of tls!.rows) {
      const keys = [...row[1]!.matchAll(/`(tls\.[A-Za-z.]+)/g)].map((m) => m[1]!);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(known).toContain(key);
    }
  });

  it('lists every value of values.yaml with a default and a description in Values, and nothing else', () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
    const [table] = tables(sections.get('Values')!);
    for (const row of table!.rows) {
      expect(row).toHaveLength(3);
      expect(row[0]).toMatch(/^`[^`]+`$/);
      expect(row[1]).toMatch(/^`.*`$/);
      expect(row[2]!.length).toBeGreaterThan(10);
    }
    expect(table!.rows.map((r) => r[0]!.slice(1, -1)).sort()).toEqual(leaves(values).sort());
    // No value row anywhere else: the TLS table once held the values rows under its own header.
    const valueRows = [...readme.matchAll(/^\| `([^`]+)` \| `(.*)` \| (.*) \|$/gm)];
    expect(valueRows).toHaveLength(table!.rows.length);
  });
});
